package dev.vigil.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether this build's {@code vigil run} is the daemon yet. The system tests skip, saying so, until it
 * is: the probe runs {@code vigil run -f BROKEN-FILE}, which the daemon rejects with exit 1 (a config
 * error) and the placeholder answers with exit 2 and "not available yet". Asked once per JVM.
 */
final class RunCommandProbe {

    private static String verdict;

    private RunCommandProbe() {}

    /** Null when {@code vigil run} is there; otherwise why the system tests cannot run. */
    static synchronized String missingReason() {
        if (verdict == null) verdict = probe();
        return verdict.isEmpty() ? null : verdict;
    }

    private static String probe() {
        Path broken = null;
        try {
            broken = Files.createTempFile("vigil-probe", ".conf");
            Files.writeString(broken, "vrrp_instance {\n", StandardCharsets.UTF_8);
            List<String> cmd = new ArrayList<>(VigilNodeProcess.command(broken, new java.net.InetSocketAddress("127.0.0.1", 9)));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[][] out = new byte[1][];
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    out[0] = p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    out[0] = new byte[0];
                }
            });
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "`vigil run -f BROKEN` did not exit within 60 s: the daemon ignores config errors";
            }
            reader.join();
            String text = new String(out[0], StandardCharsets.UTF_8);
            if (p.exitValue() == 2 || text.contains("not available yet") || text.contains("Unknown option")) {
                return "`vigil run` is not wired on this branch yet (dev.vigil.daemon.Main run exited "
                        + p.exitValue() + ": " + text.strip().lines().findFirst().orElse("") + ")";
            }
            return "";
        } catch (IOException e) {
            return "cannot start a JVM for `vigil run`: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while probing `vigil run`";
        } finally {
            if (broken != null) {
                try {
                    Files.deleteIfExists(broken);
                } catch (IOException ignored) {
                    // a temp file
                }
            }
        }
    }
}
