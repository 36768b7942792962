package dev.vigil.config;

import java.util.ArrayList;
import java.util.List;

/** Collects diagnostics while one configuration is read. */
final class Diagnostics {
    private final List<Diagnostic> list = new ArrayList<>();

    void error(Source at, String message) {
        list.add(new Diagnostic(Diagnostic.Severity.ERROR, at, message));
    }

    void warning(Source at, String message) {
        list.add(new Diagnostic(Diagnostic.Severity.WARNING, at, message));
    }

    void add(Diagnostic.Severity severity, Source at, String message) {
        list.add(new Diagnostic(severity, at, message));
    }

    boolean hasErrors() {
        return list.stream().anyMatch(Diagnostic::isError);
    }

    List<Diagnostic> all() {
        return List.copyOf(list);
    }
}
