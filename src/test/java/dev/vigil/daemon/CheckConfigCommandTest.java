package dev.vigil.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CheckConfigCommandTest {
    static final Path MASTER = Path.of("src/test/resources/dev/vigil/config/seed/exchange-master.conf");

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void seedConfigurationIsOkWithASummaryLine() {
        Run r = run("check-config", "-f", MASTER.toString());
        assertThat(r.exit()).isZero();
        // lvs_sync_daemon_interface: the file was written for IPVS, its virtual server gets the kernel engine.
        assertThat(r.out()).isEqualTo(MASTER + ": OK: 1 VRRP instances, 1 virtual servers, 4 real servers, 4 checkers"
                + " (8 warnings); kernel engine (needs root, nf_tables, libnftables1): 192.168.3.110:443 "
                + "(lvs_sync_daemon_interface of vrrp_instance exchange_relay)" + System.lineSeparator());
        assertThat(r.err().lines()).hasSize(8).allMatch(l -> l.startsWith(MASTER + ":") && l.contains(": warning: "));
        assertThat(r.err()).contains(MASTER + ":16:1: warning: 'lvs_sync_daemon_interface' is deprecated");
    }

    @Test
    void dashTIsAnAliasAndStrictTurnsWarningsIntoErrors() {
        assertThat(run("-t", "-f", MASTER.toString()).exit()).isZero();
        Run strict = run("check-config", "--strict", "-f", MASTER.toString());
        assertThat(strict.exit()).isEqualTo(1);
        assertThat(strict.out()).isEmpty();
        assertThat(strict.err()).contains(MASTER + ":16:1: error: 'lvs_sync_daemon_interface' is deprecated");
    }

    /** The seed article's check_exchange.sh, as published: #!/bin/sh and bash's let. */
    @Test
    void warnsAboutTheArticlesDashLetTrapAtTheMiscCheckThatRunsIt(@TempDir Path dir) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Path.of("/bin/sh").toRealPath().toString().contains("dash"),
                "/bin/sh is not dash here, so the trap does not exist");
        Path script = dir.resolve("check_exchange.sh");
        Files.writeString(script, """
                #!/bin/sh
                error=0
                for i in `seq 1 3`
                do
                echo "GET /rpc/healthcheck.htm" | openssl s_client -connect $1:443 -crlf -quiet 2>/dev/null | grep "200 OK" || let error=$error+1
                done
                [ $error -lt 3 ] && exit 0 || exit 1
                """);
        script.toFile().setExecutable(true);
        Path f = dir.resolve("k.conf");
        Files.writeString(f, "virtual_server 10.0.0.1 443 {\n    real_server 10.0.0.2 443 {\n        MISC_CHECK {\n"
                + "            misc_path \"" + script + " 10.0.0.2\"\n        }\n    }\n}\n");
        Run r = run("check-config", "-f", f.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.err()).startsWith(f + ":4:23: warning: " + script + " starts with #!/bin/sh, which is dash here");
        assertThat(r.out()).contains("(1 warnings)");
        Files.writeString(script, Files.readString(script).replace("#!/bin/sh", "#!/bin/bash"));
        assertThat(run("check-config", "-f", f.toString()).err()).isEmpty();
    }

    @Test
    void errorsGoToStderrOneLineEachAndExitOne(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 300\n    priorty 100\n}\n");
        Run r = run("check-config", "-f", f.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).containsExactly(
                f + ":3:23: error: 'virtual_router_id' must be between 1 and 255, got 300",
                f + ":4:5: error: unknown keyword 'priorty' in vrrp_instance; did you mean 'priority'?");
    }

    /** The review's 600 KB file of definitions that expand to 30 GB. */
    @Test
    void aDefinitionBombIsOnePositionedErrorAndExitOne(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bomb.conf");
        Files.writeString(f, "$A=" + "x ".repeat(150_000) + "\n$B=" + "$A ".repeat(100_000)
                + "\nglobal_defs {\n    router_id $B\n}\n");
        Run r = run("check-config", "-f", f.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).containsExactly(f + ":4:15: error: $B expands past the 2 MiB that definitions may"
                + " add to a configuration (while expanding $A)");
    }

    /** Past every limit the reader has, a heap too small for the file is still one line, not a stack trace. */
    @Test
    void aFileTooLargeForTheHeapIsOneErrorAndExitOne(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("large.conf");
        Files.writeString(f, "x\n".repeat(1 << 20));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx48m",
                "-cp", System.getProperty("java.class.path"), "dev.vigil.daemon.Main", "check-config", "-f", f.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isEqualTo(1);
        assertThat(output.lines()).singleElement().asString()
                .startsWith(f + ":1:1: error: the configuration does not fit in the ").endsWith(" MiB heap (-Xmx) while being read");
    }

    @Test
    void missingFileExitsOneWithoutStackTrace(@TempDir Path dir) {
        Run r = run("check-config", "-f", dir.resolve("none.conf").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no such file").doesNotContain("Exception");
    }

    @Test
    void dumpPrintsTheCanonicalFormAndConfigIdSelectsLines(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.conf");
        Files.writeString(f, "global_defs {\n@lb1 router_id first\n@lb2 router_id second\n}\n");
        Run r = run("check-config", "--dump", "-i", "lb2", "-f", f.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("global_defs {\n").contains("    router_id second\n").doesNotContain("first");
        assertThat(r.err()).isEqualTo(f + ": OK: 0 VRRP instances, 0 virtual servers, 0 real servers, 0 checkers"
                + " (0 warnings)" + System.lineSeparator());
    }

    @Test
    void theSummaryNamesTheKernelEnginesVirtualServersAndWarnsOfSchedulersItCannotRun(@TempDir Path dir)
            throws IOException {
        Path f = dir.resolve("k.conf");
        // lblc on a VIP:port is the eBPF selector's; lblcr on port 0 is not (nor is any counted scheduler).
        Files.writeString(f, "virtual_server 10.0.0.1 53 {\n  protocol UDP\n  lb_algo rr\n}\n"
                + "virtual_server 10.0.0.1 80 {\n  vigil_engine kernel\n  lb_algo lblc\n}\n"
                + "virtual_server 10.0.0.1 81 {\n  lb_algo wlc\n}\n"
                + "virtual_server 10.0.0.2 0 {\n  lb_algo lblcr\n}\n");
        Run r = run("check-config", "-f", f.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(f + ": OK: 0 VRRP instances, 4 virtual servers, 0 real servers, 0 checkers"
                + " (1 warnings); kernel engine (needs root, nf_tables, libnftables1): 10.0.0.1:53 (protocol UDP), "
                + "10.0.0.1:80 (vigil_engine kernel), 10.0.0.2:0 (port 0); proxy engine: 10.0.0.1:81 (the default)"
                + System.lineSeparator());
        assertThat(r.err()).contains(f + ":12:1: warning: virtual server 10.0.0.2:0 gets the kernel engine "
                + "(port 0), which will not serve it: the kernel engine's eBPF selector (lb_algo lblcr) serves VIP:port "
                + "services").doesNotContain("10.0.0.1:80 gets");
    }

    @Test
    void theKernelEngineServesHashesThresholdsAndMhFallback(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("h.conf");
        Files.writeString(f, "global_defs {\n  vigil_engine kernel\n}\n"
                + "virtual_server 10.0.0.1 80 {\n  lb_algo sh\n  sh-fallback\n  real_server 10.0.1.1 80 {\n"
                + "    uthreshold 10\n    lthreshold 5\n  }\n}\n"
                + "virtual_server fwmark 5 {\n  lb_algo dh\n}\n"
                + "virtual_server 10.0.0.1 81 {\n  lb_algo mh\n  mh-port\n}\n"
                + "virtual_server 10.0.0.1 82 {\n  lb_algo mh\n  mh-fallback\n}\n"
                + "virtual_server 10.0.0.1 83 {\n  lb_algo rr\n  lb_kind DR\n}\n");
        Run r = run("check-config", "-f", f.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("(2 warnings)"); // lb_kind DR, for either engine
        assertThat(r.err()).doesNotContain("10.0.0.1:82").contains(f + ":23:1: warning: virtual server 10.0.0.1:83 gets "
                + "the kernel engine (vigil_engine kernel of global_defs), which will not serve it: the kernel engine does lb_kind NAT only");
    }
}
