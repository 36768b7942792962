package dev.vigil.daemon;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {
    @Test
    void versionNamesTheProjectVersion() {
        var out = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("--version")).isZero();
        assertThat(out.toString().strip()).matches("vigil \\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void aSubcommandNamedFirstIsBuiltAloneAndHelpsAsInTheWholeModel() {
        assertThat(Main.commandLine("check-config", "-f", "x.conf").getSubcommands()).containsOnlyKeys("check-config", "-t", "--test");
        assertThat(Main.commandLine("-t").getSubcommands()).containsOnlyKeys("check-config", "-t", "--test");
        assertThat(Main.commandLine("release-vips").getSubcommands()).containsOnlyKeys("release-vips");
        assertThat(Main.commandLine("--version").getSubcommands()).containsKeys("check-config", "run", "status", "help");
        assertThat(Main.commandLine("help").getSubcommands().keySet()).isEqualTo(Main.commandLine().getSubcommands().keySet());
        assertThat(output(Main.commandLine("help", "check-config"), "help", "check-config"))
                .isEqualTo(output(Main.commandLine(), "help", "check-config")).contains("Usage: vigil check-config");
        for (String sub : new String[] {"check-config", "run", "status", "reload", "release-vips", "demo"}) {
            assertThat(output(Main.commandLine(sub, "--help"), sub, "--help")).as(sub)
                    .isEqualTo(output(Main.commandLine(), sub, "--help"));
            assertThat(output(Main.commandLine(sub, "--no-such-option"), sub, "--no-such-option")).as(sub)
                    .isEqualTo(output(Main.commandLine(), sub, "--no-such-option"));
        }
    }

    private static String output(picocli.CommandLine cli, String... args) {
        var out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        int code = cli.execute(args);
        return code + "\n" + out;
    }
}
