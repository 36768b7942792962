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
}
