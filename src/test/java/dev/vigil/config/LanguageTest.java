package dev.vigil.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The configuration language as keepalived reads it: layout, comments, quotes, includes, definitions, @ids. */
class LanguageTest {
    static final ParseOptions OPTIONS = new ParseOptions("main", true, false);

    static ParseResult parse(String text) {
        return ConfigParser.parse(text, "t.conf", OPTIONS);
    }

    static NodeConfig model(String text) {
        ParseResult r = parse(text);
        assertThat(r.diagnostics()).isEmpty();
        return r.config().orElseThrow();
    }

    @Test
    void bracesMayBeAttachedOnTheirOwnLineOrOnTheNextLine() {
        String attached = "vrrp_instance VI_1{interface eth0\nvirtual_router_id 7}";
        String nextLine = "vrrp_instance VI_1\n{\n  interface eth0\n  virtual_router_id 7\n}\n";
        String oneLine = "vrrp_instance VI_1 { interface eth0 } vrrp_instance VI_2 { interface eth1 }\n"
                .replace("eth0", "eth0\nvirtual_router_id 7").replace("eth1", "eth1\nvirtual_router_id 8");
        for (String text : List.of(attached, nextLine)) {
            VrrpInstance i = model(text).vrrpInstances().getFirst();
            assertThat(i.interfaceName()).isEqualTo("eth0");
            assertThat(i.virtualRouterId()).isEqualTo(7);
        }
        assertThat(model(oneLine).vrrpInstances()).extracting(VrrpInstance::name).containsExactly("VI_1", "VI_2");
    }

    @Test
    void commentsRunFromBangOrHashToEndOfLineButNotInsideQuotes() {
        NodeConfig c = model("! a comment\nglobal_defs { # another\n  router_id \"r#1!x\" ! trailing\n"
                + "  smtp_helo_name helo#cut\n}\n");
        assertThat(c.global().routerId()).contains("r#1!x");
        assertThat(c.global().smtpHeloName()).contains("helo");
    }

    @Test
    void aQuotedStringIsOneTokenWithEscapes() {
        NodeConfig c = model("global_defs {\n  notification_email {\n    \"My admin <a@b.c>\" x@y.z\n  }\n"
                + "  router_id \"tab\\there \\\"q\\\" \\x41\"\n}\n");
        assertThat(c.global().notificationEmail()).containsExactly("My admin <a@b.c>", "x@y.z");
        assertThat(c.global().routerId()).contains("tab\there \"q\" A");
    }

    @Test
    void keywordsMayComeInAnyOrder() {
        VrrpInstance a = model("vrrp_instance V {\n priority 50\n virtual_router_id 3\n interface e\n}\n")
                .vrrpInstances().getFirst();
        VrrpInstance b = model("vrrp_instance V {\n interface e\n virtual_router_id 3\n priority 50\n}\n")
                .vrrpInstances().getFirst();
        assertThat(SourceErasure.sameMeaning(config(a), config(b))).isTrue();
    }

    private static NodeConfig config(VrrpInstance i) {
        return new NodeConfig(GlobalDefs.defaults(), List.of(), List.of(i), List.of(), List.of(), List.of());
    }

    @Test
    void conditionalLinesFollowTheConfigId() {
        String text = "global_defs {\n@main router_id main_router\n@backup router_id backup_router\n}\n"
                + "vrrp_instance V {\n interface e\n virtual_router_id 3\n unicast_peer {\n"
                + "  @^main 1.2.3.4\n  @^backup 1.2.3.5\n  @^backup2 1.2.3.6\n }\n}\n";
        NodeConfig main = ConfigParser.parse(text, "t.conf", OPTIONS.withConfigId("main")).config().orElseThrow();
        assertThat(main.global().routerId()).contains("main_router");
        assertThat(main.vrrpInstances().getFirst().unicastPeers()).extracting(java.net.InetAddress::getHostAddress)
                .containsExactly("1.2.3.5", "1.2.3.6");
        NodeConfig other = ConfigParser.parse(text, "t.conf", OPTIONS.withConfigId("other")).config().orElseThrow();
        assertThat(other.global().routerId()).isEmpty();
        assertThat(other.vrrpInstances().getFirst().unicastPeers()).hasSize(3);
    }

