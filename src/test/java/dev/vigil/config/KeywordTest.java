package dev.vigil.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeywordTest {
    static final Keyword.Handler<Object> NOTHING = (d, n, c) -> { };

    @Test
    void aRowHasWhatItsBuilderSetAndIsOtherwiseActedOnWithEmptyFields() {
        Keyword k = Keyword.keyword("delay_loop").in(Block.CHECK_TIMING).value("<TIMER>").defaultValue("60")
                .unit("s").doc("Time between checks.").example("delay_loop 20").handler(NOTHING);
        assertThat(k).isEqualTo(new Keyword("delay_loop", Block.CHECK_TIMING, "<TIMER>", "60", "s",
                Keyword.Support.ACTED, Keyword.Shape.VALUE, "Time between checks.", "delay_loop 20", NOTHING));

        Keyword b = Keyword.keyword("url").in(Block.HTTP_CHECK).block("{ ... }").doc("A page.")
                .support(Keyword.Support.PARSED_ONLY).handler(NOTHING);
        assertThat(b.shape()).isEqualTo(Keyword.Shape.BLOCK);
        assertThat(b.support()).isEqualTo(Keyword.Support.PARSED_ONLY);
        assertThat(List.of(b.defaultValue(), b.unit(), b.example())).containsOnly("");
    }

    @Test
    void aRowNeedsABlockAShapeAndADescription() {
        assertThatThrownBy(() -> Keyword.keyword("x").value("").doc("d").handler(NOTHING))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("x");
        assertThatThrownBy(() -> Keyword.keyword("x").in(Block.TOP).doc("d").handler(NOTHING))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Keyword.keyword("x").in(Block.TOP).value("").handler(NOTHING))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void ignoredRowsCarryTheirReason() {
        List<Keyword> rows = Keyword.ignored(Block.URL, "not needed", "regex_stack", "regex_options");
        assertThat(rows).extracting(Keyword::name).containsExactly("regex_stack", "regex_options");
        assertThat(rows).allSatisfy(k -> {
            assertThat(k.block()).isEqualTo(Block.URL);
            assertThat(k.support()).isEqualTo(Keyword.Support.IGNORED);
            assertThat(k.shape()).isEqualTo(Keyword.Shape.ANY);
            assertThat(k.description()).isEqualTo("not needed");
            assertThat(k.example()).isEmpty();
        });
    }
}
