package dev.vigil.config;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vigil_engine} and {@code vigil_snat}: which engine a virtual server gets and why, and what is refused. */
class EngineKeywordsTest {

    private static ParseResult parse(String text) {
        return ConfigParser.parse(text, "t.conf", LanguageTest.OPTIONS);
    }

    private static EngineChoice choice(String text, int index) {
        ParseResult r = parse(text);
        assertThat(r.errors()).isEmpty();
        NodeConfig c = r.config().orElseThrow();
        return EngineChoice.of(c, c.virtualServers().get(index));
    }

    @Test
    void theProxyIsTheDefaultAndGlobalDefsChangesIt() {
        assertThat(choice("virtual_server 10.0.0.1 80 {\n}\n", 0)).hasToString("proxy (the default)");
        String global = "global_defs {\n  vigil_engine kernel\n}\nvirtual_server 10.0.0.1 80 {\n}\n"
                + "virtual_server 10.0.0.1 81 {\n  vigil_engine proxy\n}\n";
        assertThat(choice(global, 0)).hasToString("kernel (vigil_engine kernel of global_defs)");
        assertThat(choice(global, 1)).hasToString("proxy (vigil_engine proxy)");
    }

    @Test
    void udpAndFirewallMarksGetTheKernelWithoutTheKeyword() {
        String text = "global_defs {\n  vigil_engine proxy\n}\n"
                + "virtual_server 10.0.0.1 53 {\n  protocol UDP\n}\n"
                + "virtual_server fwmark 7 {\n}\n"
                + "virtual_server_group G {\n  10.0.0.2 80\n  fwmark 8\n}\n"
                + "virtual_server group G {\n}\n";
        assertThat(choice(text, 0)).isEqualTo(new EngineChoice(Engine.KERNEL, "protocol UDP"));
        assertThat(choice(text, 1)).isEqualTo(new EngineChoice(Engine.KERNEL, "fwmark"));
        assertThat(choice(text, 2)).isEqualTo(new EngineChoice(Engine.KERNEL, "fwmark"));
    }

    @Test
    void portZeroGetsTheKernelAndAFileThatSyncsConnectionsToo() {
        assertThat(choice("virtual_server 10.0.0.1 0 {\n}\n", 0)).hasToString("kernel (port 0)");
        String vrrp = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  lvs_sync_daemon_interface eth0\n"
                + "  virtual_ipaddress {\n    10.0.0.1/24\n  }\n}\n";
        assertThat(choice(vrrp + "virtual_server 10.0.0.1 80 {\n}\n", 0))
                .hasToString("kernel (lvs_sync_daemon_interface of vrrp_instance VI_1)");
        String global = "global_defs {\n  lvs_sync_daemon eth0 VI_1\n}\n" + vrrp.replace("  lvs_sync_daemon_interface eth0\n", "");
        assertThat(choice(global + "virtual_server 10.0.0.1 80 {\n}\n", 0)).hasToString("kernel (lvs_sync_daemon)");
        // An explicit choice wins over what the sync daemon suggests.
        assertThat(choice(global.replace("global_defs {\n", "global_defs {\n  vigil_engine proxy\n")
                + "virtual_server 10.0.0.1 80 {\n}\n", 0)).hasToString("proxy (vigil_engine proxy of global_defs)");
        assertThat(choice(vrrp + "virtual_server 10.0.0.1 80 {\n  vigil_engine proxy\n}\n", 0))
                .hasToString("proxy (vigil_engine proxy)");
    }

