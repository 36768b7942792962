package dev.vigil.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code lvs_sync_daemon} as keepalived's man page writes it, {@code vigil_sync_peer}, and their errors. */
class LvsSyncDaemonKeywordTest {
    private static final ParseOptions OPTIONS = new ParseOptions("node", true, false);
    private static final String INSTANCE = "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n}\n";

    private static ParseResult parse(String globals) {
        return ConfigParser.parse("global_defs {\n" + globals + "}\n" + INSTANCE, "t.conf", OPTIONS);
    }

    private static GlobalDefs.LvsSyncDaemon sync(String line) {
        ParseResult r = parse("    " + line + "\n");
        assertThat(r.diagnostics()).as(line).isEmpty();
        return r.config().orElseThrow().global().lvsSyncDaemon().orElseThrow();
    }

    @Test
    void everyOptionInAnyOrderWithOrWithoutInst() throws Exception {
        GlobalDefs.LvsSyncDaemon full = sync("lvs_sync_daemon eth1 inst VI_1 id 7 maxlen 1400 port 3790 ttl 2 group 225.0.0.60");
        assertThat(full.interfaceName()).isEqualTo("eth1");
        assertThat(full.instance()).contains("VI_1");
        assertThat(full.syncId()).contains(7);
        assertThat(full.port()).contains(3790);
        assertThat(full.group()).contains(InetAddress.getByName("225.0.0.60"));
        assertThat(full.source().line()).isEqualTo(2);
        assertThat(sync("lvs_sync_daemon eth1 VI_1 group 225.0.0.60 port 3790"))
                .isEqualTo(new GlobalDefs.LvsSyncDaemon("eth1", Optional.of("VI_1"), Optional.empty(),
                        Optional.of(3790), Optional.of(InetAddress.getByName("225.0.0.60")), full.source()));
        GlobalDefs.LvsSyncDaemon bare = sync("lvs_sync_daemon eth1");
        assertThat(bare.instance()).isEmpty();
        assertThat(bare.port()).isEmpty();
        assertThat(sync("lvs_sync_daemon eth1 port 1").instance()).isEmpty();
    }

    @Test
    void thePeerIsVigilsOwnKeyword() throws Exception {
        ParseResult r = parse("    lvs_sync_daemon eth1\n    vigil_sync_peer 10.0.0.2\n");
        assertThat(r.diagnostics()).isEmpty();
        assertThat(r.config().orElseThrow().global().syncPeer()).contains(InetAddress.getByName("10.0.0.2"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            lvs_sync_daemon eth1 port 0           | t.conf:2:31: error: 'lvs_sync_daemon port' must be between 1 and 65535, got 0
            lvs_sync_daemon eth1 id 256           | t.conf:2:29: error: 'lvs_sync_daemon id' must be between 0 and 255, got 256
            lvs_sync_daemon eth1 ttl x            | t.conf:2:30: error: 'lvs_sync_daemon ttl' must be an integer, got 'x'
            lvs_sync_daemon eth1 maxlen 65508     | t.conf:2:33: error: 'lvs_sync_daemon maxlen' must be between 1 and 65507, got 65508
            lvs_sync_daemon eth1 group 10.0.0.1   | t.conf:2:32: error: 'lvs_sync_daemon group' must be a multicast address, got '10.0.0.1'
            lvs_sync_daemon eth1 group nowhere    | t.conf:2:32: error: malformed IP address 'nowhere' for 'lvs_sync_daemon group'
            lvs_sync_daemon eth1 VI_1 speed 9     | t.conf:2:31: error: unknown option 'speed' of 'lvs_sync_daemon' (expected one of id, maxlen, port, ttl, group)
            lvs_sync_daemon eth1 port             | t.conf:2:26: error: 'port' of 'lvs_sync_daemon' needs a value
            lvs_sync_daemon eth1 inst             | t.conf:2:26: error: 'inst' of 'lvs_sync_daemon' needs a vrrp_instance name
            lvs_sync_daemon eth1 inst VI_9        | t.conf:2:5: error: lvs_sync_daemon names unknown vrrp_instance 'VI_9'
            vigil_sync_peer 10.0.0.300            | t.conf:2:21: error: malformed IP address '10.0.0.300' for 'vigil_sync_peer'
            """)
    void aBadValueIsAnErrorAtItsPosition(String line, String expected) {
        ParseResult r = parse("    " + line + "\n");
        assertThat(r.errors()).extracting(Diagnostic::toString).containsExactly(expected);
    }

    @Test
    void theDeprecatedFormNamesItsInstance() {
        ParseResult r = ConfigParser.parse("vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n"
                + "    lvs_sync_daemon_interface eth1\n}\n", "t.conf", OPTIONS);
        assertThat(r.config().orElseThrow().vrrpInstances().getFirst().lvsSyncDaemonInterface()).contains("eth1");
    }
}
