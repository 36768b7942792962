package dev.vigil.health;

import org.jspecify.annotations.Nullable;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One checker connection under one deadline: every connect, handshake and read gets only the time left,
 * so a check never outlives its {@code connect_timeout}, and closing it releases the socket.
 */
final class CheckConnection implements AutoCloseable {

    private final Socket raw;
    private Socket socket;
    private final long deadline;

    /** Over a connected socket; the fuzz targets pass a stand-in that replays a canned answer. */
    CheckConnection(Socket raw, long deadline) {
        this.raw = raw;
        this.socket = raw;
        this.deadline = deadline;
    }

    static CheckConnection open(InetSocketAddress remote, Optional<InetAddress> bindIp, Optional<Integer> bindPort,
                                Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Socket s = new Socket();
        try {
            if (bindIp.isPresent() || bindPort.isPresent()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(bindIp.orElse(null), bindPort.orElse(0)));
            }
            s.setTcpNoDelay(true);
            s.connect(remote, remainingMillis(deadline));
            return new CheckConnection(s, deadline);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Upgrades to TLS; {@code sni} empty sends no server name. */
    void startTls(SSLContext context, Optional<String> sniName) throws IOException {
        // An address is not a server name (RFC 6066): send none rather than a wrong one.
        Optional<String> sni = sniName.filter(n -> !n.contains(":") && !n.matches("[0-9.]+"));
        InetSocketAddress remote = (InetSocketAddress) raw.getRemoteSocketAddress();
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw,
                sni.orElse(remote.getAddress().getHostAddress()), remote.getPort(), true);
        SSLParameters params = tls.getSSLParameters();
        List<SNIServerName> names = sni.<List<SNIServerName>>map(n -> List.of(new SNIHostName(n))).orElse(List.of());
        params.setServerNames(names);
        tls.setSSLParameters(params);
        socket = tls;
        raw.setSoTimeout(remainingMillis(deadline));
        tls.startHandshake();
    }

    OutputStream out() throws IOException {
        return socket.getOutputStream();
    }

    void write(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Reads into {@code buf}; -1 at end of stream; SocketTimeoutException past the deadline. */
    int read(byte[] buf, int off, int len) throws IOException {
        socket.setSoTimeout(remainingMillis(deadline));
        return socket.getInputStream().read(buf, off, len);
    }

    /** A line without its CR LF; null at end of stream. */
    @Nullable String readLine(int max) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        while (true) {
            socket.setSoTimeout(remainingMillis(deadline));
            int b = in.read();
            if (b < 0) return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            if (b == '\n') break;
            if (line.size() >= max) throw new IOException("line longer than " + max + " bytes");
            line.write(b);
        }
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) throw new SocketTimeoutException("timeout");
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    @Override
    public void close() {
        // The TCP socket first: a polite TLS close waits for the peer, which a hung server never answers.
        try {
            raw.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
        try {
            if (!socket.equals(raw)) socket.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
