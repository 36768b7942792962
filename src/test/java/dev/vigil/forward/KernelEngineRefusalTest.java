package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What the kernel engine does not serve yet is refused with the reason, never approximated. */
class KernelEngineRefusalTest {

    private static Optional<String> refusal(String body, List<Integer> marks) {
        return refusal(80, body, marks);
    }

    /** A virtual server of 10.0.0.1 {@code port} (0: every port). */
    private static Optional<String> refusal(int port, String body) {
        return refusal(port, body, List.of());
    }

    private static Optional<String> refusal(int port, String body, List<Integer> marks) {
        ParseResult r = ConfigParser.parse("virtual_server 10.0.0.1 " + port + " {\n  vigil_engine kernel\n" + body
                + "  real_server 10.0.1.2 80 {\n  }\n}\n", "t.conf", new ParseOptions("t", true, false));
        assertThat(r.errors()).isEmpty();
        NodeConfig c = r.config().orElseThrow();
        VirtualService s = new VirtualService(c.virtualServers().getFirst());
        return KernelEngine.refusal(new ForwardedService(s, List.of(new InetSocketAddress("10.0.0.1", port)), marks,
                EngineChoice.of(c, s.config())));
    }

    @Test
    void whatThisPartOfTheEngineForwards() {
        assertThat(refusal("  lb_algo wrr\n", List.of())).isEmpty();
        for (String counted : List.of("lc", "wlc", "sed", "nq", "fo", "ovf", "twos", "lblc", "lblcr")) {
            assertThat(refusal("  lb_algo " + counted + "\n", List.of())).as(counted).isEmpty();
        }
        assertThat(refusal("  lb_algo sh\n  sh-port\n  protocol UDP\n", List.of())).isEmpty();
        assertThat(refusal("  lb_algo sh\n  sh-port\n  sh-fallback\n", List.of())).isEmpty();
        assertThat(refusal("  lb_algo dh\n", List.of(7))).isEmpty();
        assertThat(refusal("  lb_algo mh\n  mh-port\n", List.of())).isEmpty();
        assertThat(refusal("  lb_algo rr\n  real_server 10.0.1.3 80 {\n    uthreshold 10\n    lthreshold 5\n  }\n",
                List.of())).isEmpty();
        assertThat(refusal("  lb_algo rr\n  sorry_server 10.0.1.9 80\n  vigil_snat 10.0.0.1\n", List.of())).isEmpty();
        assertThat(refusal("  lb_algo rr\n", List.of(7))).isEmpty();
        assertThat(refusal("  lb_algo rr\n  persistence_timeout 60\n  persistence_granularity 255.255.255.0\n",
                List.of())).isEmpty();
    }

    @Test
    void whatItRefusesAndWhy() {
        assertThat(refusal("  lb_algo mh\n  mh-fallback\n", List.of())).isEmpty();
        // The eBPF selector's schedulers, lblc and lblcr included, on a fwmark service or port 0.
        for (String counted : List.of("wlc", "lblc", "lblcr")) {
            assertThat(refusal("  lb_algo " + counted + "\n", List.of(7))).hasValueSatisfying(m -> assertThat(m)
                    .startsWith("the kernel engine's eBPF selector (lb_algo " + counted + ") serves VIP:port services"));
        }
        assertThat(refusal(0, "  lb_algo lblc\n")).hasValueSatisfying(m -> assertThat(m)
                .startsWith("the kernel engine's eBPF selector (lb_algo lblc) serves VIP:port services"));
        assertThat(refusal("  lb_algo rr\n  lb_kind DR\n", List.of())).hasValueSatisfying(m -> assertThat(m)
                .startsWith("the kernel engine does lb_kind NAT only (DR and TUN are not built)")
                .contains("write vigil_engine proxy"));
        assertThat(refusal("  lb_algo rr\n  sorry_server fd00::9 80\n", List.of()))
                .hasValueSatisfying(m -> assertThat(m).contains("mixes IPv4 and IPv6"));
        assertThat(refusal("  lb_algo rr\n  protocol SCTP\n", List.of()))
                .hasValueSatisfying(m -> assertThat(m).contains("SCTP"));
    }
}
