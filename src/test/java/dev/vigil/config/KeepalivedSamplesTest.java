package dev.vigil.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** keepalived's own sample configurations: each gives a model, or errors that say where. */
class KeepalivedSamplesTest {
    static final Path DIR = Path.of("src/test/resources/dev/vigil/config/samples");
    static final ParseOptions OPTIONS = new ParseOptions("high", true, false);

    @Test
    void allTwentyFiveSamplesArePresent() {
        assertThat(samples()).hasSize(25);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void givesAModelOrPositionedErrors(Path sample) {
        ParseResult r = ConfigParser.parse(sample, OPTIONS);
        assertThat(r.config().isPresent()).isNotEqualTo(r.hasErrors());
        for (Diagnostic d : r.diagnostics()) {
            assertThat(d.source().file()).isEqualTo(sample.toString());
            assertThat(d.source().line()).isPositive();
            assertThat(d.source().column()).isPositive();
            assertThat(d.message()).doesNotContain("internal error");
        }
        r.config().ifPresent(c -> {
            NodeConfig again = ConfigParser.parse(ConfigPrinter.print(c), "dump", OPTIONS).config().orElseThrow();
            assertThat(SourceErasure.sameMeaning(again, c)).isTrue();
        });
    }

    @Test
    void onlyTheOldSyncGroupFormIsRefused() {
        List<String> refused = samples().filter(p -> ConfigParser.parse(p, OPTIONS).hasErrors())
                .map(p -> p.getFileName().toString()).toList();
        assertThat(refused).containsExactly("keepalived.conf.vrrp.lvs_syncd");
        assertThat(ConfigParser.parse(DIR.resolve("keepalived.conf.vrrp.lvs_syncd"), OPTIONS).errors())
                .extracting(Diagnostic::toString).containsExactly(
                        DIR.resolve("keepalived.conf.vrrp.lvs_syncd") + ":4:3: error: unknown keyword 'VI_2' in vrrp_sync_group",
                        DIR.resolve("keepalived.conf.vrrp.lvs_syncd") + ":5:3: error: unknown keyword 'VI_3' in vrrp_sync_group");
    }

    static Stream<Path> samples() {
        try {
            return samples0();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Stream<Path> samples0() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.sorted().toList().stream();
        }
    }
}
