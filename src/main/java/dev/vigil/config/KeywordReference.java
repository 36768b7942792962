package dev.vigil.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Generates docs/keywords.md from the parser's keyword table, so the reference cannot drift from what
 * the parser accepts. Run {@code java -cp target/classes dev.vigil.config.KeywordReference docs/keywords.md}.
 */
public final class KeywordReference {
    private KeywordReference() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.out.print(markdown());
        } else {
            Files.writeString(Path.of(args[0]), markdown(), StandardCharsets.UTF_8);
        }
    }

    /** The whole reference as Markdown. */
    public static String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("<!-- Generated from dev.vigil.config.KeywordTable by dev.vigil.config.KeywordReference; do not edit.\n")
                .append("     Regenerate: mvn -B -q -o compile && java -cp target/classes dev.vigil.config.KeywordReference docs/keywords.md\n")
                .append("     (KeywordReferenceTest fails while this file is out of date.) -->\n\n")
                .append("# Configuration keywords\n\n")
                .append("Vigil reads keepalived's configuration language. This is every keyword it knows, by the block it is\n")
                .append("written in. *Acted on*: `yes` means Vigil does what keepalived does (or Vigil's documented\n")
                .append("equivalent); other keywords are read and reported with a warning by `vigil check-config`.\n")
                .append("Defaults and units are keepalived's. `<TIMER>` is seconds with fractions (resolution 1 µs);\n")
                .append("`<BOOL>` is on|off|true|false|yes|no, and a missing `<BOOL>` means on. Keywords not listed are\n")
                .append("errors for `vigil check-config` (with the nearest known keyword suggested) and are logged and\n")
                .append("skipped by `vigil run`, as keepalived does.\n\n")
                .append("Language: `{ }` blocks, comments from `!` or `#`, quoted strings, `include` (globs, relative to\n")
                .append("the including file), `$NAME=value` definitions with `$NAME`/`${NAME}` substitution (and\n")
                .append("`${_PWD}`, `${_INSTANCE}`, `${_HASH}`, `${_BANG}`, `${_ENV X}`, `${_RANDOM}`), `@ID`/`@^ID`\n")
                .append("conditional lines compared with `-i/--config-id` (default: the short host name).\n")
                .append("Not supported: keepalived's `~SEQ`/`~LST` sequence and list blocks (an error says so).\n");
        KeywordTable table = KeywordTable.standard();
        for (Block block : Block.values()) {
            List<Keyword> keywords = table.in(block);
            if (keywords.isEmpty()) continue;
            b.append("\n## ").append(block.label()).append("\n\n");
            b.append("Written in: ").append(block.where()).append(".");
            if (!block.extended().isEmpty()) {
                b.append(" Also accepts the keywords of: ")
                        .append(String.join(", ", block.extended().stream().map(Block::label).toList())).append('.');
            }
            b.append("\n\n| Keyword | Value | Default | Unit | Acted on | Description | Example |\n");
            b.append("|---|---|---|---|---|---|---|\n");
            java.util.Map<String, List<String>> ignored = new java.util.LinkedHashMap<>();
            for (Keyword k : keywords) {
                if (k.support() == Keyword.Support.IGNORED) {
                    ignored.computeIfAbsent(k.description(), x -> new java.util.ArrayList<>()).add("`" + k.name() + "`");
                    continue;
                }
                b.append("| `").append(k.name()).append("` | ").append(cell(k.syntax(), true)).append(" | ")
                        .append(cell(k.defaultValue(), false)).append(" | ").append(cell(k.unit(), false)).append(" | ")
                        .append(k.support().label()).append(" | ").append(cell(k.description(), false)).append(" | ")
                        .append(cell(k.example(), true)).append(" |\n");
            }
            ignored.forEach((why, names) -> b.append("\nAccepted and ignored, with a warning (").append(why)
                    .append("): ").append(String.join(", ", names)).append(".\n"));
        }
        return b.toString();
    }

    private static String cell(String s, boolean code) {
        if (s.isEmpty()) return "";
        String escaped = s.replace("|", "\\|");
        return code ? "`" + escaped + "`" : escaped;
    }
}
