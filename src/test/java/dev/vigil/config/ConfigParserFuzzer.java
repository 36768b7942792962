package dev.vigil.config;

import java.nio.charset.StandardCharsets;

/**
 * Jazzer target (scripts/fuzz config): the bytes are a configuration file. The parser must answer every
 * one with a result, never a throwable, and never through its last line of defence (the "internal error"
 * diagnostic a caught bug becomes, or running out of heap); a configuration it accepts must print back to
 * text that it reads as the same configuration.
 */
public final class ConfigParserFuzzer {
    /** As {@code vigil run} reads: unknown keywords are skipped, so the rest of the file is still interpreted. */
    static final ParseOptions OPTIONS = new ParseOptions("high", false, false);

    private ConfigParserFuzzer() {}

    public static void fuzzerTestOneInput(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        ParseResult r = ConfigParser.parse(text, "fuzz.conf", OPTIONS);
        for (Diagnostic d : r.diagnostics()) {
            // ConfigParser.guarded's two messages, at 1:1 of the file
            boolean guard = d.message().startsWith("internal error while reading the configuration: ")
                    || d.message().startsWith("the configuration does not fit in the ");
            if (guard && d.source().line() == 1 && d.source().column() == 1) {
                throw new AssertionError("the parser's guard caught: " + d);
            }
            if (d.source().line() < 1 || d.source().column() < 1) throw new AssertionError("unpositioned: " + d);
        }
        if (r.config().isPresent() == r.hasErrors()) throw new AssertionError("a model and errors, or neither: " + r);
        if (r.config().isEmpty()) return;
        String printed = ConfigPrinter.print(r.config().get());
        ParseResult again = ConfigParser.parse(printed, "printed.conf", OPTIONS);
        if (again.config().isEmpty()) {
            throw new AssertionError("the printed configuration does not read back: " + again.errors() + "\n" + printed);
        }
        if (!SourceErasure.sameMeaning(again.config().get(), r.config().get())) {
            throw new AssertionError("the printed configuration reads back as another one:\n" + printed);
        }
    }
}
