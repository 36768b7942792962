package dev.vigil.forward;

import dev.vigil.balance.SchedulerSlots;
import dev.vigil.config.ForwardingMethod;
import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer;

import java.util.Optional;

/**
 * What the kernel engine forwards, judged from a virtual server's configuration: apart from the engine, so
 * {@code check-config} can warn without touching a concrete engine.
 */
public final class KernelSupport {
    private KernelSupport() {}

    /**
     * What the kernel engine cannot do as {@code vs} asks, from its configuration alone (for
     * {@code check-config} as well as {@link KernelEngine#apply}); empty when it can.
     */
    public static Optional<String> unsupported(VirtualServer vs) {
        if (vs.protocol() == Protocol.SCTP) return Optional.of("protocol SCTP is not forwarded by the kernel engine yet");
        if (vs.forwardingMethod() != ForwardingMethod.NAT
                || vs.realServers().stream().anyMatch(r -> r.forwardingMethod().filter(m -> m != ForwardingMethod.NAT).isPresent())) {
            return Optional.of("the kernel engine does lb_kind NAT only (DR and TUN are not built); write "
                    + "vigil_engine proxy to have the proxy engine forward it (it proxies TCP, whatever the lb_kind), "
                    + "or lb_kind NAT");
        }
        boolean everyPortOrMark = switch (vs.key()) {
            case VirtualServer.ByFwmark f -> true;
            case VirtualServer.ByAddress a -> a.port() == 0;
            case VirtualServer.ByGroup g -> false; // its members are judged when the engine applies them
        };
        if (everyPortOrMark && SchedulerSlots.counted(vs.scheduler())) return Optional.of(countedNeedsAPort(vs));
        return Optional.empty();
    }

    /**
     * Why a fwmark or port-0 service cannot have a connection-counting scheduler in the kernel engine: its
     * eBPF selector writes the packet mark the operator's fwmark rules also write, and knows a service by
     * VIP and port.
     */
    static String countedNeedsAPort(VirtualServer vs) {
        return "the kernel engine's eBPF selector (lb_algo " + vs.scheduler().keyword() + ") serves VIP:port "
                + "services; a fwmark or port 0 service has rr, wrr, sh, dh or mh there, or the proxy engine "
                + "(vigil_engine proxy) for a port of it";
    }
}