    @Test
    void conditionalLinesKeepTheirColumns() {
        ParseResult r = parse("vrrp_instance V {\n interface e\n virtual_router_id 3\n@main priority 300\n}\n");
        assertThat(r.errors()).extracting(Diagnostic::toString)
                .containsExactly("t.conf:4:16: error: 'priority' must be between 1 and 255, got 300");
    }

    @Test
    void definitionsAreSubstitutedAtUseRecursivelyAndWithConditionals() {
        String text = """
                $BASE=10.2.${SUB}
                $SUB=0
                @main $PRIO=240
                @backup $PRIO=200
                $IF_MAIN=@main
                vrrp_instance V {
                    interface eth0
                    virtual_router_id 3
                    priority $PRIO
                    $IF_MAIN nopreempt
                    virtual_ipaddress {
                        ${BASE}.100/32
                $SUB=10
                        ${BASE}.100/32
                    }
                    notify "/bin/echo $UNDEFINED ${ALSO_UNDEFINED}"
                }
                """;
        VrrpInstance i = model(text).vrrpInstances().getFirst();
        assertThat(i.priority()).isEqualTo(240);
        assertThat(i.preempt()).isFalse();
        assertThat(i.virtualIps()).extracting(v -> v.address().getHostAddress()).containsExactly("10.2.0.100", "10.2.10.100");
        assertThat(i.notifyScripts().any().orElseThrow().argv())
                .containsExactly("/bin/echo", "$UNDEFINED", "${ALSO_UNDEFINED}");
    }

    @Test
    void multilineDefinitionsExpandToBlocks() {
        String text = """
                $RS= \\
                real_server 192.168.${VS}.${RS_NUM} 80 { \\
                    weight ${RS_NUM} \\
                }
                $VS=5
                virtual_server 10.0.0.1 80 {
                    $RS_NUM=1
                    $RS
                    $RS_NUM=2
                    $RS
                }
                """;
        VirtualServer vs = model(text).virtualServers().getFirst();
        assertThat(vs.realServers()).extracting(RealServer::endpoint).containsExactly("192.168.5.1:80", "192.168.5.2:80");
        assertThat(vs.realServers()).extracting(RealServer::weight).containsExactly(1, 2);
    }

    @Test
    void selfReferentialDefinitionIsAnErrorNotAHang() {
        ParseResult r = parse("$A=x$A \nglobal_defs {\n router_id $A \n}\n");
        assertThat(r.errors()).extracting(Diagnostic::toString)
                .containsExactly("t.conf:3:12: error: $A expands without end (does a definition refer to itself?)");
    }

    /** The review's 600 KB file: one pass of $B would write 100,000 copies of a 300 KB $A. */
    static String wideDefinitionBomb() {
        return "$A=" + "x ".repeat(150_000) + "\n$B=" + "$A ".repeat(100_000) + "\nglobal_defs {\n    router_id $B\n}\n";
    }

    /** Seven small definitions, each a hundred of the one before: 10^14 characters, five lines of text. */
    static String deepDefinitionBomb() {
        StringBuilder text = new StringBuilder("$A=" + "x ".repeat(50) + "\n");
        for (char c = 'B'; c <= 'G'; c++) text.append('$').append(c).append('=').append(("$" + (char) (c - 1) + " ").repeat(100)).append('\n');
        return text + "global_defs {\n    router_id $G\n}\n";
    }

    @Test
    void definitionsThatMultiplyAreOnePositionedErrorNamingTheDefinition() {
        assertThat(parse(wideDefinitionBomb()).diagnostics()).extracting(Diagnostic::toString).containsExactly(
                "t.conf:4:15: error: $B expands past the 2 MiB that definitions may add to a configuration"
                        + " (while expanding $A)");
        assertThat(parse(deepDefinitionBomb()).diagnostics()).extracting(Diagnostic::toString).containsExactly(
                "t.conf:9:15: error: $G expands past the 2 MiB that definitions may add to a configuration"
                        + " (while expanding $E)");
    }

