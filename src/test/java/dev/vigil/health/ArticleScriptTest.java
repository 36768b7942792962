package dev.vigil.health;

import dev.vigil.config.CheckTiming;
import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.exchange.ExchangeTestServer;
import dev.vigil.exchange.ExchangeTestServer.Mode;
import dev.vigil.script.ScriptRunner;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed article's {@code check_exchange.sh}, byte for byte, as a MISC_CHECK against the Exchange test
 * server on port 443 of a loopback address (hence root). Under bash it works; under dash (Debian's
 * {@code /bin/sh}, which its {@code #!/bin/sh} line picks) {@code let} does not exist and every server
 * looks healthy.
 */
@RequiresRoot(commands = {"bash", "openssl", "seq"})
class ArticleScriptTest {

    static final String ARTICLE_SCRIPT = """
            #!/bin/sh
            error=0
            for i in `seq 1 3`
            do
            echo "GET /rpc/healthcheck.htm" | openssl s_client -connect $1:443 -crlf -quiet 2>/dev/null | grep "200 OK" || let error=$error+1
            done
            [ $error -lt 3 ] && exit 0 || exit 1
            """;

    @TempDir
    Path dir;

    private ExchangeTestServer server;
    private ScriptRunner runner;
    private String ip;
    private Path script;

    @BeforeEach
    void start() throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        ip = "127.83." + r.nextInt(1, 255) + "." + r.nextInt(1, 255);
        server = ExchangeTestServer.start(new InetSocketAddress(InetAddress.getByName(ip), 443), "ex1.test.local");
        runner = new ScriptRunner(Optional.empty(), false, Duration.ofMillis(300));
        script = dir.resolve("check_exchange.sh");
        Files.writeString(script, ARTICLE_SCRIPT);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stop() {
        runner.close();
        server.close();
    }

    /** As the article configures it: {@code misc_path "check_exchange.sh IP"}, {@code misc_timeout 18}. */
    private CheckResult check(String... interpreter) throws InterruptedException {
        String[] argv = new String[interpreter.length + 2];
        System.arraycopy(interpreter, 0, argv, 0, interpreter.length);
        argv[interpreter.length] = script.toString();
        argv[interpreter.length + 1] = ip;
        var misc = ConfigFixtures.misc(ConfigFixtures.script(argv), Duration.ofSeconds(18), false, CheckTiming.INHERIT);
        return new MiscChecker(misc, runner, Duration.ofSeconds(18)).check();
    }

    @Test
    void underBashTheArticlesScriptWorksUnchanged() throws Exception {
        assertThat(check("/bin/bash").ok()).isTrue();
        server.failNext(ExchangeService.RPC, 2);
        assertThat(check("/bin/bash").ok()).as("one good answer in three is enough").isTrue();
        server.setService(ExchangeService.RPC, Mode.UNHEALTHY);
        CheckResult down = check("/bin/bash");
        assertThat(down.ok()).isFalse();
        assertThat(down.reason()).startsWith("misc_path: exit 1");
        server.setAll(Mode.REFUSE);
        assertThat(check("/bin/bash").ok()).isFalse();
    }

    @Test
    void underDashTheArticlesScriptCallsADeadServerHealthy() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.readSymbolicLink(Path.of("/bin/sh")).toString().contains("dash")
                || Path.of("/bin/sh").toRealPath().toString().endsWith("dash"), "/bin/sh is not dash here");
        server.setService(ExchangeService.RPC, Mode.UNHEALTHY);
        // run by its own #!/bin/sh line, as keepalived does
        CheckResult r = check();
        assertThat(r.ok()).as("the dash/let trap: error never grows, exit 0").isTrue();
    }
}
