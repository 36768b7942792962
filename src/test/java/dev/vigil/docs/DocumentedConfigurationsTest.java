package dev.vigil.docs;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.Diagnostic;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every configuration shown in the README, the guides and packaging/ parses without an error, so the
 * documentation cannot teach a keyword that does not work. A snippet that starts inside a virtual
 * server ({@code real_server ...}) is checked inside one.
 */
class DocumentedConfigurationsTest {
    private static final Pattern FENCE = Pattern.compile("```[a-z]*\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CONFIG_START = Pattern.compile(
            "^\\s*(!.*\\n\\s*)*(global_defs|vrrp_instance|vrrp_script|virtual_server|real_server)\\b");

    @TestFactory
    Stream<DynamicTest> everyDocumentedConfigurationParses() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        try (var docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md") && !p.endsWith("keywords.md")).sorted().forEach(files::add);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : files) {
            Matcher m = FENCE.matcher(Files.readString(file));
            int n = 0;
            while (m.find()) {
                String block = m.group(1);
                if (!CONFIG_START.matcher(block).find()) continue;
                String name = file + " snippet " + (++n);
                tests.add(DynamicTest.dynamicTest(name, () -> assertParses(name, block)));
            }
        }
        try (var packaged = Files.walk(Path.of("packaging"))) {
            packaged.filter(p -> p.toString().endsWith("keepalived.conf")).forEach(p ->
                    tests.add(DynamicTest.dynamicTest(p.toString(), () -> {
                        ParseResult r = ConfigParser.parse(p, ParseOptions.defaults().withCheckScriptPaths(false));
                        assertThat(r.errors()).as(p.toString()).isEmpty();
                    })));
        }
        assertThat(tests).hasSizeGreaterThan(3);
        return tests.stream();
    }

    private static void assertParses(String name, String block) {
        String text = block.strip().startsWith("real_server")
                ? "virtual_server 192.0.2.1 443 {\n" + block + "\n}\n" : block;
        ParseResult r = ConfigParser.parse(text, name.replace(' ', '_') + ".conf",
                ParseOptions.defaults().withCheckScriptPaths(false));
        assertThat(r.errors()).extracting(Diagnostic::toString).as(name).isEmpty();
    }
}