    @Test
    void aLargeConfigurationBuiltFromDefinitionsIsWithinTheLimit() {
        // 2,000 real servers from a multi-line template: about 400 KB of expanded text
        StringBuilder text = new StringBuilder("""
                $RS= \\
                real_server 10.1.${HI}.${LO} 443 { \\
                    weight 1 \\
                    TCP_CHECK { \\
                        connect_timeout 3 \\
                    } \\
                }
                virtual_server 10.0.0.1 443 {
                """);
        for (int i = 0; i < 2_000; i++) text.append("$HI=").append(i / 250).append("\n$LO=").append(i % 250).append("\n$RS\n");
        NodeConfig c = model(text + "}\n");
        assertThat(c.virtualServers().getFirst().realServers()).hasSize(2_000);
    }

    @Test
    void includeWithGlobIsRelativeToTheIncludingFileAndErrorsNameTheIncludedFile(@TempDir Path dir)
            throws IOException {
        Path conf = dir.resolve("etc");
        Files.createDirectories(conf.resolve("conf.d"));
        Files.writeString(conf.resolve("keepalived.conf"), "global_defs {\n router_id r1\n}\ninclude conf.d/*.conf\n");
        Files.writeString(conf.resolve("conf.d/b.conf"), "vrrp_instance B {\n interface eth0\n virtual_router_id 2\n}\n");
        Files.writeString(conf.resolve("conf.d/a.conf"), "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n"
                + " priority 0\n}\n");
        ParseResult r = ConfigParser.parse(conf.resolve("keepalived.conf"), OPTIONS);
        assertThat(r.errors()).extracting(Diagnostic::toString)
                .containsExactly(conf.resolve("conf.d/a.conf") + ":4:11: error: 'priority' must be between 1 and 255, got 0");
        Files.writeString(conf.resolve("conf.d/a.conf"), "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n}\n");
        NodeConfig c = ConfigParser.parse(conf.resolve("keepalived.conf"), OPTIONS).config().orElseThrow();
        assertThat(c.vrrpInstances()).extracting(VrrpInstance::name).containsExactly("A", "B");
        assertThat(c.vrrpInstances().getFirst().source().file()).isEqualTo(conf.resolve("conf.d/a.conf").toString());
    }

