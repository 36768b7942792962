package dev.vigil.forward;

import dev.vigil.config.Protocol;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * One connection an engine holds, at one moment.
 *
 * @param client     the client's address and port
 * @param virtual    the address and port the client connected to (a VIP)
 * @param realServer where it goes; empty while no real server has been chosen
 * @param idle       time since bytes last moved
 */
public record ForwardedConnection(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual,
                                  Optional<InetSocketAddress> realServer, State state, Duration idle) {

    /** The life of a forwarded connection, in IPVS's words where they fit. */
    public enum State {
        /** Connecting to a real server (IPVS: SYN_SENT/SYN_RECV). */
        CONNECTING,
        ESTABLISHED,
        /** One side has sent its FIN (IPVS: FIN_WAIT/CLOSE_WAIT). */
        CLOSING
    }
}
