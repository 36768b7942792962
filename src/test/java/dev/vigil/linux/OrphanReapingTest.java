package dev.vigil.linux;

import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orphans left by check scripts are reaped, and the JVM's own children keep their exit statuses: in a child
 * JVM that is a subreaper, and in one that is PID 1 of its own PID namespace, like Vigil in a container
 * without an init.
 */
class OrphanReapingTest {

    @Test
    void asASubreaperTheNodeAdoptsAndReapsOrphansAndScriptsKeepTheirExitCodes() throws Exception {
        List<String> out = probe(List.of());
        assertThat(value(out, "adopted")).as("orphans re-parented to the probe").isEqualTo("50/50");
        assertThat(value(out, "wrong-codes")).as("exit codes ScriptRunner got wrong").isEqualTo("0");
        assertThat(value(out, "zombies")).as("zombie children left").startsWith("0 ");
        assertThat(value(out, "orphans-left")).isEqualTo("0");
    }

    @Test
    @RequiresRoot(commands = {"unshare"})
    void asPid1OfAContainerTheNodeReapsOrphansAndScriptsKeepTheirExitCodes() throws Exception {
        List<String> out = probe(List.of("unshare", "--pid", "--fork", "--mount-proc", "--kill-child"));
        assertThat(value(out, "pid")).as("the probe is PID 1 of its namespace").isEqualTo("1");
        assertThat(value(out, "wrong-codes")).as("exit codes ScriptRunner got wrong").isEqualTo("0");
        assertThat(value(out, "zombies")).as("zombie children left").startsWith("0 ");
        assertThat(value(out, "orphans-left")).isEqualTo("0");
    }

    private static List<String> probe(List<String> prefix) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx96m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), OrphanReapingProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("probe output:\n%s", text).isZero();
        return text.lines().toList();
    }

    private static String value(List<String> out, String key) {
        return out.stream().filter(l -> l.startsWith("probe " + key + "=")).findFirst()
                .map(l -> l.substring(("probe " + key + "=").length()))
                .orElseThrow(() -> new AssertionError("no " + key + " in probe output:\n" + String.join("\n", out)));
    }
}
