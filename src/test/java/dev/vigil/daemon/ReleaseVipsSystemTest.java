package dev.vigil.daemon;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What systemd's ExecStopPost runs after a crash: the VIPs a killed node left behind go away. */
@RequiresRoot(commands = {"ip"})
class ReleaseVipsSystemTest {

    @Test
    void removesTheVipsOfEveryInstanceAndIsANoOpTheSecondTime(@TempDir Path dir) throws Exception {
        try (NetnsBed bed = NetnsBed.create("vx", 1, false)) {
            String ns = bed.node(1);
            NetnsBed.mustRun("ip", "-n", ns, "addr", "add", "10.199.0.110/24", "dev", "eth0");
            Path config = dir.resolve("keepalived.conf");
            Files.writeString(config, """
                    vrrp_instance VI_1 {
                        interface eth0
                        virtual_router_id 51
                        virtual_ipaddress {
                            10.199.0.110/24
                        }
                    }
                    """);
            List<String> command = List.of("ip", "netns", "exec", ns,
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), "dev.vigil.daemon.Main", "release-vips",
                    "-f", config.toString());

            NetnsBed.Result first = NetnsBed.runCommand(command);
            assertThat(first.exitCode()).as(first.stderr()).isZero();
            assertThat(bed.run(ns, "ip", "-4", "addr", "show", "dev", "eth0").stdout())
                    .doesNotContain("10.199.0.110").contains("10.199.0.1/24");

            NetnsBed.Result second = NetnsBed.runCommand(command);
            assertThat(second.exitCode()).as(second.stderr()).isZero();
        }
    }
}
