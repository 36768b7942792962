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
    void aLostAndABackSyncAreLinesOfNotifyFifoOnly(@TempDir Path dir) throws Exception {
        var lost = new SyncTransition(true, "conntrackd exited (status 137)", 2, java.util.Optional.empty(), Fixtures.T0);
        var back = new SyncTransition(false, "conntrackd answers again", 2,
                java.util.Optional.of(Duration.ofSeconds(1)), Fixtures.T0);
        try (NotifyFifo all = NotifyFifo.start(dir.resolve("all.fifo"), NotifyFifo.Events.ALL);
             NotifyFifo vrrp = NotifyFifo.start(dir.resolve("vrrp.fifo"), NotifyFifo.Events.VRRP);
             NotifyFifo lvs = NotifyFifo.start(dir.resolve("lvs.fifo"), NotifyFifo.Events.LVS)) {
            for (NotifyFifo f : List.of(all, vrrp, lvs)) {
                f.syncTransition(lost);
                f.syncTransition(back);
            }
            Eventually.within(Duration.ofSeconds(10), "notify_fifo written", () -> all.written() == 2);
            try (BufferedReader r = Files.newBufferedReader(dir.resolve("all.fifo"), StandardCharsets.UTF_8)) {
                assertThat(List.of(r.readLine(), r.readLine())).containsExactly("SYNC LOST 2", "SYNC BACK 2");
            }
            assertThat(vrrp.written() + vrrp.dropped() + lvs.written() + lvs.dropped())
                    .as("the vrrp_ and lvs_ FIFOs carry keepalived's kinds only").isZero();
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

    @Test
    void controlCharactersInNamesAreEscapedSoALineCannotBeForged() {
        assertThat(NotifyFifo.line(Fixtures.toMaster("VI_1\" MASTER 100\nINSTANCE \"VI_2\u001b")))
                .isEqualTo("INSTANCE \"VI_1\" MASTER 100\\nINSTANCE \"VI_2\\x1b\" MASTER 100");
    }

    @Test
    void aLinkPlantedAtTheFifoPathIsNotFollowed(@TempDir Path dir) throws Exception {
        Path victim = Files.writeString(dir.resolve("shadow"), "root:secret\n");
        Path fifo = Files.createSymbolicLink(dir.resolve("vigil.fifo"), victim);
        try (NotifyFifo f = NotifyFifo.start(fifo, NotifyFifo.Events.ALL)) {
            f.vrrpTransition(Fixtures.toMaster("VI_1"));
            f.vrrpTransition(Fixtures.toMaster("VI_2"));
            Eventually.within(Duration.ofSeconds(10), "both lines refused", () -> f.failed() == 2);
            assertThat(f.written()).isZero();
        }
        assertThat(Files.readString(victim)).isEqualTo("root:secret\n");
        assertThat(Files.isSymbolicLink(fifo)).as("left alone, for the operator to look at").isTrue();
    }

    @Test
    void aRegularFileAtTheFifoPathIsRefused(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("vigil.fifo"), "kept\n");
        try (NotifyFifo f = NotifyFifo.start(file, NotifyFifo.Events.ALL)) {
            f.vrrpTransition(Fixtures.toMaster("VI_1"));
            Eventually.within(Duration.ofSeconds(10), "the line refused", () -> f.failed() == 1);
            assertThat(f.written()).isZero();
        }
        assertThat(Files.readString(file)).isEqualTo("kept\n");
    }
}
