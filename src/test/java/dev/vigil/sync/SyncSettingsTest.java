package dev.vigil.sync;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which keyword asks for the sync, and what it asks. */
class SyncSettingsTest {
    private static final ParseOptions OPTIONS = new ParseOptions("node", true, false);
    private static final String INSTANCE = "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n%s}\n";

    private static Optional<SyncSettings> of(String globals, String instanceLines) {
        NodeConfig c = ConfigParser.parse("global_defs {\n" + globals + "}\n" + INSTANCE.formatted(instanceLines),
                "t.conf", OPTIONS).config().orElseThrow();
        return SyncSettings.of(c);
    }

    @Test
    void nothingAskedNothingSynced() {
        assertThat(of("", "")).isEmpty();
    }

    @Test
    void theSeedsDeprecatedFormFollowsItsInstance() throws Exception {
        SyncSettings s = of("", "    lvs_sync_daemon_interface eth0\n").orElseThrow();
        assertThat(s.interfaceName()).isEqualTo("eth0");
        assertThat(s.instance()).contains("VI_1");
        assertThat(s.port()).isEqualTo(3780);
        assertThat(s.group()).isEqualTo(InetAddress.getByName("225.0.0.50"));
        assertThat(s.peer()).isEmpty();
        assertThat(s.follows("VI_1")).isTrue();
        assertThat(s.follows("VI_2")).isFalse();
    }

    @Test
    void globalDefsWinsAndWithoutAnInstanceFollowsEvery() throws Exception {
        SyncSettings s = of("    lvs_sync_daemon eth1 port 3790 group 225.0.0.9\n    vigil_sync_peer 10.0.3.2\n",
                "    lvs_sync_daemon_interface eth0\n").orElseThrow();
        assertThat(s.interfaceName()).isEqualTo("eth1");
        assertThat(s.instance()).isEmpty();
        assertThat(s.port()).isEqualTo(3790);
        assertThat(s.group()).isEqualTo(InetAddress.getByName("225.0.0.9"));
        assertThat(s.peer()).contains(InetAddress.getByName("10.0.3.2"));
        assertThat(s.follows("anything")).isTrue();
    }
}
