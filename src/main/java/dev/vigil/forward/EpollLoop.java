package dev.vigil.forward;

import dev.vigil.linux.NativeBuffer;
import dev.vigil.linux.NonBlockingTcp;
import io.netty.channel.IoEventLoop;
import org.jspecify.annotations.Nullable;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * What the epoll data path keeps per Netty event loop: the loop's system-call context, the buffer
 * every read lands in first, and the connections the loop owns (an intrusive list, so adding and
 * removing allocate nothing). One sweep a tenth of a second checks connect and idle timeouts for all
 * of them: cheaper than a scheduled task per connection, and exact enough for timeouts of seconds.
 */
final class EpollLoop {
    static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    final IoEventLoop eventLoop;
    final NonBlockingTcp calls = new NonBlockingTcp();
    final int readSize;
    final long scratch;
    private final NativeBuffer scratchBuffer;
    private @Nullable EpollConnection head;

    @SuppressWarnings("FutureReturnValueIgnored") // the sweep runs until the event loop shuts down; sweep() cannot throw
    EpollLoop(IoEventLoop eventLoop, int readSize) {
        this.eventLoop = eventLoop;
        this.readSize = readSize;
        this.scratchBuffer = new NativeBuffer(readSize, 64);
        this.scratch = scratchBuffer.address();
        eventLoop.scheduleAtFixedRate(this::sweep, SWEEP_NANOS, SWEEP_NANOS, TimeUnit.NANOSECONDS);
    }

    /** The first {@code length} bytes of the read buffer, for copying what a write left over. */
    ByteBuffer scratch(int offset, int length) {
        return scratchBuffer.slice(offset, length);
    }

    void add(EpollConnection c) {
        c.next = head;
        if (head != null) head.prev = c;
        head = c;
    }

    void remove(EpollConnection c) {
        if (c.prev != null) c.prev.next = c.next; else if (head == c) head = c.next;
        if (c.next != null) c.next.prev = c.prev;
        c.prev = c.next = null;
    }

    private void sweep() {
        long now = System.nanoTime();
        for (EpollConnection c = head; c != null; ) {
            EpollConnection next = c.next;
            try {
                c.checkTimers(now);
            } catch (Throwable t) {
                c.internalError(t);
            }
            c = next;
        }
    }

    /** Sums {@code f} over this loop's connections; call on the loop. */
    long sum(ToLongFunction<EpollConnection> f) {
        long s = 0;
        for (EpollConnection c = head; c != null; c = c.next) s += f.applyAsLong(c);
        return s;
    }

    /** What each of this loop's connections looks like at {@code now}; call on the loop. */
    List<ForwardedConnection> views(long now) {
        List<ForwardedConnection> out = new ArrayList<>();
        for (EpollConnection c = head; c != null; c = c.next) out.add(c.view(now));
        return out;
    }

    /** Closes the connections {@code which} selects; call on the loop. */
    int closeAll(Predicate<EpollConnection> which) {
        int n = 0;
        for (EpollConnection c = head; c != null; ) {
            EpollConnection next = c.next;
            if (which.test(c)) {
                c.close();
                n++;
            }
            c = next;
        }
        return n;
    }
}
