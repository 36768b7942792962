package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.EngineChoice;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One virtual server as an engine is asked to forward it: where its clients arrive, the service that
 * balances them, and which engine it is for (a node with both engines splits the set by it).
 *
 * @param addresses     {@code IP PORT} of the virtual server, or every address of its group
 * @param firewallMarks marks of {@code virtual_server fwmark N} or of a group's fwmark members
 */
public record ForwardedService(VirtualService service, List<InetSocketAddress> addresses, List<Integer> firewallMarks,
                               EngineChoice engine) {
    public ForwardedService {
        addresses = List.copyOf(addresses);
        firewallMarks = List.copyOf(firewallMarks);
    }
}
