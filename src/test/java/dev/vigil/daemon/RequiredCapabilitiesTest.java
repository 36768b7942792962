package dev.vigil.daemon;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RequiredCapabilitiesTest {
    private static final long RAW = 1L << 13, ADMIN = 1L << 12, BIND = 1L << 10, BPF = 1L << 39;

    private static NodeConfig config(String text) {
        return ConfigParser.parse(text, "keepalived.conf", ParseOptions.defaults().withCheckScriptPaths(false))
                .config().orElseThrow();
    }

    private static final String VRRP_AND_PORT_80 = """
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                priority 100
                virtual_ipaddress {
                    10.0.0.50/24
                }
            }
            virtual_server 10.0.0.50 80 {
                real_server 10.0.0.2 8080 {
                }
            }
            """;

    @Test
    void vrrpNeedsRawAndAdminAndALowPortNeedsBindService() {
        NodeConfig c = config(VRRP_AND_PORT_80);
        assertThat(RequiredCapabilities.missing(c, RAW | ADMIN | BIND)).isEmpty();
        assertThat(RequiredCapabilities.missing(c, ADMIN | BIND)).containsExactly(
                "CAP_NET_RAW (VRRP instance VI_1: raw VRRP and ARP sockets)");
        assertThat(RequiredCapabilities.missing(c, 0)).hasSize(3)
                .anyMatch(m -> m.startsWith("CAP_NET_BIND_SERVICE (virtual server 10.0.0.50:80: a port below 1024)"));
    }

    @Test
    void aProxyOnAHighPortNeedsNothing() {
        assertThat(RequiredCapabilities.missing(config("virtual_server 10.0.0.50 8443 {\n}\n"), 0)).isEmpty();
    }

    @Test
    void theKernelEngineNeedsNetAdmin() {
        NodeConfig c = config("virtual_server 10.0.0.50 8443 {\n  vigil_engine kernel\n  lb_algo rr\n}\n");
        assertThat(RequiredCapabilities.missing(c, RAW | BIND)).singleElement().asString().startsWith("CAP_NET_ADMIN");
    }

    @Test
    void itsEbpfSelectorNeedsBpfAndNothingListensOnItsPort() {
        NodeConfig c = config("virtual_server 10.0.0.50 443 {\n  vigil_engine kernel\n  lb_algo wlc\n}\n");
        assertThat(RequiredCapabilities.missing(c, ADMIN | BPF)).isEmpty();
        assertThat(RequiredCapabilities.missing(c, ADMIN)).containsExactly(
                "CAP_BPF (virtual server 10.0.0.50:443: the kernel engine's eBPF selector for wlc)");
        NodeConfig locality = config("virtual_server 10.0.0.50 443 {\n  vigil_engine kernel\n  lb_algo lblcr\n}\n");
        assertThat(RequiredCapabilities.missing(locality, ADMIN)).containsExactly(
                "CAP_BPF (virtual server 10.0.0.50:443: the kernel engine's eBPF selector for lblcr)");
    }

    @Test
    void effectiveMaskComesFromProcStatus() {
        assertThat(RequiredCapabilities.effective("Name:\tjava\nCapInh:\t0\nCapEff:\t0000000000003400\n"))
                .hasValue(RAW | ADMIN | BIND);
        assertThat(RequiredCapabilities.effective("Name:\tjava\n")).isEmpty();
    }
}
