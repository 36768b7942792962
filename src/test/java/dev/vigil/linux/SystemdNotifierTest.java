package dev.vigil.linux;

import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ComponentTest
class SystemdNotifierTest {

    /** A real AF_UNIX datagram receiver (socat-free: python3 is on every Debian machine we use). */
    @Test
    void sendsStateLinesToTheNotifySocket(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("notify.sock");
        Path received = dir.resolve("received.txt");
        Process receiver = new ProcessBuilder("python3", "-c", """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.bind(sys.argv[1])
                print("bound", flush=True)
                data = s.recv(4096)
                open(sys.argv[2], "wb").write(data)
                """, socket.toString(), received.toString()).start();
        try {
            assertThat(new String(receiver.getInputStream().readNBytes(6))).isEqualTo("bound\n");
            var notifier = new SystemdNotifier(socket.toString());
            assertThat(notifier.notify("READY=1\nSTATUS=serving")).isTrue();
            assertThat(receiver.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(java.nio.file.Files.readString(received)).isEqualTo("READY=1\nSTATUS=serving");
        } finally {
            receiver.destroyForcibly();
        }
    }

    @Test
    void aMissingSocketIsNotAnError() throws IOException {
        assertThat(new SystemdNotifier("/nonexistent/notify.sock").notify("READY=1")).isFalse();
    }
}
