package dev.vigil.forward;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.ArrayList;
import java.util.List;

/**
 * A proxy engine with two event loops on the data path the test JVM was started for (the pom runs the
 * {@code Proxy*Test} classes on each), and what a test opened around it, closed after each test in reverse.
 */
abstract class ProxyFixture {
    ProxyEngine engine;
    final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeEach
    void startEngine() {
        engine = new ProxyEngine(ProxyEngine.Options.fromSystemProperties().withEventLoops(2));
    }

    @AfterEach
    void stopEngine() throws Exception {
        engine.close();
        for (AutoCloseable c : closeAfter.reversed()) c.close();
    }
}
