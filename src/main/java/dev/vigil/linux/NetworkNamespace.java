package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs code inside a named network namespace ({@code /run/netns/NAME}, as made by
 * {@code ip netns add}), as keepalived's {@code net_namespace} does. Sockets opened there stay
 * in that namespace for their whole life, so the returned objects can be used from any thread.
 */
public final class NetworkNamespace {
    private NetworkNamespace() {}

    /**
     * Calls {@code action} on a fresh platform thread that has joined the namespace (setns only
     * changes the calling thread, and the thread dies afterwards, so no other code ever runs there).
     */
    public static <T> T call(String name, Callable<T> action) throws Exception {
        LinuxPlatform.check();
        FutureTask<T> task = new FutureTask<>(() -> {
            enter(name);
            return action.call();
        });
        Thread.ofPlatform().name("netns-" + name).start(task).join();
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            if (e.getCause() instanceof Error cause) throw cause;
            throw e;
        }
    }

    /** Moves the calling thread into the namespace: only for a thread that runs nothing else afterwards. */
    static void enter(String name) throws NativeException {
        if (name.contains("/") || name.isEmpty()) throw new IllegalArgumentException("bad namespace name: " + name);
        String path = "/run/netns/" + name;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.allocateCapture(arena);
            int fd = (int) Libc.OPEN.invokeExact(capture, arena.allocateFrom(path), Libc.O_CLOEXEC);
            if (fd < 0) throw new NativeException("open(" + path + ")", "network namespace " + name, Libc.errno(capture));
            try {
                int r = (int) Libc.SETNS.invokeExact(capture, fd, Libc.CLONE_NEWNET);
                if (r < 0) throw new NativeException("setns(CLONE_NEWNET)", "network namespace " + name, Libc.errno(capture));
            } finally {
                Libc.closeQuietly(fd);
            }
        } catch (NativeException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setns downcall failed", t);
        }
    }
}
