package dev.vigil.daemon;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.Diagnostic;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.Script;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceHardeningTest {

    private static final String UNDER_THE_UNIT = """
            global_defs {
                script_user nobody
                notify_fifo /var/run/keepalived.fifo
                vrrp_notify_fifo /run/vigil/vrrp.fifo
            }
            vrrp_script chk {
                script "/home/ops/check.sh"
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                priority 100
                virtual_ipaddress {
                    10.0.0.50/24
                }
                track_script {
                    chk
                }
                notify_master "/tmp/master.sh"
            }
            virtual_server 10.0.0.50 80 {
                real_server 10.0.0.2 80 {
                    notify_down "/etc/vigil/scripts/down.sh"
                    MISC_CHECK {
                        misc_path "/root/misc.sh"
                    }
                }
            }
            """;

    private static NodeConfig config(String text) {
        return ConfigParser.parse(text, "keepalived.conf", ParseOptions.defaults().withCheckScriptPaths(false))
                .config().orElseThrow();
    }

    @Test
    void findsEveryScriptWhereverItIsConfigured() {
        assertThat(ServiceHardening.scripts(config(UNDER_THE_UNIT))).extracting(Script::path).containsExactlyInAnyOrder(
                "/home/ops/check.sh", "/tmp/master.sh", "/etc/vigil/scripts/down.sh", "/root/misc.sh");
    }

    @Test
    void warnsAboutHiddenScriptsScriptUsersAndFifosOutsideTheWritablePaths() {
        assertThat(ServiceHardening.check(config(UNDER_THE_UNIT))).extracting(Diagnostic::toString)
                .hasSize(5)
                .anyMatch(d -> d.startsWith("keepalived.conf:7:12: warning: script /home/ops/check.sh is invisible to "
                        + "vigil.service (ProtectHome=yes)"))
                .anyMatch(d -> d.contains("script /tmp/master.sh is invisible to vigil.service (PrivateTmp=yes"))
                .anyMatch(d -> d.contains("script /root/misc.sh is invisible"))
                .anyMatch(d -> d.contains("script_user: vigil.service runs Vigil as the user vigil, which cannot switch "
                        + "users (no CAP_SETUID): scripts run as vigil, not as nobody"))
                .anyMatch(d -> d.contains("notify FIFO /var/run/keepalived.fifo cannot be created by vigil.service")
                        && d.endsWith("use /run/vigil/keepalived.fifo"))
                .noneMatch(d -> d.contains("/etc/vigil/scripts/down.sh") || d.contains("/run/vigil/vrrp.fifo"));
    }

    @Test
    void theShippedSampleHasNothingToWarnAbout() {
        assertThat(ServiceHardening.check(config(readSample()))).isEmpty();
    }

    @Test
    void checkConfigWarnsOnlyWithService(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("keepalived.conf");
        Files.writeString(conf, UNDER_THE_UNIT);
        Files.setPosixFilePermissions(conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        var plain = CheckConfigCommandTest.run("check-config", "-f", conf.toString(), "--no-service");
        var service = CheckConfigCommandTest.run("check-config", "-f", conf.toString(), "--service");
        assertThat(plain.err()).doesNotContain("vigil.service");
        assertThat(service.exit()).isZero();
        assertThat(service.err()).contains(conf + ":7:12: warning: script /home/ops/check.sh is invisible");
    }

    private static String readSample() {
        try {
            return Files.readString(Path.of("packaging/etc/vigil/keepalived.conf"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
