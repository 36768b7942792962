package dev.vigil.linux;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without CAP_NET_RAW/CAP_NET_ADMIN every privileged operation fails with EPERM and a message that
 * says what to do. The child JVM runs as root with all capabilities dropped (setpriv), inside a
 * test namespace, so nothing outside the bed can change even if the drop failed.
 */
@RequiresRoot(commands = {"ip", "setpriv"})
class PrivilegeSystemTest {
    @Test
    void unprivilegedCallsFailWithAPlainEpermMessage() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vl", 1, false)) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classpath = location(Netlink.class) + ":" + location(PrivilegeProbe.class);
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", bed.node(1),
                    "setpriv", "--inh-caps=-all", "--bounding-set=-all", "--",
                    java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                    "-cp", classpath, PrivilegeProbe.class.getName()));
            NetnsBed.Result result = NetnsBed.runCommand(command);
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            String out = result.stdout();
            assertThat(out).contains("SOCKET 1 socket(AF_INET, SOCK_RAW, 112) (send) for interface eth0 failed: Operation not permitted (EPERM).");
            assertThat(out).contains("NETLINK 1 rtnetlink RTM_NEWADDR for 10.199.0.77/24 on ifindex");
            assertThat(out).contains("GARP 1 socket(AF_PACKET, SOCK_RAW) for interface eth0 failed: Operation not permitted (EPERM)");
            assertThat(out.lines()).hasSize(3).allSatisfy(line -> assertThat(line).contains("CAP_NET_RAW", "CAP_NET_ADMIN"));
            assertThat(bed.exec(bed.node(1), "ip", "addr", "show", "dev", "eth0")).doesNotContain("10.199.0.77");
        }
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
