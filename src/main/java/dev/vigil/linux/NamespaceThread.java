package dev.vigil.linux;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived platform thread that runs everything given to it, one call at a time, inside a network
 * namespace ({@code /run/netns/NAME}) or, without a name, in the process's own. For state that belongs to
 * the namespace of the calling thread rather than to a socket: a libnftables context (which may reopen its
 * netlink socket), {@code /proc/thread-self/net/*} and {@code /proc/sys/net/*}. The thread joins the
 * namespace before it runs anything and runs nothing but what {@link #call} hands it.
 */
public final class NamespaceThread implements AutoCloseable {
    private final ExecutorService executor;
    private final String description;

    private NamespaceThread(ExecutorService executor, String description) {
        this.executor = executor;
        this.description = description;
    }

    /** Starts the thread, and fails if it cannot join {@code namespace}. */
    public static NamespaceThread start(Optional<String> namespace, String threadName) throws NativeException {
        LinuxPlatform.check();
        ExecutorService executor = Executors.newSingleThreadExecutor(
                r -> Thread.ofPlatform().daemon().name(threadName).unstarted(r));
        NamespaceThread thread = new NamespaceThread(executor,
                namespace.map(n -> "network namespace " + n).orElse("this process's network namespace"));
        if (namespace.isPresent()) {
            try {
                thread.call(() -> {
                    NetworkNamespace.enter(namespace.get());
                    return null;
                });
            } catch (NativeException | RuntimeException e) {
                executor.shutdownNow();
                throw e;
            } catch (Exception e) {
                executor.shutdownNow();
                throw new IllegalStateException(e);
            }
        }
        return thread;
    }

    /** {@code network namespace NAME} or {@code this process's network namespace}, for messages. */
    public String description() {
        return description;
    }

    /** Runs {@code action} on the thread and returns what it returns or throws. */
    public <T> T call(Callable<T> action) throws Exception {
        Future<T> result = executor.submit(action);
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            if (e.getCause() instanceof Error cause) throw cause;
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    /** Lets the calls already given finish, then ends the thread. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) executor.shutdownNow();
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
