package dev.vigil.linux;

import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.HeldPort;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.FileDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.vigil.linux.Errno.*;
import static dev.vigil.linux.NonBlockingTcp.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The proxy's socket calls against real loopback sockets, including the kernel behaviour the proxy relies on. */
@ComponentTest
class NonBlockingTcpTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final NonBlockingTcp calls = new NonBlockingTcp();
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(4096);
    private final List<Integer> fds = new ArrayList<>();

    @BeforeAll
    static void nettyNatives() {
        Epoll.ensureAvailability(); // the test closes descriptors through Netty, as the proxy does
    }

    @AfterEach
    void closeAll() throws IOException {
        for (int fd : fds) new FileDescriptor(fd).close();
        arena.close();
    }

    private int track(int fd) {
        assertThat(fd).as("descriptor").isNotNegative();
        fds.add(fd);
        return fd;
    }

    private int listener(boolean noDelay, boolean keepAlive) {
        int fd = track(calls.socket(LOOPBACK));
        if (noDelay) assertThat(calls.setInt(fd, IPPROTO_TCP, TCP_NODELAY, 1)).isZero();
        if (keepAlive) assertThat(calls.setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 1)).isZero();
        assertThat(calls.bind(fd, new InetSocketAddress(LOOPBACK, 0))).isZero();
        assertThat(calls.listen(fd, 16)).isZero();
        return fd;
    }

    /** Accepts with a few retries: the handshake completes in the kernel shortly after connect. */
    private int acceptOne(int listenFd) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            int fd = calls.accept(listenFd);
            if (fd != -EAGAIN) return track(fd);
            Thread.sleep(5);
        }
        throw new AssertionError("nothing to accept");
    }

    @Test
    void acceptedSocketsInheritNoDelayAndKeepAliveFromTheListener() throws Exception {
        // The proxy sets both on its listening sockets only, sparing two calls per connection.
        int with = listener(true, true);
        int without = listener(false, false);
        try (Socket _ = new Socket(LOOPBACK, calls.localAddress(with).getPort());
             Socket b = new Socket(LOOPBACK, calls.localAddress(without).getPort())) {
            int fromWith = acceptOne(with);
            int fromWithout = acceptOne(without);
            assertThat(calls.getInt(fromWith, IPPROTO_TCP, TCP_NODELAY)).isEqualTo(1);
            assertThat(calls.getInt(fromWith, SOL_SOCKET, SO_KEEPALIVE)).isEqualTo(1);
            assertThat(calls.getInt(fromWithout, IPPROTO_TCP, TCP_NODELAY)).isZero();
            assertThat(calls.getInt(fromWithout, SOL_SOCKET, SO_KEEPALIVE)).isZero();
            assertThat(calls.acceptedPeer()).isEqualTo(b.getLocalSocketAddress());
        }
    }

    @Test
    void everyCallIsNonBlockingAndReportsErrnoAsANegativeResult() throws Exception {
        int l = listener(true, true);
        assertThat(calls.accept(l)).isEqualTo(-EAGAIN);
        int client = track(calls.socket(LOOPBACK));
        int r = calls.connect(client, calls.localAddress(l));
        assertThat(r).isIn(0, -EINPROGRESS);
        int server = acceptOne(l);
        assertThat(calls.read(server, buffer.address(), 4096)).isEqualTo(-EAGAIN);

        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(MemorySegment.ofArray(hello), 0, buffer, 0, hello.length);
        awaitWritable(client, hello.length);
        int n = readSome(server);
        assertThat(n).isEqualTo(hello.length);
        assertThat(buffer.asSlice(0, n).toArray(JAVA_BYTE)).isEqualTo(hello);

        assertThat(calls.shutdown(client, SHUT_WR)).isZero();
        assertThat(readSome(server)).as("end of stream after the peer's FIN").isZero();
    }

    @Test
    void aRefusedConnectShowsInSoError() throws Exception {
        try (HeldPort refusing = HeldPort.refusing()) {
            int fd = track(calls.socket(LOOPBACK));
            int r = calls.connect(fd, refusing.address());
            if (r == -EINPROGRESS) {
                int err = 0;
                for (int i = 0; i < 200 && err == 0; i++, Thread.sleep(5)) err = calls.getInt(fd, SOL_SOCKET, SO_ERROR);
                assertThat(err).isEqualTo(ECONNREFUSED);
            } else {
                assertThat(r).isEqualTo(-ECONNREFUSED);
            }
        }
        assertThat(NonBlockingTcp.describe(-ECONNREFUSED)).isEqualTo("Connection refused (ECONNREFUSED)");
    }

    @Test
    void lingerZeroMakesCloseAReset() throws Exception {
        int l = listener(false, false);
        try (Socket peer = new Socket(LOOPBACK, calls.localAddress(l).getPort())) {
            int fd = acceptOne(l);
            assertThat(calls.lingerZero(fd)).isZero();
            fds.remove((Integer) fd);
            new FileDescriptor(fd).close();
            peer.setSoTimeout(5000);
            assertThatThrownBy(() -> peer.getInputStream().read()).isInstanceOf(SocketException.class)
                    .hasMessageContaining("reset");
        }
        try (Socket peer = new Socket(LOOPBACK, calls.localAddress(l).getPort())) {
            int fd = acceptOne(l);
            assertThat(calls.send(fd, buffer.address(), 0)).isZero();
            fds.remove((Integer) fd);
            new FileDescriptor(fd).close();
            peer.setSoTimeout(5000);
            assertThat(peer.getInputStream().read()).as("a plain close is a FIN").isEqualTo(-1);
        }
    }

    @Test
    void sendToAResetPeerFailsWithoutRaisingSigpipe() throws Exception {
        int l = listener(false, false);
        Socket peer = new Socket(LOOPBACK, calls.localAddress(l).getPort());
        int fd = acceptOne(l);
        peer.setSoLinger(true, 0);
        peer.close(); // RST
        int r = 0;
        for (int i = 0; i < 200 && r >= 0; i++, Thread.sleep(5)) r = calls.send(fd, buffer.address(), 16);
        assertThat(r).isIn(-ECONNRESET, -EPIPE);
    }

    private void awaitWritable(int fd, int length) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            int w = calls.send(fd, buffer.address(), length);
            if (w == length) return;
            assertThat(w).isEqualTo(-EAGAIN);
            Thread.sleep(5);
        }
        throw new AssertionError("never connected");
    }

    private int readSome(int fd) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            int n = calls.read(fd, buffer.address(), 4096);
            if (n != -EAGAIN) return n;
            Thread.sleep(5);
        }
        throw new AssertionError("nothing to read");
    }
}
