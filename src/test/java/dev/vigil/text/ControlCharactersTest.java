package dev.vigil.text;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

class ControlCharactersTest {

    @Test
    void controlCharactersBecomeEscapesAndEverythingElseStays() {
        assertThat(ControlCharacters.escape("\u001b[31mred\u001b[0m")).isEqualTo("\\x1b[31mred\\x1b[0m");
        assertThat(ControlCharacters.escape("a\nb\rc\td\u0000e\u007f")).isEqualTo("a\\nb\\rc\\td\\x00e\\x7f");
        assertThat(ControlCharacters.escape("\u009b2J \u2028 \u202eevil")).isEqualTo("\\u009b2J \\u2028 \\u202eevil");
        String plain = "misc_path: exit 1: C:\\path \"quoted\" é 日本";
        assertThat(ControlCharacters.escape(plain)).isSameAs(plain);
    }

    @Test
    void theResultHasNoControlCharacterAndEscapingAgainChangesNothing() {
        qt().withExamples(2000).forAll(strings().betweenCodePoints(0, 0x3000).ofLengthBetween(0, 40)).checkAssert(s -> {
            String once = ControlCharacters.escape(s);
            assertThat(once.chars().noneMatch(c -> Character.isISOControl(c) || c == '\u2028' || c == '\u202e')).isTrue();
            assertThat(ControlCharacters.escape(once)).isEqualTo(once);
        });
    }
}
