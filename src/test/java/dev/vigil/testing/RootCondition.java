package dev.vigil.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

final class RootCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        var annotation = AnnotationSupport.findAnnotation(context.getElement(), RequiresRoot.class);
        if (annotation.isEmpty()) return ConditionEvaluationResult.enabled("no root needed");
        if (!isRoot()) return ConditionEvaluationResult.disabled("needs root (network namespaces, raw sockets): run the tests as root");
        for (String command : annotation.get().commands()) {
            if (!onPath(command)) {
                return ConditionEvaluationResult.disabled("needs '" + command + "' on PATH (.ci/run installs it)");
            }
        }
        return ConditionEvaluationResult.enabled("running as root");
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin") + ":/usr/sbin:/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) return true;
        }
        return false;
    }
}
