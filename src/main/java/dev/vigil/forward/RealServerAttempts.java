package dev.vigil.forward;

import dev.vigil.balance.ConnectionAccount;
import dev.vigil.balance.VirtualService;
import org.jspecify.annotations.Nullable;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which real server a client connection tries, and what happens when one fails: the policy both proxy
 * data paths share. A connect that fails before any byte of the real server reached the client moves
 * on to another real server, at most once per configured real server; each failure and each refusal is
 * counted and warned about (at most once per server every 10 s).
 */
final class RealServerAttempts {
    private final VirtualServerListener listener;
    private final @Nullable InetSocketAddress client;
    private Set<InetSocketAddress> tried = Set.of();
    private @Nullable ConnectionAccount current;

    RealServerAttempts(VirtualServerListener listener, @Nullable InetSocketAddress client) {
        this.listener = listener;
        this.client = client;
    }

    /**
     * Chooses the next real server and opens its books; null (counted and warned) when none that has
     * not failed this connection can take it, and the client must be refused.
     */
    @Nullable ConnectionAccount next(long nowNanos) {
        VirtualService service = listener.service();
        Optional<ConnectionAccount> pick = client == null ? Optional.empty()
                : service.pick(client.getAddress(), client.getPort(), nowNanos, tried);
        if (pick.isEmpty()) {
            listener.counters().noRealServer.increment();
            listener.warnRateLimited("none", "virtual server {}: no real server can take a connection{}; refusing client {}",
                    service.name(), tried.isEmpty() ? "" : " (tried " + tried + ")",
                    Objects.toString(client, "of unknown address"));
            current = null;
            return null;
        }
        current = pick.get();
        return current;
    }

    /** The account of the real server being tried or connected to; null before the first and after a refusal. */
    @Nullable ConnectionAccount current() {
        return current;
    }

    /**
     * The attempt on the current real server failed for {@code reason}, before any of its bytes reached
     * the client: its books close as a failed connection.
     */
    void failed(String reason, long nowNanos) {
        ConnectionAccount attempt = Objects.requireNonNull(current, "no attempt under way");
        current = null;
        attempt.closed(true, nowNanos);
        listener.counters().connectFailures.increment();
        Set<InetSocketAddress> t = new HashSet<>(tried);
        t.add(attempt.address());
        tried = t;
        listener.warnRateLimited(attempt.address().toString(), "virtual server {}: cannot connect to real server {}: {}",
                listener.service().name(), attempt.address(), reason);
    }

    /** Whether another real server may be tried after a failure ({@link #next} then picks it); counts the retry. */
    boolean retry() {
        if (tried.size() > listener.service().config().realServers().size()) return false;
        listener.counters().retries.increment();
        return true;
    }
}
