package dev.vigil.script;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Warnings about scripts that will not do what they seem to. The one known so far is the seed article's
 * trap: a {@code #!/bin/sh} script using bash's {@code let}, on a system whose {@code /bin/sh} is dash,
 * where {@code let} does not exist, so a failure counter never grows and a dead server looks healthy.
 */
public final class ScriptLint {

    private static final Pattern LET = Pattern.compile("(^|[;&|\\s])let\\s");

    private ScriptLint() {}

    /** A warning for {@code script} if it falls into the dash/{@code let} trap here, else empty. */
    public static Optional<String> dashLetTrap(Path script) {
        return dashLetTrap(script, Path.of("/bin/sh"));
    }

    static Optional<String> dashLetTrap(Path script, Path binSh) {
        String text;
        try (InputStream in = Files.newInputStream(script)) {
            text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        String firstLine = text.lines().findFirst().orElse("").trim();
        if (!firstLine.matches("#!\\s*/bin/sh(\\s.*)?")) return Optional.empty();
        boolean dash;
        try {
            dash = binSh.toRealPath().getFileName().toString().startsWith("dash");
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!dash) return Optional.empty();
        boolean usesLet = text.lines().skip(1).map(l -> l.replaceFirst("#.*", ""))
                .anyMatch(l -> LET.matcher(l).find());
        if (!usesLet) return Optional.empty();
        return Optional.of(script + " starts with #!/bin/sh, which is dash here, and uses 'let', which dash does not"
                + " have: a counter built with it never grows (a dead server may look healthy). Use #!/bin/bash,"
                + " or EXCHANGE_CHECK for Exchange.");
    }
}
