package dev.vigil.exchange;

import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.HeldPort;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The standalone server, as system tests start it in a namespace, driven through stdin and the control port. */
@ComponentTest
class ExchangeTestServerMainTest {

    @Test
    void standaloneServerObeysStdinAndControlPortCommands() throws Exception {
        // The child's control listener binds the port beside the hold, which keeps it ours until the end.
        try (HeldPort controlPort = HeldPort.forServer()) {
            standalone(controlPort.port());
        }
    }

    private static void standalone(int control) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ExchangeTestServer.class.getName(), "--bind", "127.0.0.1:0", "--fqdn", "ex9.test.local",
                "--control", "127.0.0.1:" + control).redirectErrorStream(true).start();
        try (var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             var in = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String ready = out.readLine();
            while (ready != null && !ready.startsWith("listening ")) ready = out.readLine();
            assertThat(ready).startsWith("listening 127.0.0.1:").endsWith(" fqdn ex9.test.local");
            int port = Integer.parseInt(ready.split(" ")[1].split(":")[1]);
            var server = new InetSocketAddress("127.0.0.1", port);

            in.println("set owa unhealthy");
            assertThat(out.readLine()).startsWith("ok").contains("owa=unhealthy").contains("rpc=healthy");
            in.println("bogus");
            assertThat(out.readLine()).startsWith("error unknown command bogus");

            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", control), 2000);
                var cr = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                var cw = new PrintWriter(c.getOutputStream(), true, StandardCharsets.UTF_8);
                cw.println("set all refuse");
                assertThat(cr.readLine()).startsWith("ok").contains("oab=refuse");
            }
            try (Socket c = new Socket()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.connect(server, 1000))
                        .isInstanceOf(java.net.ConnectException.class);
            }
            in.println("quit");
            assertThat(out.readLine()).isEqualTo("ok bye");
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
    }
}