    @Test
    void includeMayOpenABlockThatTheIncludingFileCloses(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("main.conf"), "vrrp_instance A {\ninclude body.conf\n}\n");
        Files.writeString(dir.resolve("body.conf"), "interface eth0\nvirtual_router_id 9\n");
        NodeConfig c = ConfigParser.parse(dir.resolve("main.conf"), OPTIONS).config().orElseThrow();
        assertThat(c.vrrpInstances().getFirst().virtualRouterId()).isEqualTo(9);
    }

    @Test
    void includeCycleIsNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.conf"), "global_defs {\n}\ninclude b.conf\n");
        Files.writeString(dir.resolve("b.conf"), "\n  include a.conf\n");
        ParseResult r = ConfigParser.parse(dir.resolve("a.conf"), OPTIONS);
        assertThat(r.errors()).extracting(Diagnostic::toString).containsExactly(dir.resolve("b.conf")
                + ":2:11: error: include cycle: " + dir.resolve("a.conf") + " -> " + dir.resolve("b.conf") + " -> "
                + dir.resolve("a.conf"));
    }

    @Test
    void missingIncludeIsAnErrorAndAnEmptyGlobAWarning(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.conf"), "include missing.conf\ninclude none/*.conf\n");
        ParseResult r = ConfigParser.parse(dir.resolve("a.conf"), OPTIONS);
        assertThat(r.diagnostics()).extracting(Diagnostic::toString).containsExactly(
                dir.resolve("a.conf") + ":1:9: error: cannot read '" + dir.resolve("missing.conf") + "': no such file",
                dir.resolve("a.conf") + ":2:9: warning: include pattern 'none/*.conf' matches no file");
    }

    @Test
    void missingMainFileIsOneError(@TempDir Path dir) {
        Path f = dir.resolve("nope.conf");
        ParseResult r = ConfigParser.parse(f, OPTIONS);
        assertThat(r.diagnostics()).extracting(Diagnostic::toString)
                .containsExactly(f + ":1:1: error: cannot read '" + f + "': no such file");
    }

    @Test
    void scriptsSplitLikeKeepalivedWithOptionalUserAndGroup() {
        VrrpScript s = model("vrrp_script chk {\n script \"/bin/check ' a b ' \\\"x y\\\" c\\\\ d\" nobody :nogroup\n}\n")
                .vrrpScripts().getFirst();
        assertThat(s.script().argv()).containsExactly("/bin/check", " a b ", "x y", "c d");
        assertThat(s.script().user()).contains(new GlobalDefs.ScriptUser("nobody", java.util.Optional.of("nogroup")));
        assertThat(s.interval()).isEqualTo(java.time.Duration.ofSeconds(1));
        assertThat(s.timeout()).isEqualTo(s.interval());
        assertThat(s.rise()).isEqualTo(1);
        assertThat(s.fall()).isEqualTo(1);
    }

    @Test
    void timersTakeFractions() {
        VrrpInstance i = model("vrrp_instance V {\n interface e\n virtual_router_id 3\n advert_int 0.25\n"
                + " preempt_delay 2.000001\n}\n").vrrpInstances().getFirst();
        assertThat(i.advertInterval()).isEqualTo(java.time.Duration.ofMillis(250));
        assertThat(i.preemptDelay()).isEqualTo(java.time.Duration.ofSeconds(2).plusNanos(1000));
    }

    @Test
    void persistenceTimeoutWithoutValueIs360Seconds() {
        VirtualServer vs = model("virtual_server 10.0.0.1 80 {\n persistence_timeout\n}\n").virtualServers().getFirst();
        assertThat(vs.persistenceTimeout()).contains(java.time.Duration.ofSeconds(360));
    }

    @Test
    void exchangeCheckDefaultsAndOptions() {
        String text = "virtual_server 10.0.0.1 443 {\n real_server 10.0.0.2 443 {\n  EXCHANGE_CHECK {\n  }\n"
                + "  EXCHANGE_CHECK {\n   services rpc owa ews mapi eas ecp autodiscover oab\n   attempts 5\n"
                + "   policy list\n   require owa eas\n   host mail.example.com\n   ca_file /etc/vigil/ca.pem\n"
                + "   connect_port 444\n  }\n }\n}\n";
        List<Checker> checkers = model(text).virtualServers().getFirst().realServers().getFirst().checkers();
        Checker.ExchangeCheck d = (Checker.ExchangeCheck) checkers.get(0);
        assertThat(d.services()).containsExactly(Checker.ExchangeService.RPC);
        assertThat(d.attempts()).isEqualTo(3);
        assertThat(d.policy()).isEqualTo(Checker.ExchangeCheck.Policy.ALL);
        Checker.ExchangeCheck e = (Checker.ExchangeCheck) checkers.get(1);
        assertThat(e.services()).hasSize(8);
        assertThat(e.required()).containsExactly(Checker.ExchangeService.OWA, Checker.ExchangeService.EAS);
        assertThat(e.policy()).isEqualTo(Checker.ExchangeCheck.Policy.LIST);
        assertThat(e.host()).contains("mail.example.com");
        assertThat(e.caFile()).contains(Path.of("/etc/vigil/ca.pem"));
        assertThat(e.connection().connectPort()).contains(444);
        assertThat(e.timing().delayBeforeRetry()).contains(java.time.Duration.ofSeconds(1));
    }

    @Test
    void httpCheckDefaultsAndTimingInheritance() {
        String text = "virtual_server 10.0.0.1 443 {\n delay_loop 7\n retry 4\n real_server 10.0.0.2 443 {\n"
                + "  connect_timeout 2.5\n  SSL_GET {\n   url {\n    path /owa/healthcheck.htm\n    status_code 200 300-302\n"
                + "   }\n   warmup 0\n  }\n }\n}\n";
        Checker.HttpCheck h = (Checker.HttpCheck) model(text).virtualServers().getFirst().realServers().getFirst()
                .checkers().getFirst();
        assertThat(h.tls()).isTrue();
        assertThat(h.httpProtocol()).isEqualTo("1.0");
        assertThat(h.urls().getFirst().statusCodes()).containsExactly(new Checker.StatusRange(200, 200),
                new Checker.StatusRange(300, 302));
        assertThat(h.timing()).isEqualTo(ConfigModels.timing(java.time.Duration.ofMillis(2500), 4,
                java.time.Duration.ofSeconds(3), java.time.Duration.ZERO, java.time.Duration.ofSeconds(7), false));
    }

    @Test
    void oddFileNamesAreNoProblem() {
        ParseResult r = ConfigParser.parse("global_defs {\n}\n", "bad\u0000name", OPTIONS);
        assertThat(r.diagnostics()).isEmpty();
        assertThat(r.config()).isPresent();
    }

    @Test
    void windowsLineEndingsAndByteOrderMarkAreRead() {
        NodeConfig c = model("\uFEFF! Configuration File for keepalived\r\nglobal_defs {\r\n router_id win\r\n}\r\n");
        assertThat(c.global().routerId()).contains("win");
    }

    @Test
    void globalDefaultsApplyWhereverGlobalDefsIsWritten() {
        VrrpInstance i = model("vrrp_instance V {\n interface e\n virtual_router_id 3\n}\n"
                + "global_defs {\n vrrp_version 3\n vrrp_garp_master_repeat 2\n v3_checksum_as_v2\n}\n"
                + "global_defs {\n router_id second_block_merges\n}\n").vrrpInstances().getFirst();
        assertThat(i.version()).isEqualTo(3);
        assertThat(i.garp().repeat()).isEqualTo(2);
        assertThat(i.v3ChecksumAsV2()).isTrue();
    }

    @Test
    void checkUnicastSrcIsOffUnlessTheInstanceOrGlobalDefsTurnsItOn() {
        String instances = "vrrp_instance A {\n interface e\n virtual_router_id 3\n check_unicast_src\n}\n"
                + "vrrp_instance B {\n interface e\n virtual_router_id 4\n}\n"
                + "vrrp_instance C {\n interface e\n virtual_router_id 5\n check_unicast_src off\n}\n";
        assertThat(model(instances).vrrpInstances()).extracting(VrrpInstance::checkUnicastSrc)
                .containsExactly(true, false, false);
        assertThat(model("global_defs {\n vrrp_check_unicast_src\n}\n" + instances).vrrpInstances())
                .extracting(VrrpInstance::checkUnicastSrc).containsExactly(true, true, false);
    }

    @Test
    void positionsAfterSubstitutionPointAtTheReferenceOrTheWrittenText() {
        ParseResult r = parse("$P=300\n$IF=eth0\nvrrp_instance V {\n interface ${IF}  \n virtual_router_id 3\n"
                + " priority $P\n ${IF} x\n}\n");
        assertThat(r.errors()).extracting(Diagnostic::toString).containsExactly(
                "t.conf:6:11: error: 'priority' must be between 1 and 255, got 300",
                "t.conf:7:2: error: unknown keyword 'eth0' in vrrp_instance");
        ParseResult late = parse("$IF=a_long_interface_name\nvrrp_instance V {\n interface $IF \n virtual_router_id 3\n"
                + " priority $IF 7\n}\n");
        assertThat(late.diagnostics()).extracting(Diagnostic::toString).containsExactly(
                "t.conf:5:11: error: 'priority' must be an integer, got 'a_long_interface_name'",
                "t.conf:5:15: warning: extra argument '7' to 'priority' ignored");
    }
}
