package dev.vigil.testing;

import dev.vigil.config.ConfigParserFuzzer;
import dev.vigil.linux.ConntrackMessageFuzzer;
import dev.vigil.report.AdminRequestFuzzer;
import dev.vigil.vrrp.VrrpDecoderFuzzer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every committed fuzz input, run through its Jazzer target in the unit tier, so that an input that once
 * broke a parser (kept in the corpus with the fix) breaks the ordinary build if the bug comes back. The
 * HTTP and SMTP targets are replayed by dev.vigil.health.CheckerFuzzCorpusTest, in the component tier.
 */
class FuzzCorpusTest {
    static final Map<String, Consumer<byte[]>> TARGETS = Map.of(
            "config", ConfigParserFuzzer::fuzzerTestOneInput,
            "vrrp", VrrpDecoderFuzzer::fuzzerTestOneInput,
            "admin", AdminRequestFuzzer::fuzzerTestOneInput,
            "conntrack", ConntrackMessageFuzzer::fuzzerTestOneInput);

    @Test
    void everyCorpusHasATargetAndInputs() {
        assertThat(FuzzCorpus.targets()).containsExactlyInAnyOrder("admin", "config", "conntrack", "http", "smtp", "vrrp");
        for (String t : FuzzCorpus.targets()) assertThat(FuzzCorpus.inputs(t)).as(t).isNotEmpty();
    }

    static Stream<Arguments> inputs() {
        return TARGETS.keySet().stream().sorted()
                .flatMap(t -> FuzzCorpus.inputs(t).stream().map(p -> Arguments.of(t, p)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("inputs")
    void targetHoldsOn(String target, Path input) {
        TARGETS.get(target).accept(FuzzCorpus.read(input));
    }
}
