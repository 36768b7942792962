package dev.vigil.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The {@code component} tier: the test opens loopback sockets or starts helper processes, but needs no
 * root. A test without a tier annotation is a unit test, and {@link TierTagsTest} fails a unit test
 * that reaches a socket.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("component")
public @interface ComponentTest {
}
