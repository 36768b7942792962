package dev.vigil.report;

import java.util.List;
import java.util.Optional;

/**
 * What the admin API may change, and the connection list it may read, implemented by the daemon. Calls come from admin request threads
 * (virtual threads) after the bearer token was checked.
 */
public interface AdminActions {

    /**
     * Whether every part the other calls reach has started. Until then the admin API answers them with 503:
     * the endpoint opens first, so that a failing start can still be watched.
     */
    boolean ready();

    /**
     * Stops sending new connections to the real server in the named virtual server, or in every virtual
     * server that has it when {@code virtualServer} is empty; established connections carry on.
     *
     * @return whether any real server matched
     */
    boolean drain(Optional<ServerAddress> virtualServer, ServerAddress realServer);

    /** Undoes {@link #drain}: the real server takes new connections again (if its checkers agree). */
    boolean enable(Optional<ServerAddress> virtualServer, ServerAddress realServer);

    /** The connections the forwarding engine holds now. */
    List<ConnectionEntry> connections();

    /** Re-reads the configuration file and applies the difference, or keeps the old one if it is invalid. */
    ReloadResult reload();

    /**
     * Outcome of a reload. {@code errors} are positioned lines such as
     * {@code /etc/vigil/keepalived.conf:12:5: unknown keyword 'lb_alg'}; empty when {@code applied}.
     */
    record ReloadResult(boolean applied, String message, List<String> errors) {
        public ReloadResult {
            message = message == null ? "" : message;
            errors = List.copyOf(errors);
        }
    }
}
