package dev.vigil.daemon;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.forward.ProxyEngine;
import dev.vigil.report.Reporting;
import dev.vigil.script.ScriptRunner;
import dev.vigil.testing.ComponentTest;
import dev.vigil.vrrp.VrrpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

@ComponentTest
class VrrpNotifierTest {

    private static final class NoAdminActions implements dev.vigil.report.AdminActions {
        @Override
        public boolean ready() {
            return true;
        }

        @Override
        public List<dev.vigil.report.ConnectionEntry> connections() {
            return List.of();
        }

        @Override
        public boolean drain(Optional<dev.vigil.report.ServerAddress> vs, dev.vigil.report.ServerAddress rs) {
            return false;
        }

        @Override
        public boolean enable(Optional<dev.vigil.report.ServerAddress> vs, dev.vigil.report.ServerAddress rs) {
            return false;
        }

        @Override
        public ReloadResult reload() {
            return new ReloadResult(false, "", List.of());
        }
    }

    /** The article's snat.py adds rules on MASTER and removes them on BACKUP: order is correctness. */
    @Test
    void aQuickFlipRunsTheNotifyScriptsInTheOrderOfTheTransitions(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("calls");
        String text = """
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_router_id 51
                    virtual_ipaddress {
                        192.0.2.10
                    }
                    notify_master "/bin/sh -c 'sleep 0.5; echo master >> %1$s'"
                    notify_backup "/bin/sh -c 'echo backup >> %1$s'"
                    notify "/bin/sh -c 'echo generic $3 >> %1$s' --"
                }
                """.formatted(log);
        NodeConfig config = ConfigParser.parse(text, dir.resolve("k.conf").toString(), ParseOptions.defaults())
                .config().orElseThrow();
        try (ScriptRunner scripts = new ScriptRunner(config.global());
             ProxyEngine engine = new ProxyEngine(ProxyEngine.Options.DEFAULTS);
             Reporting reporting = Reporting.start(config.global(), "t", Optional.of(new InetSocketAddress("127.0.0.1", 0)),
                     () -> null, new NoAdminActions())) {
            VrrpNotifier notifier = new VrrpNotifier(config, scripts, reporting, engine);
            notifier.onStateChange("VI_1", VrrpState.BACKUP, VrrpState.MASTER, 100);
            notifier.onStateChange("VI_1", VrrpState.MASTER, VrrpState.BACKUP, 100);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while ((!Files.exists(log) || Files.readAllLines(log).size() < 4) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(Files.readAllLines(log)).containsExactly("master", "generic MASTER", "backup", "generic BACKUP");
        }
    }
}
