package dev.vigil.config;

/** Where a configuration element was written: the file (as the user named it), line and column, 1-based. */
public record Source(String file, int line, int column) {
    public static final Source BUILT_IN = new Source("<built-in>", 0, 0);

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
