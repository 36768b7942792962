package dev.vigil.balance;

import java.util.List;
import java.util.Optional;

/**
 * A server table as a virtual service just published it.
 *
 * @param realServers   every configured real server, in configuration order, with its health, weight
 *                      and drain flag ({@link RealServerState#weight()} is what schedulers use)
 * @param sorryServer   the sorry server, if one is configured
 * @param quorumUp      whether new connections go to the real servers (else to the sorry server, or nowhere)
 * @param quorumChanged whether this change gained or lost the quorum (keepalived's {@code quorum_up}/{@code quorum_down})
 */
public record ServerTableChange(List<RealServerState> realServers, Optional<RealServerState> sorryServer,
                                boolean quorumUp, boolean quorumChanged) {
    public ServerTableChange {
        realServers = List.copyOf(realServers);
    }
}
