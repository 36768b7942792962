package dev.vigil.config;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

/** Parsing the canonical print of a model gives the same model back (sources aside). */
class RoundTripProperties {
    static final ParseOptions OPTIONS = new ParseOptions("node", true, false);

    private static final Gen<NodeConfig> MODELS = in -> new RandomModels(in).config();

    @Test
    void parsingThePrintGivesTheModelBack() {
        qt().withExamples(400).forAll(MODELS).checkAssert(RoundTripProperties::parsingThePrintGivesTheModelBack);
    }

    private static void parsingThePrintGivesTheModelBack(NodeConfig model) {
        String printed = ConfigPrinter.print(model);
        ParseResult r = ConfigParser.parse(printed, "dump.conf", OPTIONS);
        assertThat(r.errors()).as(printed).isEmpty();
        assertThat(SourceErasure.erase(r.config().orElseThrow())).as(printed).isEqualTo(SourceErasure.erase(model));
        assertThat(ConfigPrinter.print(r.config().orElseThrow())).isEqualTo(printed);
    }
}
