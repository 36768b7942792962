package dev.vigil.config;

/** One problem found in a configuration, positioned where it was written. */
public record Diagnostic(Severity severity, Source source, String message) {

    public enum Severity {
        ERROR("error"), WARNING("warning");

        private final String label;

        Severity(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code FILE:LINE:COL: error: MESSAGE}, the form compilers and keepalived users expect. */
    @Override
    public String toString() {
        return source.file() + ":" + source.line() + ":" + source.column() + ": " + severity.label() + ": " + message;
    }
}
