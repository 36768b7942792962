package dev.vigil.config;

import java.util.List;
import java.util.Optional;

/**
 * What reading a configuration gave: the model when there were no errors, and every diagnostic in the
 * order found.
 */
public record ParseResult(Optional<NodeConfig> config, List<Diagnostic> diagnostics) {

    public ParseResult {
        diagnostics = List.copyOf(diagnostics);
    }

    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    public List<Diagnostic> errors() {
        return diagnostics.stream().filter(Diagnostic::isError).toList();
    }

    public List<Diagnostic> warnings() {
        return diagnostics.stream().filter(d -> !d.isError()).toList();
    }
}
