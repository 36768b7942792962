package dev.vigil.config;

/**
 * How to read a configuration.
 *
 * @param configId                 the id {@code @ID} conditional lines are compared with (keepalived's {@code -i})
 * @param unknownKeywordsAreErrors {@code true} for {@code check-config} (as {@code keepalived -t}); {@code false}
 *                                 for {@code vigil run}, which logs and skips them as keepalived does
 * @param checkScriptPaths         warn when an absolute script path does not exist on this machine
 */
public record ParseOptions(String configId, boolean unknownKeywordsAreErrors, boolean checkScriptPaths) {

    public ParseOptions {
        if (configId == null) configId = "";
    }

    /** Config id = the short host name, unknown keywords are errors, script paths are checked. */
    public static ParseOptions defaults() {
        return new ParseOptions(shortHostName(), true, true);
    }

    public ParseOptions withConfigId(String id) {
        return new ParseOptions(id, unknownKeywordsAreErrors, checkScriptPaths);
    }

    public ParseOptions withUnknownKeywordsAreErrors(boolean errors) {
        return new ParseOptions(configId, errors, checkScriptPaths);
    }

    public ParseOptions withCheckScriptPaths(boolean check) {
        return new ParseOptions(configId, unknownKeywordsAreErrors, check);
    }

    /** The first label of this host's name, as keepalived takes it from uname; no DNS lookup. */
    public static String shortHostName() {
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            try {
                name = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
            } catch (java.io.IOException | RuntimeException e) {
                name = "";
            }
        }
        int dot = name.indexOf('.');
        return dot >= 0 ? name.substring(0, dot) : name;
    }
}
