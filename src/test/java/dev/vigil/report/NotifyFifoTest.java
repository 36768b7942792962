package dev.vigil.report;

import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NotifyFifoTest {

    @Test
    void linesAreKeepalivedsFormat() {
        assertThat(NotifyFifo.line(Fixtures.toMaster("VI_1"))).isEqualTo("INSTANCE \"VI_1\" MASTER 100");
        assertThat(NotifyFifo.line(new VrrpTransition(VrrpTransition.Scope.GROUP, "VG_1", VrrpState.MASTER,
                VrrpState.BACKUP, 0, Fixtures.T0))).isEqualTo("GROUP \"VG_1\" BACKUP 0");
        assertThat(NotifyFifo.line(Fixtures.realServerDown("refused")))
                .isEqualTo("RS [10.0.0.11]:tcp:443 [10.0.0.1]:tcp:443 DOWN");
        assertThat(NotifyFifo.line(new VirtualServerTransition(
                new VirtualServer.ByAddress(InetAddress.ofLiteral("192.168.201.15"), 80), Protocol.TCP, true, Fixtures.T0)))
                .isEqualTo("VS [192.168.201.15]:tcp:80 UP");
    }

    @Test
    void readerScriptGetsTheLinesInOrderAndFilteredByKind(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("vigil.fifo"); // missing: NotifyFifo creates it
        try (NotifyFifo all = NotifyFifo.start(fifo, NotifyFifo.Events.VRRP)) {
            all.vrrpTransition(Fixtures.toMaster("VI_1"));
            all.realServerTransition(Fixtures.realServerDown("refused")); // not for a VRRP-only FIFO
            all.vrrpTransition(new VrrpTransition(VrrpTransition.Scope.INSTANCE, "VI_2", VrrpState.INIT,
                    VrrpState.BACKUP, 90, Fixtures.T0));
            Eventually.within(Duration.ofSeconds(10), "FIFO created and written", () -> all.written() == 2);
            assertThat(Files.isRegularFile(fifo)).isFalse();
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = Files.newBufferedReader(fifo, StandardCharsets.UTF_8)) {
                lines.add(r.readLine());
                lines.add(r.readLine());
            }
            assertThat(lines).containsExactly("INSTANCE \"VI_1\" MASTER 100", "INSTANCE \"VI_2\" BACKUP 90");
        }
    }

    @Test
    void noReaderNeverBlocksTheCallerAndDropsAreCounted(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("unread.fifo");
        try (NotifyFifo f = NotifyFifo.start(fifo, NotifyFifo.Events.ALL, 16)) {
            long start = System.nanoTime();
            // ~40 bytes a line: 20k lines are far more than a 64 KiB pipe plus the queue can hold
            for (int i = 0; i < 20_000; i++) f.realServerTransition(Fixtures.realServerDown("x"));
            assertThat((System.nanoTime() - start) / 1_000_000).as("caller millis").isLessThan(2_000);
            Eventually.within(Duration.ofSeconds(10), "writer stuck on the full pipe",
                    () -> f.written() + f.dropped() + 16 + 1 >= 20_000);
            assertThat(f.dropped()).isGreaterThan(10_000);
            f.close(Duration.ofMillis(200));
        }
    }
}
