package dev.vigil.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vigil.linux.NetworkNamespace;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@RequiresRoot(commands = {"ip", "sleep"})
class NetnsBedTest {
    @TempDir
    Path dir;

    @Test
    void buildsAConnectedBedAndLeavesNothingBehind() throws Exception {
        NetnsBed bed = NetnsBed.create("vl", 2, true);
        Process sleeper;
        List<String> names = List.of(bed.bridge(), bed.node(1), bed.node(2), bed.client());
        try {
            assertThat(names).allSatisfy(n -> assertThat(n).hasSizeLessThanOrEqualTo(15).startsWith("vl"));
            assertThat(NetnsBed.mustRun("ip", "netns", "list")).contains(names);
            assertThat(connects(bed, bed.client(), bed.node(2), bed.ipv4(bed.node(2)))).isTrue();
            assertThat(connects(bed, bed.node(1), bed.client(), bed.ipv6(bed.client()))).isTrue();

            bed.cut(2);
            assertThat(connects(bed, bed.node(1), bed.node(2), bed.ipv4(bed.node(2)))).isFalse();
            assertThat(bed.exec(bed.node(2), "ip", "link", "show", "eth0")).contains("state UP");
            bed.heal(2);
            // node 1's ARP entry for node 2 failed during the cut: allow a few resolution rounds
            boolean healed = false;
            for (int i = 0; i < 10 && !healed; i++) healed = connects(bed, bed.node(1), bed.node(2), bed.ipv4(bed.node(2)));
            assertThat(healed).as("connects again after heal").isTrue();

            sleeper = bed.start(bed.node(1), List.of("sleep", "300"), dir.resolve("sleep.log"));
            assertThat(sleeper.isAlive()).isTrue();
        } finally {
            bed.close();
        }
        assertThat(sleeper.waitFor(5, TimeUnit.SECONDS)).as("started process killed").isTrue();
        String left = NetnsBed.mustRun("ip", "netns", "list");
        assertThat(names).noneSatisfy(n -> assertThat(left).contains(n));
        bed.close(); // twice is harmless
    }

    /** TCP from one namespace to a listener in another: JDK sockets opened inside NetworkNamespace.call stay there. */
    private static boolean connects(NetnsBed bed, String from, String to, InetAddress address) throws Exception {
        try (ServerSocket _ = NetworkNamespace.call(to, () -> new ServerSocket(7000, 1, address))) {
            return NetworkNamespace.call(from, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(address, 7000), 1_000);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }
}
