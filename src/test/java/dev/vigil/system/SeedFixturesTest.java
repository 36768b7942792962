package dev.vigil.system;

import dev.vigil.config.Checker;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.RealServer;
import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.exchange.ExchangeTestServer.Mode;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed deployment's parts without Vigil in the middle, so they are known good before the system
 * tests lean on them: the mapped configuration files parse, the article's check script under bash
 * tells a healthy server from one answering 503, the SMTP catcher receives a mail sent from a
 * balancer's namespace, the notify stand-in records its arguments, the client load reaches a server.
 */
@RequiresRoot(commands = {"ip", "curl", "bash", "openssl"})
class SeedFixturesTest {

    @Test
    void mappedArticleFilesParseAndKeepTheArticlesShape() throws Exception {
        Path scripts = Path.of("/etc/vigil-test-scripts");
        for (SeedConfig.Check check : SeedConfig.Check.values()) {
            for (int node = 1; node <= 2; node++) {
                String text = SeedConfig.mapped(node, scripts, Duration.ofSeconds(3), check);
                assertThat(text).doesNotContain("192.168.3.").doesNotContain("/etc/keepalived/");
                ParseResult r = ConfigParser.parse(text, "node" + node + ".conf", ParseOptions.defaults());
                assertThat(r.errors()).as(check + " node " + node).isEmpty();
                NodeConfig c = r.config().orElseThrow();
                var instance = c.vrrpInstances().getFirst();
                assertThat(instance.priority()).isEqualTo(node == 1 ? SeedConfig.MASTER_PRIORITY : SeedConfig.BACKUP_PRIORITY);
                assertThat(c.global().smtpServer().orElseThrow().getAddress().getHostAddress()).isEqualTo(SeedConfig.SMTP_ADDRESS);
                var vs = c.virtualServers().getFirst();
                assertThat(EngineChoice.of(c, vs)).hasToString("proxy (vigil_engine proxy of global_defs)");
                assertThat(vs.realServers()).extracting(rs -> rs.address().getHostAddress())
                        .containsExactlyElementsOf(SeedConfig.EXCHANGE_ADDRESSES);
                for (RealServer rs : vs.realServers()) {
                    Checker checker = rs.checkers().getFirst();
                    if (check == SeedConfig.Check.ARTICLE_SCRIPT) {
                        assertThat(checker).isInstanceOf(Checker.MiscCheck.class);
                        var misc = (Checker.MiscCheck) checker;
                        assertThat(misc.timeout()).contains(SeedConfig.MISC_TIMEOUT);
                    } else {
                        assertThat(checker).isInstanceOf(Checker.ExchangeCheck.class);
                        assertThat(((Checker.ExchangeCheck) checker).services()).hasSize(8);
                    }
                }
            }
        }
    }

    @Test
    void partsWorkInTheirNamespaces() throws Exception {
        Path dir = Path.of("target", "system", "fixtures");
        try (SeedDeployment d = SeedDeployment.create("vf", dir, Duration.ofSeconds(3), SeedConfig.Check.ARTICLE_SCRIPT)) {
            String balancer = d.bed().node(1);
            Path check = d.scriptDir(1).resolve("check_exchange.sh");
            String server = SeedConfig.EXCHANGE_ADDRESSES.get(0);
            assertThat(d.bed().run(balancer, check.toString(), server).exitCode())
                    .as("the article's script passes a healthy server").isZero();
            d.fleet().set(1, ExchangeService.RPC, Mode.UNHEALTHY);
            assertThat(d.bed().run(balancer, check.toString(), server).exitCode())
                    .as("and fails one whose /rpc/healthcheck.htm answers 503").isEqualTo(1);
            d.fleet().recover(1);

            Path mail = d.dir().resolve("mail.txt");
            Files.writeString(mail, "Subject: fixture check\r\n\r\nhello\r\n", StandardCharsets.UTF_8);
            d.bed().exec(balancer, "curl", "-sS", "--max-time", "10", "smtp://" + SeedConfig.SMTP_ADDRESS,
                    "--mail-from", "exchange_balancer01.domain.ru", "--mail-rcpt", "unix_adm@domain.ru", "-T", mail.toString());
            assertThat(d.mail().await(m -> m.subject().equals("fixture check"), Duration.ofSeconds(5))).isPresent();

            d.bed().exec(balancer, d.scriptDir(1).resolve("snat.py").toString(), "-a", "x", "-s", "y");
            assertThat(d.notifyCalls(1)).extracting(SeedDeployment.NotifyCall::arguments).containsExactly("-a x -s y");

            try (ClientLoad load = ClientLoad.start(d.bed().client(), new InetSocketAddress(server, 443), 2, Duration.ofMillis(20))) {
                Thread.sleep(1_000);
                load.stop();
                List<ClientLoad.Request> all = load.requests();
                assertThat(all).isNotEmpty().allSatisfy(r -> assertThat(r.ok()).as(r.error()).isTrue());
                assertThat(ClientLoad.byServer(all)).containsOnlyKeys(d.fleet().member(1).fqdn());
            }
            names = List.of(d.bed().bridge(), d.bed().client());
        }
        String left = NetnsBed.mustRun("ip", "netns", "list");
        assertThat(names).allSatisfy(n -> assertThat(left).doesNotContain(n));
    }

    private List<String> names;
}
