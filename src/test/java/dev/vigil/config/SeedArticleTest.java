package dev.vigil.config;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static dev.vigil.config.ConfigModels.ip;
import static org.assertj.core.api.Assertions.assertThat;

/** The configuration of the seed article (both nodes) reads to exactly the model it describes. */
class SeedArticleTest {
    static final Path MASTER = Path.of("src/test/resources/dev/vigil/config/seed/exchange-master.conf");
    /** The seed's one warning: the old form of lvs_sync_daemon, read as it. */
    static final String SYNC_INTERFACE_WARNING = "'lvs_sync_daemon_interface' is deprecated (use 'lvs_sync_daemon IF "
            + "INSTANCE' in global_defs, which wins when both are written; read as that: connection-state sync on IF "
            + "for the kernel engine)";
    static final Path BACKUP = Path.of("src/test/resources/dev/vigil/config/seed/exchange-backup.conf");
    static final ParseOptions OPTIONS = new ParseOptions("node", true, false);

    static NodeConfig read(Path file) {
        ParseResult r = ConfigParser.parse(file, OPTIONS);
        assertThat(r.errors()).isEmpty();
        return r.config().orElseThrow();
    }

    @Test
    void masterGlobalDefs() {
        GlobalDefs g = read(MASTER).global();
        assertThat(g.notificationEmail()).containsExactly("unix_adm@domain.ru");
        assertThat(g.notificationEmailFrom()).contains("exchange_balancer01.domain.ru");
        assertThat(g.smtpServer()).contains(new InetSocketAddress(ip("192.168.3.1"), 25));
        assertThat(g.smtpConnectTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(g.routerId()).contains("exchange_balancer01.domain.ru");
        assertThat(g.smtpAlert()).isFalse();
        assertThat(g.vrrpVersion()).isEqualTo(2);
        assertThat(g.vrrpGarp()).isEqualTo(Garp.DEFAULTS);
        assertThat(g.lvsSyncDaemon()).isEmpty();
        assertThat(g.source()).isEqualTo(new Source(MASTER.toString(), 2, 1));
    }

    @Test
    void masterVrrpInstance() {
        NodeConfig c = read(MASTER);
        assertThat(c.vrrpInstances()).hasSize(1);
        VrrpInstance i = c.vrrpInstances().getFirst();
        assertThat(i.name()).isEqualTo("exchange_relay");
        assertThat(i.initialState()).isEqualTo(VrrpInstance.InitialState.MASTER);
        assertThat(i.interfaceName()).isEqualTo("eth0");
        assertThat(i.virtualRouterId()).isEqualTo(117);
        assertThat(i.priority()).isEqualTo(100);
        assertThat(i.advertInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(i.version()).isEqualTo(2);
        assertThat(i.authentication()).contains(new VrrpInstance.Authentication(VrrpInstance.AuthType.PASS, "mrelay"));
        assertThat(i.virtualIps()).hasSize(1);
        VirtualIp vip = i.virtualIps().getFirst();
        assertThat(vip.address()).isEqualTo(ip("192.168.3.110"));
        assertThat(vip.prefixLength()).isEqualTo(32);
        assertThat(vip.device()).isEmpty();
        assertThat(vip.source()).isEqualTo(new Source(MASTER.toString(), 23, 1));
        assertThat(i.excludedVirtualIps()).isEmpty();
        assertThat(i.preempt()).isTrue();
        assertThat(i.preemptDelay()).isEqualTo(Duration.ZERO);
        assertThat(i.unicastPeers()).isEmpty();
        assertThat(i.lvsSyncDaemonInterface()).contains("eth0");
        assertThat(i.garp()).isEqualTo(Garp.DEFAULTS);
        assertThat(i.trackScripts()).isEmpty();
        assertThat(i.trackInterfaces()).isEmpty();
        Notify n = i.notifyScripts();
        assertThat(n.master().orElseThrow().argv()).containsExactly("/etc/keepalived/snat.py", "-a", "192.168.3.111",
                "-a", "192.168.3.112", "-a", "192.168.3.113", "-a", "192.168.3.114", "-s", "192.168.3.110");
        assertThat(n.backup().orElseThrow().argv()).containsExactly("/etc/keepalived/snat.py", "-r", "192.168.3.111",
                "-r", "192.168.3.112", "-r", "192.168.3.113", "-r", "192.168.3.114", "-s", "192.168.3.110");
        assertThat(n.fault().orElseThrow().commandLine()).isEqualTo(n.backup().orElseThrow().commandLine());
        assertThat(n.master().orElseThrow().source()).isEqualTo(new Source(MASTER.toString(), 26, 15));
        assertThat(n.stop()).isEmpty();
        assertThat(n.any()).isEmpty();
        assertThat(i.source()).isEqualTo(new Source(MASTER.toString(), 11, 1));
    }

    @Test
    void masterVirtualServerWithFourRealServersEachWithMiscCheck() {
        NodeConfig c = read(MASTER);
        assertThat(c.virtualServers()).hasSize(1);
        VirtualServer vs = c.virtualServers().getFirst();
        assertThat(vs.key()).isEqualTo(new VirtualServer.ByAddress(ip("192.168.3.110"), 443));
        assertThat(vs.scheduler()).isEqualTo(Scheduler.WLC);
        assertThat(vs.forwardingMethod()).isEqualTo(ForwardingMethod.NAT);
        assertThat(vs.protocol()).isEqualTo(Protocol.TCP);
        assertThat(vs.checkTiming().delayLoop()).contains(Duration.ofSeconds(20));
        assertThat(vs.persistenceTimeout()).isEmpty();
        assertThat(vs.quorum()).isEqualTo(1);
        assertThat(vs.hysteresis()).isZero();
        assertThat(vs.proxy()).isEqualTo(VirtualServer.ProxySettings.DEFAULTS);
        assertThat(vs.realServers()).extracting(RealServer::endpoint)
                .containsExactly("192.168.3.111:443", "192.168.3.112:443", "192.168.3.113:443", "192.168.3.114:443");
        for (RealServer r : vs.realServers()) {
            String host = r.address().getHostAddress();
            assertThat(r.weight()).isEqualTo(1);
            assertThat(r.forwardingMethod()).isEmpty();
            assertThat(r.checkTiming()).isEqualTo(CheckTiming.INHERIT);
            assertThat(r.checkers()).hasSize(1);
            Checker.MiscCheck m = (Checker.MiscCheck) r.checkers().getFirst();
            assertThat(m.script().argv()).containsExactly("/etc/keepalived/check_exchange.sh", host);
            assertThat(m.timeout()).contains(Duration.ofSeconds(18));
            assertThat(m.dynamic()).isFalse();
            assertThat(m.user()).isEmpty();
            // keepalived's defaults, with delay_loop inherited from the virtual server and MISC_CHECK's retry 0
            assertThat(m.timing()).isEqualTo(ConfigModels.timing(Duration.ofSeconds(5), 0, Duration.ofSeconds(1),
                    Duration.ofSeconds(20), Duration.ofSeconds(20), false));
        }
        assertThat(c.vrrpScripts()).isEmpty();
        assertThat(c.syncGroups()).isEmpty();
        assertThat(c.virtualServerGroups()).isEmpty();
    }

    @Test
    void masterWarnsOnlyAboutTheDeprecatedSyncDaemonForm() {
        ParseResult r = ConfigParser.parse(MASTER, OPTIONS);
        assertThat(r.diagnostics()).extracting(Diagnostic::toString).containsExactly(MASTER
                + ":16:1: warning: " + SYNC_INTERFACE_WARNING);
    }

    @Test
    void backupDiffersInStatePriorityRouterIdAndSenderOnly() {
        NodeConfig master = SourceErasure.erase(read(MASTER));
        NodeConfig backup = SourceErasure.erase(read(BACKUP));
        VrrpInstance b = backup.vrrpInstances().getFirst();
        assertThat(b.initialState()).isEqualTo(VrrpInstance.InitialState.BACKUP);
        assertThat(b.priority()).isEqualTo(90);
        assertThat(backup.global().routerId()).contains("exchange_balancer02.domain.ru");
        VrrpInstance m = master.vrrpInstances().getFirst();
        VrrpInstance backupAsMaster = new VrrpInstance(b.name(), m.initialState(), b.interfaceName(),
                b.virtualRouterId(), m.priority(), b.advertInterval(), b.version(), b.authentication(), b.virtualIps(),
                b.excludedVirtualIps(), b.preempt(), b.preemptDelay(), b.unicastSrcIp(), b.unicastPeers(),
                b.mcastSrcIp(), b.trackInterfaces(), b.trackScripts(), b.notifyScripts(), b.smtpAlert(), b.garp(),
                b.lvsSyncDaemonInterface(), b.dontTrackPrimary(), b.v3ChecksumAsV2(), b.checkUnicastSrc(), b.source());
        assertThat(backupAsMaster).isEqualTo(m);
        assertThat(backup.virtualServers()).isEqualTo(master.virtualServers());
        assertThat(backup.global().notificationEmailFrom()).isEqualTo(Optional.of("exchange_balancer02.domain.ru"));
        assertThat(List.of(backup.global().smtpServer(), backup.global().smtpConnectTimeout()))
                .isEqualTo(List.of(master.global().smtpServer(), master.global().smtpConnectTimeout()));
    }
}
