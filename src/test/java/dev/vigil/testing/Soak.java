package dev.vigil.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The {@code soak} tier: a test that runs ten seconds or more, or loads the machine. It goes with the
 * annotation of what the test needs ({@link ComponentTest}, {@link RequiresRoot}); {@code -Pfast}
 * leaves it out, {@code ./run-tests} runs it.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("soak")
public @interface Soak {
}
