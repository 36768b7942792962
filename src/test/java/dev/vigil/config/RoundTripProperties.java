package dev.vigil.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.assertj.core.api.Assertions.assertThat;

/** Parsing the canonical print of a model gives the same model back (sources aside). */
class RoundTripProperties {
    static final ParseOptions OPTIONS = new ParseOptions("node", true, false);

    @Provide
    Arbitrary<NodeConfig> models() {
        return Arbitraries.randomValue(random -> new RandomModels(random).config());
    }

    @Property(tries = 400)
    void parsingThePrintGivesTheModelBack(@ForAll("models") NodeConfig model) {
        String printed = ConfigPrinter.print(model);
        ParseResult r = ConfigParser.parse(printed, "dump.conf", OPTIONS);
        assertThat(r.errors()).as(printed).isEmpty();
        assertThat(SourceErasure.erase(r.config().orElseThrow())).as(printed).isEqualTo(SourceErasure.erase(model));
        assertThat(ConfigPrinter.print(r.config().orElseThrow())).isEqualTo(printed);
    }
}
