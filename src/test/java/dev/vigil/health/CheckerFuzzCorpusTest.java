package dev.vigil.health;

import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.FuzzCorpus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The committed HTTP and SMTP fuzz inputs through their targets (see dev.vigil.testing.FuzzCorpusTest).
 * Component tier only because {@link CheckConnection} names java.net.Socket: no socket is opened.
 */
@ComponentTest
class CheckerFuzzCorpusTest {

    static Stream<Arguments> inputs() {
        return Stream.of("http", "smtp").flatMap(t -> FuzzCorpus.inputs(t).stream().map(p -> Arguments.of(t, p)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("inputs")
    void targetHoldsOn(String target, Path input) {
        byte[] data = FuzzCorpus.read(input);
        if (target.equals("http")) HttpAnswerFuzzer.fuzzerTestOneInput(data);
        else SmtpReplyFuzzer.fuzzerTestOneInput(data);
    }
}