    @Test
    void askingTheProxyForWhatOnlyTheKernelCanDoIsAnError() {
        ParseResult r = parse("virtual_server 10.0.0.1 53 {\n  protocol UDP\n  vigil_engine proxy\n}\n"
                + "virtual_server fwmark 3 {\n  vigil_engine proxy\n}\n"
                + "virtual_server 10.0.0.1 80 {\n  vigil_engine proxy\n  vigil_snat 10.0.0.1\n}\n"
                + "virtual_server 10.0.0.1 0 {\n  vigil_engine proxy\n}\n");
        assertThat(r.errors()).extracting(Diagnostic::toString).containsExactly(
                "t.conf:3:3: error: vigil_engine proxy cannot forward protocol UDP: only the kernel engine forwards "
                        + "it (write vigil_engine kernel, or leave vigil_engine out)",
                "t.conf:6:3: error: vigil_engine proxy cannot forward a firewall mark: only the kernel engine sees "
                        + "marks (write vigil_engine kernel, or leave vigil_engine out)",
                "t.conf:10:3: error: vigil_snat is the kernel engine's; the proxy engine connects to real servers "
                        + "from its own address (proxy_source_address)",
                "t.conf:13:3: error: vigil_engine proxy cannot forward port 0 (every port): only the kernel engine "
                        + "does (write vigil_engine kernel, or leave vigil_engine out)");
    }

    @Test
    void snatGoesToTheVipOrAFloatingAddressNeverTheNodesOwn() throws Exception {
        String vrrp = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n"
                + "  virtual_ipaddress {\n    10.0.0.1/24\n  }\n  virtual_ipaddress_excluded {\n    10.1.0.1/24\n  }\n}\n";
        ParseResult ok = parse(vrrp + "virtual_server 10.0.0.1 80 {\n  vigil_engine kernel\n  vigil_snat 10.1.0.1\n}\n"
                + "virtual_server 10.0.0.9 80 {\n  vigil_engine kernel\n  vigil_snat 10.0.0.9\n}\n");
        assertThat(ok.errors()).isEmpty();
        assertThat(ok.config().orElseThrow().virtualServers().getFirst().engine().snat())
                .contains(InetAddress.getByName("10.1.0.1"));

        ParseResult own = parse(vrrp + "virtual_server 10.0.0.1 80 {\n  vigil_engine kernel\n  vigil_snat 10.1.0.2\n}\n");
        assertThat(own.errors()).extracting(Diagnostic::toString).containsExactly("t.conf:13:3: error: vigil_snat "
                + "10.1.0.2 is neither this virtual server's address nor a virtual_ipaddress of any vrrp_instance: "
                + "SNAT must go to an address that moves with the VIP, never to a node's own (after a failover the "
                + "real servers' replies would go to the dead node)");
    }

    @Test
    void withSyncSnatToTheVipOrAFloatingAddressIsAccepted() {
        String vrrp = "global_defs {\n  lvs_sync_daemon eth1 inst VI_1\n}\n"
                + "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n"
                + "  virtual_ipaddress {\n    10.0.0.1/24\n    10.2.0.1/24\n  }\n}\n";
        ParseResult ok = parse(vrrp + "virtual_server 10.0.0.1 80 {\n  vigil_engine kernel\n  vigil_snat 10.0.0.1\n}\n"
                + "virtual_server 10.0.0.1 81 {\n  vigil_engine kernel\n  vigil_snat 10.2.0.1\n}\n");
        assertThat(ok.errors()).isEmpty();
        ParseResult fixed = parse(vrrp + "virtual_server 10.0.0.9 80 {\n  vigil_engine kernel\n  vigil_snat 10.0.0.9\n}\n");
        assertThat(fixed.errors()).extracting(Diagnostic::toString).singleElement().asString()
                .startsWith("t.conf:14:3: error: vigil_snat 10.0.0.9 is this virtual server's address, but no ");
    }

    @Test
    void theKeywordsSurviveAPrintAndReparse() {
        ParseResult r = parse("global_defs {\n  vigil_engine kernel\n}\n"
                + "virtual_server 10.0.0.1 80 {\n  vigil_engine kernel\n  vigil_snat 10.0.0.1\n}\n");
        NodeConfig c = r.config().orElseThrow();
        ParseResult again = parse(ConfigPrinter.print(c));
        assertThat(again.errors()).isEmpty();
        assertThat(SourceErasure.erase(again.config().orElseThrow())).isEqualTo(SourceErasure.erase(c));
    }
}
