package dev.vigil.config;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.generators.Generate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

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

    @Test
    void randomBytesNeverThrow() {
        Gen<byte[]> bytes = Generate.byteArrays(integers().between(0, 400),
                Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
        qt().withExamples(300).forAll(bytes).checkAssert(b -> {
            assertSane(new String(b, StandardCharsets.UTF_8));
            assertSane(new String(b, StandardCharsets.ISO_8859_1));
        });
    }

    /** Every choice is a draw from the source, so a failing text shrinks to fewer and smaller edits. */
    static String mutate(RandomnessSource in) {
        StringBuilder text = new StringBuilder(arbitrary().pick(SAMPLES).generate(in));
        int mutations = draw(in, 1, 8);
        for (int i = 0; i < mutations && !text.isEmpty(); i++) {
            int at = draw(in, 0, text.length() - 1);
            switch (draw(in, 0, 3)) {
                case 0 -> text.delete(at, Math.min(text.length(), at + 1 + draw(in, 0, 39)));
                case 1 -> text.insert(at, arbitrary().pick(PIECES).generate(in));
                case 2 -> text.setCharAt(at, (char) draw(in, 0, 127));
                default -> {
                    int end = Math.min(text.length(), at + draw(in, 0, 199));
                    text.insert(draw(in, 0, text.length() - 1), text.substring(at, end));
                }
            }
        }
        return text.toString();
    }

    private static int draw(RandomnessSource in, int min, int max) {
        return integers().between(min, max).generate(in);
    }

    @Test
    void mutatedSamplesNeverThrow() {
        qt().withExamples(500).forAll(FuzzProperties::mutate).checkAssert(FuzzProperties::assertSane);
    }

    @Test
    void tokenSoupNeverThrows() {
        Gen<String> soup = lists().of(arbitrary().pick(PIECES)).ofSizeBetween(0, 60).map(l -> String.join(" ", l));
        qt().withExamples(300).forAll(soup).checkAssert(FuzzProperties::assertSane);
    }
}
