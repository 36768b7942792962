package dev.vigil.report;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;

/** A browser test: skipped, with the reason, where Debian's chromium and chromium-driver are missing. */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresChromium.Condition.class)
@interface RequiresChromium {

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            for (String command : new String[] {"chromium", "chromedriver"}) {
                if (find(command) == null) {
                    return ConditionEvaluationResult.disabled("needs '" + command + "' on PATH: "
                            + "apt-get install -y chromium chromium-driver (CI installs them)");
                }
            }
            return ConditionEvaluationResult.enabled("chromium and chromedriver found");
        }

        static Path find(String command) {
            String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, command);
                if (Files.isExecutable(p)) return p;
            }
            return null;
        }
    }

}
