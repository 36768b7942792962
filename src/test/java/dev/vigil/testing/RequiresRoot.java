package dev.vigil.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test that needs root (network namespaces, raw sockets) and the listed commands. Without them
 * it is reported as skipped with the reason, never silently passed; under {@code -Dvigil.requireAll=true}
 * (CI) the skip fails the run ({@link RequireAllTests}). It puts the test in the {@code system} tier.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("system")
@ExtendWith(RootCondition.class)
public @interface RequiresRoot {
    /** Commands that must be on PATH, e.g. {@code "keepalived"}, {@code "tshark"}. */
    String[] commands() default {"ip"};
}
