package dev.vigil.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Each broken input gives exactly the diagnostic it must, at the position it must. */
class BrokenInputTest {
    static final ParseOptions OPTIONS = new ParseOptions("node", true, false);

    static final String INSTANCE_HEAD = "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("priority out of range", INSTANCE_HEAD + "    priority 300\n}\n",
                        "t.conf:4:14: error: 'priority' must be between 1 and 255, got 300"),
                Arguments.of("priority not a number", INSTANCE_HEAD + "    priority high\n}\n",
                        "t.conf:4:14: error: 'priority' must be an integer, got 'high'"),
                Arguments.of("VRID 0", "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 0\n}\n",
                        "t.conf:3:23: error: 'virtual_router_id' must be between 1 and 255, got 0"),
                Arguments.of("VRID 256", "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 256\n}\n",
                        "t.conf:3:23: error: 'virtual_router_id' must be between 1 and 255, got 256"),
                Arguments.of("advert_int zero", INSTANCE_HEAD + "    advert_int 0\n}\n",
                        "t.conf:4:16: error: 'advert_int' must be between 0.01 and 255 seconds, got 0"),
                Arguments.of("advert_int too long for VRRPv3", INSTANCE_HEAD + "    version 3\n    advert_int 50\n}\n",
                        "t.conf:5:5: error: 'advert_int' must be at most 40.95 seconds with VRRP version 3"),
                Arguments.of("weight out of range",
                        "virtual_server 10.0.0.1 80 {\n    real_server 10.0.0.2 80 {\n        weight 70000\n    }\n}\n",
                        "t.conf:3:16: error: 'weight' must be between 0 and 65535, got 70000"),
                Arguments.of("negative weight",
                        "virtual_server 10.0.0.1 80 {\n    real_server 10.0.0.2 80 {\n        weight -1\n    }\n}\n",
                        "t.conf:3:16: error: 'weight' must be between 0 and 65535, got -1"),
                Arguments.of("port out of range", "virtual_server 10.0.0.1 70000 {\n}\n",
                        "t.conf:1:25: error: 'virtual_server' must be between 0 and 65535, got 70000"),
                Arguments.of("real server port out of range",
                        "virtual_server 10.0.0.1 80 {\n    real_server 10.0.0.2 65536 {\n    }\n}\n",
                        "t.conf:2:26: error: 'real_server' must be between 0 and 65535, got 65536"),
                Arguments.of("malformed address", "virtual_server 10.0.0.300 80 {\n}\n",
                        "t.conf:1:16: error: malformed IP address '10.0.0.300' for 'virtual_server'"),
                Arguments.of("a name is not an address (no DNS)",
                        "virtual_server 10.0.0.1 80 {\n    real_server exchange01.example.com 80 {\n    }\n}\n",
                        "t.conf:2:17: error: malformed IP address 'exchange01.example.com' for 'real_server'"),
                Arguments.of("malformed virtual ip", INSTANCE_HEAD + "    virtual_ipaddress {\n        192.168.1/24\n    }\n}\n",
                        "t.conf:5:9: error: malformed IP address '192.168.1/24' in virtual_ipaddress"),
                Arguments.of("mixed address families", INSTANCE_HEAD
                                + "    virtual_ipaddress {\n        192.168.1.1\n        2001:db8::1\n    }\n}\n",
                        "t.conf:6:9: error: virtual_ipaddress mixes IPv4 and IPv6 (VRRP adverts carry one family; "
                                + "put the other family in virtual_ipaddress_excluded)"),
                Arguments.of("a group name with a colon (an IPv6 address where a user belongs)",
                        INSTANCE_HEAD + "    notify_master /bin/true ae00::2\n}\n",
                        "t.conf:4:29: error: 'notify_master': a group name cannot contain ':', got ':2'"),
                Arguments.of("a separate group name with a colon",
                        INSTANCE_HEAD + "    notify_master /bin/true nobody a:b\n}\n",
                        "t.conf:4:36: error: 'notify_master': a group name cannot contain ':', got 'a:b'"),
                Arguments.of("sequence blocks", "~SEQ(N, 0, 3) router_id r${N}\n",
                        "t.conf:1:1: error: sequence and list blocks (~SEQ, ~LST) are not supported; write the lines "
                                + "out or use $NAME definitions"),
                Arguments.of("bad prefix", INSTANCE_HEAD + "    virtual_ipaddress {\n        192.168.1.1/33\n    }\n}\n",
                        "t.conf:5:9: error: malformed prefix length in '192.168.1.1/33' (0..32)"),
                Arguments.of("unknown lb_algo", "virtual_server 10.0.0.1 80 {\n    lb_algo fastest\n}\n",
                        "t.conf:2:13: error: unknown lb_algo 'fastest' (expected one of rr, wrr, lc, wlc, lblc, lblcr, "
                                + "dh, sh, sed, nq, mh, fo, ovf, twos)"),
                Arguments.of("unknown lb_kind", "virtual_server 10.0.0.1 80 {\n    lb_kind FULLNAT\n}\n",
                        "t.conf:2:13: error: unknown lb_kind 'FULLNAT' (expected one of NAT, DR, TUN)"),
                Arguments.of("unknown auth_type", INSTANCE_HEAD
                                + "    authentication {\n        auth_type MD5\n        auth_pass x\n    }\n}\n",
                        "t.conf:5:19: error: unknown auth_type 'MD5' (expected one of PASS, AH)"),
                Arguments.of("instance without interface", "vrrp_instance VI_1 {\n    virtual_router_id 51\n}\n",
                        "t.conf:1:1: error: vrrp_instance 'VI_1' has no 'interface'"),
                Arguments.of("instance without VRID", "vrrp_instance VI_1 {\n    interface eth0\n}\n",
                        "t.conf:1:1: error: vrrp_instance 'VI_1' has no 'virtual_router_id'"),
                Arguments.of("instance without name", "vrrp_instance {\n}\n",
                        "t.conf:1:1: error: 'vrrp_instance' needs a value"),
                Arguments.of("real server without address",
                        "virtual_server 10.0.0.1 80 {\n    real_server {\n    }\n}\n",
                        "t.conf:2:5: error: 'real_server' needs a value"),
                Arguments.of("misc check without path", "virtual_server 10.0.0.1 80 {\n    real_server 10.0.0.2 80 {\n"
                                + "        MISC_CHECK {\n            misc_timeout 5\n        }\n    }\n}\n",
                        "t.conf:3:9: error: MISC_CHECK has no 'misc_path'"),
                Arguments.of("unclosed brace", INSTANCE_HEAD,
                        "t.conf:1:20: error: unclosed '{' of 'vrrp_instance'"),
                Arguments.of("stray closing brace", "global_defs {\n}\n}\n",
                        "t.conf:3:1: error: unexpected '}' (no block is open)"),
                Arguments.of("brace without keyword", "{\n}\n",
                        "t.conf:1:1: error: '{' without a keyword before it"),
                Arguments.of("unknown keyword with suggestion", INSTANCE_HEAD + "    priorty 100\n}\n",
                        "t.conf:4:5: error: unknown keyword 'priorty' in vrrp_instance; did you mean 'priority'?"),
                Arguments.of("unknown keyword without suggestion", "global_defs {\n    frobnicate yes\n}\n",
                        "t.conf:2:5: error: unknown keyword 'frobnicate' in global_defs"),
                Arguments.of("unknown top-level block", "vrrp_instanse VI_1 {\n}\n",
                        "t.conf:1:1: error: unknown keyword 'vrrp_instanse' in top level; did you mean 'vrrp_instance'?"),
                Arguments.of("unterminated quote", "global_defs {\n    router_id \"abc\n}\n",
                        "t.conf:2:15: error: unterminated quoted string"),
                Arguments.of("track_script naming an unknown vrrp_script",
                        INSTANCE_HEAD + "    track_script {\n        chk_haproxy\n    }\n}\n",
                        "t.conf:5:9: error: track_script names unknown vrrp_script 'chk_haproxy'"),
                Arguments.of("sync group naming an unknown instance",
                        "vrrp_sync_group G {\n    group {\n        VI_9\n    }\n}\n",
                        "t.conf:3:9: error: vrrp_sync_group 'G' names unknown vrrp_instance 'VI_9'"),
                Arguments.of("duplicate VRID on one interface",
                        INSTANCE_HEAD + "}\nvrrp_instance VI_2 {\n    interface eth0\n    virtual_router_id 51\n}\n",
                        "t.conf:5:1: error: virtual_router_id 51 is already used on eth0 by vrrp_instance 'VI_1'"),
                Arguments.of("with sync, SNAT to the node's own address",
                        "global_defs {\n    lvs_sync_daemon eth1\n}\n" + INSTANCE_HEAD
                                + "    virtual_ipaddress {\n        10.0.0.50/24\n    }\n}\n"
                                + "virtual_server 10.0.0.50 80 {\n    vigil_engine kernel\n    vigil_snat 10.0.0.2\n}\n",
                        "t.conf:13:5: error: vigil_snat 10.0.0.2 is neither this virtual server's address nor a "
                                + "virtual_ipaddress of any vrrp_instance: SNAT must go to an address that moves with "
                                + "the VIP, never to a node's own (after a failover the real servers' replies would "
                                + "go to the dead node)"),
                Arguments.of("with sync, SNAT to a virtual server address that does not float",
                        INSTANCE_HEAD + "    lvs_sync_daemon_interface eth1\n"
                                + "    virtual_ipaddress {\n        10.0.0.50/24\n    }\n}\n"
                                + "virtual_server 10.0.0.9 80 {\n    vigil_engine kernel\n    vigil_snat 10.0.0.9\n}\n",
                        "t.conf:11:5: error: vigil_snat 10.0.0.9 is this virtual server's address, but no "
                                + "vrrp_instance's virtual_ipaddress holds it: with connection sync (lvs_sync_daemon) "
                                + "SNAT must go to a floating address, one that moves to the new master with the "
                                + "connections; to this node's own address the real servers' replies to synced "
                                + "connections would go to the dead node after a failover"),
                Arguments.of("virtual server naming an unknown group", "virtual_server group VSG_X {\n}\n",
                        "t.conf:1:1: error: virtual_server names unknown virtual_server_group 'VSG_X'"),
                Arguments.of("status code out of range", "virtual_server 10.0.0.1 80 {\n    real_server 10.0.0.2 80 {\n"
                                + "        HTTP_GET {\n            url {\n                path /\n"
                                + "                status_code 200 700\n            }\n        }\n    }\n}\n",
                        "t.conf:6:33: error: 'status_code' must be between 100 and 599, got 700"),
                Arguments.of("block keyword without block", INSTANCE_HEAD + "    virtual_ipaddress 10.0.0.1\n}\n",
                        "t.conf:4:5: error: 'virtual_ipaddress' needs a { } block"),
                Arguments.of("bad boolean", "virtual_server 10.0.0.1 80 {\n    alpha maybe\n}\n",
                        "t.conf:2:11: error: 'alpha' must be one of on|off|true|false|yes|no, got 'maybe'"),
                Arguments.of("bad timer", "virtual_server 10.0.0.1 80 {\n    delay_loop 5s\n}\n",
                        "t.conf:2:16: error: 'delay_loop' must be a number of seconds, got '5s'"),
                Arguments.of("exchange policy list without require", "virtual_server 10.0.0.1 443 {\n"
                                + "    real_server 10.0.0.2 443 {\n        EXCHANGE_CHECK {\n            policy list\n"
                                + "        }\n    }\n}\n",
                        "t.conf:4:13: error: EXCHANGE_CHECK policy list needs 'require'"),
                Arguments.of("unknown exchange service", "virtual_server 10.0.0.1 443 {\n"
                                + "    real_server 10.0.0.2 443 {\n        EXCHANGE_CHECK {\n            services rpc pop3\n"
                                + "        }\n    }\n}\n",
                        "t.conf:4:26: error: unknown Exchange service 'pop3' (expected one of rpc, mapi, owa, ecp, ews, "
                                + "oab, eas, autodiscover)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void givesExactlyThisError(String name, String text, String expected) {
        ParseResult r = ConfigParser.parse(text, "t.conf", OPTIONS);
        assertThat(r.errors()).extracting(Diagnostic::toString).containsExactly(expected);
        assertThat(r.config()).isEmpty();
    }

    static Stream<Arguments> warnings() {
        return Stream.of(
                Arguments.of("deprecated form", INSTANCE_HEAD + "    lvs_sync_daemon_interface eth1\n}\n",
                        "t.conf:4:5: warning: " + SeedArticleTest.SYNC_INTERFACE_WARNING),
                Arguments.of("parsed, not acted on", "virtual_server 10.0.0.1 80 {\n    ha_suspend\n}\n",
                        "t.conf:2:5: warning: 'ha_suspend' is parsed but Vigil does not act on it yet"),
                Arguments.of("ignored keepalived keyword", INSTANCE_HEAD + "    use_vmac\n}\n",
                        "t.conf:4:5: warning: 'use_vmac' is not supported by Vigil and is ignored"),
                Arguments.of("DR acts as NAT", "virtual_server 10.0.0.1 80 {\n    lb_kind DR\n}\n",
                        "t.conf:2:13: warning: Vigil forwards as a proxy; 'lb_kind DR' behaves as NAT"),
                Arguments.of("deprecated retry name", "virtual_server 10.0.0.1 80 {\n    nb_get_retry 3\n}\n",
                        "t.conf:2:5: warning: 'nb_get_retry' is deprecated; use 'retry'"),
                Arguments.of("nopreempt with state MASTER", INSTANCE_HEAD + "    state MASTER\n    nopreempt\n}\n",
                        "t.conf:5:5: warning: 'nopreempt' does not work with 'state MASTER'; ignored, as keepalived does"),
                Arguments.of("nopreempt for the address owner", INSTANCE_HEAD + "    priority 255\n    nopreempt\n}\n",
                        "t.conf:5:5: warning: 'nopreempt' does not apply with priority 255 (address owner); ignored, "
                                + "as keepalived does"),
                Arguments.of("preempt_delay with state MASTER", INSTANCE_HEAD + "    preempt_delay 10\n    state MASTER\n}\n",
                        "t.conf:4:5: warning: 'preempt_delay' does not work with 'state MASTER'; ignored, as keepalived "
                                + "does"),
                Arguments.of("extra argument", INSTANCE_HEAD + "    priority 100 200\n}\n",
                        "t.conf:4:18: warning: extra argument '200' to 'priority' ignored"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("warnings")
    void givesExactlyThisWarningAndStillAModel(String name, String text, String expected) {
        ParseResult r = ConfigParser.parse(text, "t.conf", OPTIONS);
        assertThat(r.diagnostics()).extracting(Diagnostic::toString).containsExactly(expected);
        assertThat(r.config()).isPresent();
    }

    @org.junit.jupiter.api.Test
    void missingScriptIsAWarning() {
        ParseResult r = ConfigParser.parse(INSTANCE_HEAD + "    notify_master \"/nonexistent/vigil/x.sh arg\"\n}\n",
                "t.conf", OPTIONS.withCheckScriptPaths(true));
        assertThat(r.diagnostics()).extracting(Diagnostic::toString)
                .containsExactly("t.conf:4:19: warning: script '/nonexistent/vigil/x.sh' does not exist");
        assertThat(r.config()).isPresent();
    }

    @org.junit.jupiter.api.Test
    void unknownKeywordIsOnlyAWarningForRun() {
        ParseResult r = ConfigParser.parse(INSTANCE_HEAD + "    priorty 100\n}\n", "t.conf",
                OPTIONS.withUnknownKeywordsAreErrors(false));
        assertThat(r.diagnostics()).extracting(Diagnostic::toString).containsExactly(
                "t.conf:4:5: warning: unknown keyword 'priorty' in vrrp_instance; did you mean 'priority'?");
        assertThat(r.config().orElseThrow().vrrpInstances().getFirst().priority()).isEqualTo(100);
    }
}
