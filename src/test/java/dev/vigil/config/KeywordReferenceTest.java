package dev.vigil.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/keywords.md is exactly what the keyword table generates, so the reference cannot drift. */
class KeywordReferenceTest {
    static final Path DOC = Path.of("docs/keywords.md");

    @Test
    void docsKeywordsMdIsUpToDate() throws IOException {
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as("docs/keywords.md is stale; regenerate it: mvn -B -q -o compile && "
                        + "java -cp target/classes dev.vigil.config.KeywordReference docs/keywords.md")
                .isEqualTo(KeywordReference.markdown());
    }

    @Test
    void everyKeywordOfTheTableIsDocumented() {
        String doc = KeywordReference.markdown();
        for (Keyword k : KeywordTable.standard().all()) {
            assertThat(doc).contains(k.support() == Keyword.Support.IGNORED ? "`" + k.name() + "`"
                    : "| `" + k.name() + "` |");
        }
        assertThat(doc).contains("| `priority` | `<1..255>` | 100 |  | yes |");
        assertThat(doc).contains("| `delay_loop` | `<TIMER>` | 60 | s | yes |");
    }
}
