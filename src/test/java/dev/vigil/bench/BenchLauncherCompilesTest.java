package dev.vigil.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bench/VigilBenchLauncher.java is run from source by bench/run.sh and bench/cps.sh, outside the build: it must
 * keep compiling against the proxy engine as that changes (it once stopped, and the benchmarks with it).
 */
class BenchLauncherCompilesTest {
    @Test
    void theBenchLauncherCompilesAgainstTheCurrentEngine(@TempDir Path out) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int exit = javac.run(null, null, errors, "-proc:none", "-d", out.toString(), "-cp",
                System.getProperty("java.class.path"), "bench/VigilBenchLauncher.java");
        assertThat(exit).as(errors.toString(StandardCharsets.UTF_8)).isZero();
    }
}
