package dev.vigil.testing;

import dev.vigil.linux.NetworkNamespace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The network of the kernel engine's system tests, on a {@link NetnsBed}: a client, a balancer (node 1) and
 * three real servers (nodes 2-4, named rs2..rs4) on another subnet that route through the balancer, as
 * IPVS's {@code lb_kind NAT} needs:
 * <pre>
 *   client 10.199.0.100 ── br0 ── balancer 10.199.0.1, VIP 10.199.0.50, 10.198.0.1 (the real servers' gateway)
 *                          └───── rs2..rs4 10.198.0.2..4 (default via 10.198.0.1)
 * </pre>
 * and the same in IPv6: VIP fd00:199::50, real servers fd00:198::2..4 via fd00:198::1. Each real server
 * listens on {@link #BACKEND_PORT}, TCP and UDP, IPv4 and IPv6, and answers its name and the client's
 * address as it sees it ({@code rs2 10.199.0.100:40000}); for the TCP line {@code bulk} it then sends
 * {@link #BULK} bytes of {@code new Random(42)} in 64 KiB chunks 25 ms apart (about 2.5 s).
 */
public final class NatTestbed implements AutoCloseable {
    public static final String VIP = "10.199.0.50", VIP6 = "fd00:199::50";
    public static final int BACKEND_PORT = 8080, BULK = 6 << 20;

    private final NetnsBed bed;
    private final List<AutoCloseable> servers = new CopyOnWriteArrayList<>();
    private final List<ServerSocket> tcp = new CopyOnWriteArrayList<>();

    private NatTestbed(NetnsBed bed) {
        this.bed = bed;
    }

    /** Builds the network and starts the real servers; {@code prefix} as for {@link NetnsBed#create}. */
    public static NatTestbed create(String prefix) throws Exception {
        NatTestbed t = new NatTestbed(NetnsBed.create(prefix, 4, true));
        try {
            t.build();
        } catch (Exception | Error e) {
            t.close();
            throw e;
        }
        return t;
    }

    private void build() throws Exception {
        String balancer = balancer();
        bed.exec(balancer, "ip", "addr", "add", VIP + "/32", "dev", "eth0");
        bed.exec(balancer, "ip", "addr", "add", "10.198.0.1/24", "dev", "eth0");
        bed.exec(balancer, "ip", "addr", "add", VIP6 + "/128", "dev", "eth0", "nodad");
        bed.exec(balancer, "ip", "addr", "add", "fd00:198::1/64", "dev", "eth0", "nodad");
        // One wire for both subnets: no redirect may tell a real server to answer the client directly.
        bed.exec(balancer, "sysctl", "-qw", "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.eth0.send_redirects=0");
        for (int i = 2; i <= 4; i++) {
            String ns = bed.node(i);
            bed.exec(ns, "ip", "addr", "del", "10.199.0." + i + "/24", "dev", "eth0");
            bed.exec(ns, "ip", "addr", "add", "10.198.0." + i + "/24", "dev", "eth0");
            bed.exec(ns, "ip", "route", "add", "default", "via", "10.198.0.1");
            bed.exec(ns, "ip", "-6", "addr", "del", "fd00:199::" + i + "/64", "dev", "eth0");
            bed.exec(ns, "ip", "-6", "addr", "add", "fd00:198::" + i + "/64", "dev", "eth0", "nodad");
            bed.exec(ns, "ip", "-6", "route", "add", "default", "via", "fd00:198::1");
            bed.exec(ns, "sysctl", "-qw", "net.ipv4.conf.all.accept_redirects=0", "net.ipv4.conf.eth0.accept_redirects=0",
                    "net.ipv6.conf.all.accept_redirects=0", "net.ipv6.conf.eth0.accept_redirects=0");
            startServers(ns, "rs" + i, "10.198.0." + i);
            startServers(ns, "rs" + i, "fd00:198::" + i);
        }
    }

    public NetnsBed bed() {
        return bed;
    }

    public String balancer() {
        return bed.node(1);
    }

    public String client() {
        return bed.client();
    }

    /** Stops real server {@code i}'s IPv4 TCP listener: a TCP_CHECK against it fails from now on. */
    public void stopTcp(int i) throws IOException {
        for (ServerSocket s : tcp) {
            if (s.getInetAddress().getHostAddress().equals("10.198.0." + i)) s.close();
        }
    }

    private void startServers(String ns, String name, String address) throws Exception {
        ServerSocket t = NetworkNamespace.call(ns, () -> new ServerSocket(BACKEND_PORT, 50, InetAddress.getByName(address)));
        DatagramSocket udp = NetworkNamespace.call(ns, () -> new DatagramSocket(BACKEND_PORT, InetAddress.getByName(address)));
        tcp.add(t);
        servers.add(t);
        servers.add(udp);
        Thread.ofPlatform().daemon().name("tcp-" + name).start(() -> {
            while (!t.isClosed()) {
                try {
                    Socket s = t.accept();
                    Thread.ofVirtual().start(() -> serve(s, name));
                } catch (IOException e) {
                    return;
                }
            }
        });
        Thread.ofPlatform().daemon().name("udp-" + name).start(() -> {
            byte[] buffer = new byte[512];
            while (!udp.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                    udp.receive(p);
                    byte[] answer = (name + " " + p.getAddress().getHostAddress() + ":" + p.getPort())
                            .getBytes(StandardCharsets.US_ASCII);
                    udp.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void serve(Socket s, String name) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String command = in.readLine();
            OutputStream out = s.getOutputStream();
            out.write((name + " " + s.getInetAddress().getHostAddress() + ":" + s.getPort() + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
            if ("bulk".equals(command)) {
                Random random = new Random(42);
                byte[] chunk = new byte[64 << 10];
                for (int sent = 0; sent < BULK; sent += chunk.length) {
                    random.nextBytes(chunk);
                    out.write(chunk);
                    Thread.sleep(25);
                }
            }
            out.flush();
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    /** A TCP connection from the client namespace. */
    public Socket connect(InetSocketAddress to) throws Exception {
        return NetworkNamespace.call(bed.client(), () -> {
            Socket socket = new Socket();
            socket.connect(to, 3000);
            return socket;
        });
    }

    /** One connection from the client: what the real server answered. */
    public String hello(InetSocketAddress to) throws Exception {
        try (Socket s = connect(to)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    /** The names of the real servers {@code connections} sequential connections reached. */
    public List<String> names(InetSocketAddress to, int connections) throws Exception {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < connections; i++) out.add(hello(to).split(" ")[0]);
        return out;
    }

    /** Stops the servers and deletes the namespaces. */
    @Override
    public void close() {
        for (AutoCloseable s : servers) {
            try {
                s.close();
            } catch (Exception ignored) {
                // the namespaces go next
            }
        }
        bed.close();
    }
}
