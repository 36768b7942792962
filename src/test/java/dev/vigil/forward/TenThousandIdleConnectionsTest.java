package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.balance.VirtualServiceSnapshot;
import dev.vigil.config.Scheduler;
import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.Soak;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.vigil.balance.TestVirtualServers.virtualServer;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many concurrent idle proxied connections. Each one costs Vigil two descriptors, so clients and the
 * real server run in two child JVMs ({@link IdleConnectionPeer}) and this JVM holds only Vigil's.
 * The target is 10,000; this machine's hard open-file limit is 20,000 and the container lacks
 * CAP_SYS_RESOURCE (prlimit cannot raise it), so the count is capped at what the limit allows:
 * {@code (limit - 400) / 2}, i.e. 9,800 here, 10,000 wherever the limit is higher.
 */
@ComponentTest
@Soak
class TenThousandIdleConnectionsTest {

    @Test
    void vigilStaysUpCountsExactlyAndKeepsMemoryBounded() throws Exception {
        long limit = openFileLimit();
        int n = (int) Math.min(10_000, (limit - 400) / 2);
        List<Process> children = new ArrayList<>();
        try (ProxyEngine engine = new ProxyEngine(ProxyEngine.Options.fromSystemProperties().withEventLoops(2))) {
            Process backend = peer("backend");
            children.add(backend);
            BufferedReader backendOut = reader(backend);
            int port = Integer.parseInt(backendOut.readLine().substring("port ".length()));
            VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.WLC)
                    .real("127.0.0.1", port, 1).build());
            VirtualServerListener l = engine.open(vs, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            long heapBefore = usedHeapAfterGc();

            Process clients = peer("clients", "127.0.0.1:" + l.localAddress().getPort(), Integer.toString(n));
            children.add(clients);
            BufferedReader clientsOut = reader(clients);
            PrintWriter clientsIn = new PrintWriter(clients.getOutputStream(), true);
            assertThat(clientsOut.readLine()).isEqualTo("connected");
            ProxyEngineTest.await(() -> vs.snapshot().activeConnections() == n, n + " established end to end");
            assertThat(engine.openConnections()).isEqualTo(n);
            long perConnection = (usedHeapAfterGc() - heapBefore) / n;
            assertThat(perConnection).as("Vigil's heap bytes per idle proxied connection").isLessThan(16 * 1024);
            System.out.printf("%d idle proxied connections: %d heap bytes each%n", n, perConnection);

            clientsIn.println("echo");
            assertThat(clientsOut.readLine()).isEqualTo("echoed " + n);
            clientsIn.println("close");
            assertThat(clientsOut.readLine()).isEqualTo("closed");
            ProxyEngineTest.await(() -> engine.openConnections() == 0, "all closed");
            VirtualServiceSnapshot snap = vs.snapshot();
            assertThat(snap.totalConnections()).isEqualTo(n);
            assertThat(snap.activeConnections() + snap.inactiveConnections()).isZero();
            assertThat(snap.bytesIn()).isEqualTo(n);
            assertThat(snap.bytesOut()).isEqualTo(n);
            assertThat(engine.counters().accepted()).isEqualTo(n);
            assertThat(engine.counters().connectFailures()).isZero();
        } finally {
            for (Process p : children) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static Process peer(String... args) throws Exception {
        Path classes = Path.of(IdleConnectionPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-cp", classes.toString(), IdleConnectionPeer.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream()));
    }

    private static long openFileLimit() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) return Long.parseLong(line.split("\\s+")[4]);
        }
        return 20_000;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
