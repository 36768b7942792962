package dev.vigil.system;

import dev.vigil.linux.NetworkNamespace;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import dev.vigil.testing.Soak;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.vigil.system.ConnectionSyncSystemTest.PORT;
import static dev.vigil.system.ConnectionSyncSystemTest.REAL_SERVER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connection sync, again and again: {@link #CYCLES} times the master (lb1) is killed with SIGKILL and its link
 * cut, lb2 takes over, streams are opened through lb2, then lb1 comes back and preempts: two takeovers a cycle.
 * Streams opened before the first kill and in every cycle must all end intact, and the nodes must not leave a
 * conntrackd behind.
 */
@RequiresRoot(commands = {"ip", "nft", "conntrackd", "setpriv"})
@RequiresVigilRun
@Soak
class ConnectionSyncSoakTest {
    private static final int CYCLES = Integer.getInteger("vigil.sync.soak.cycles", 5);
    private static final int FIRST = 10, PER_CYCLE = 4;

    @Test
    void tenTakeoversLoseNoStream(@TempDir Path dir) throws Exception {
        ConnectionSyncSystemTest.withPair("cz", dir, true, (bed, lb1, lb2, serverErrors) -> {
            ConcurrentLinkedQueue<SeededStream> done = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            // 50 ms a chunk: the first streams outlast the whole soak (at most 8 s a cycle), later ones 25 s
            int soakChunks = CYCLES * 8_000 / 50 + 200, cycleChunks = 500;
            clients.addAll(ConnectionSyncSystemTest.open(bed, 0, FIRST, soakChunks, done));
            int next = FIRST, takeovers = 0;
            List<Long> failBacks = new ArrayList<>();
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                Thread.sleep(1000);
                ProcessHandle.of(lb1.pid()).ifPresent(ProcessHandle::destroyForcibly);
                bed.cut(1);
                ConnectionSyncSystemTest.awaitState(lb2, "MASTER");
                takeovers++;
                clients.addAll(ConnectionSyncSystemTest.open(bed, next, PER_CYCLE, cycleChunks, done));
                next += PER_CYCLE;
                Thread.sleep(1000);
                bed.heal(1);
                long restart = System.nanoTime();
                lb1.start();
                lb1.awaitReady(Duration.ofSeconds(60));
                ConnectionSyncSystemTest.awaitState(lb1, "MASTER");
                ConnectionSyncSystemTest.awaitState(lb2, "BACKUP");
                failBacks.add((System.nanoTime() - restart) / 1_000_000);
                takeovers++;
            }
            for (Thread t : clients) t.join(Duration.ofSeconds(120).toMillis());
            List<SeededStream> streams = List.copyOf(done);
            assertThat(streams).hasSize(next);
            List<String> broken = streams.stream().filter(s -> !s.intact()).map(SeededStream::describe).toList();
            assertThat(broken).as("streams broken in %d takeovers; lb1's log:\n%s", takeovers,
                    String.join("\n", Files.readString(lb1.log()).lines().toList().reversed().stream().limit(40).toList().reversed()))
                    .isEmpty();
            assertThat(serverErrors).isEmpty();
            System.out.printf("connection sync soak: %d takeovers (%d kill -9 of the master, %d fail-backs), %d/%d "
                    + "streams intact; restart -> MASTER per fail-back (ms): %s%n", takeovers, CYCLES, CYCLES,
                    next, next, failBacks);
            return null;
        });
    }
}
