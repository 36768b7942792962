package dev.vigil.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** No input, however broken, makes the parser throw; every problem it reports is positioned. */
class FuzzProperties {
    static final ParseOptions OPTIONS = new ParseOptions("high", true, false);
    static final List<String> SAMPLES = load();
    static final List<String> PIECES = List.of("{", "}", "{ }", "\"", "'", "\\", "!", "#", "$", "$X=", "${X}", "$X",
            "@high ", "@^high ", "@", "\n", " ", "\t", "vrrp_instance", "virtual_server", "real_server", "MISC_CHECK",
            "HTTP_GET", "url", "priority", "virtual_router_id", "0", "-1", "256", "99999999999999999999", "1.5",
            "10.0.0.1", "::1", "10.0.0.1-9", "fe80::1%eth0", "/33", "group", "fwmark", "EXCHANGE_CHECK",
            "include /nonexistent-vigil-dir/x.conf", "$A=$A", "$A=${A}${A}", "\u0000", "é", "\r\n");

    private static List<String> load() {
        try (var files = Files.list(Path.of("src/test/resources/dev/vigil/config/samples"))) {
            List<String> texts = new ArrayList<>();
            for (Path p : files.sorted().toList()) texts.add(Files.readString(p));
            texts.add(Files.readString(Path.of("src/test/resources/dev/vigil/config/seed/exchange-master.conf")));
            return texts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertSane(String text) {
        ParseResult r = ConfigParser.parse(text, "fuzz.conf", OPTIONS);
        assertThat(r.config().isPresent()).isNotEqualTo(r.hasErrors());
        for (Diagnostic d : r.diagnostics()) {
            assertThat(d.message()).as(text).doesNotContain("internal error");
            assertThat(d.source().line()).isPositive();
            assertThat(d.source().column()).isPositive();
        }
    }

    @Property(tries = 300)
    void randomBytesNeverThrow(@ForAll @Size(max = 400) byte[] bytes) {
        assertSane(new String(bytes, StandardCharsets.UTF_8));
        assertSane(new String(bytes, StandardCharsets.ISO_8859_1));
    }

    @Provide
    Arbitrary<String> mutatedSamples() {
        return Arbitraries.randomValue(FuzzProperties::mutate);
    }

    static String mutate(Random r) {
        StringBuilder text = new StringBuilder(SAMPLES.get(r.nextInt(SAMPLES.size())));
        int mutations = 1 + r.nextInt(8);
        for (int i = 0; i < mutations && !text.isEmpty(); i++) {
            int at = r.nextInt(text.length());
            switch (r.nextInt(4)) {
                case 0 -> text.delete(at, Math.min(text.length(), at + 1 + r.nextInt(40)));
                case 1 -> text.insert(at, PIECES.get(r.nextInt(PIECES.size())));
                case 2 -> text.setCharAt(at, (char) r.nextInt(128));
                default -> {
                    int end = Math.min(text.length(), at + r.nextInt(200));
                    text.insert(r.nextInt(text.length()), text.substring(at, end));
                }
            }
        }
        return text.toString();
    }

    @Property(tries = 500)
    void mutatedSamplesNeverThrow(@ForAll("mutatedSamples") String text) {
        assertSane(text);
    }

    @Provide
    Arbitrary<String> tokenSoup() {
        return Arbitraries.of(PIECES).list().ofMaxSize(60).map(l -> String.join(" ", l));
    }

    @Property(tries = 300)
    void tokenSoupNeverThrows(@ForAll("tokenSoup") String text) {
        assertSane(text);
    }
}
