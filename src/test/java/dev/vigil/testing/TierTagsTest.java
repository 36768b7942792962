package dev.vigil.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.commons.annotation.Testable;
import org.junit.platform.commons.support.AnnotationSupport;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A test without a tier annotation is a unit test, and {@code -Pfast} runs it beside everything else:
 * it must not open sockets. This reads the compiled tests: an untagged test class that reaches a
 * socket type, through its own code, the test helpers it uses or a main class that uses one directly,
 * fails here with the path to it. Main code is followed one step only, because the daemon reaches
 * every socket from everywhere. Vigil's own libc sockets (raw, packet, netlink) need root, and their
 * tests carry {@link RequiresRoot}, which is the system tier by itself.
 */
class TierTagsTest {

    private static final Set<String> TIERS = Set.of("component", "system", "soak");

    private static final Set<String> SOCKET_TYPES = Set.of(
            "java/net/Socket", "java/net/ServerSocket", "java/net/DatagramSocket", "java/net/MulticastSocket",
            "javax/net/ssl/SSLSocket", "javax/net/ssl/SSLServerSocket",
            "java/nio/channels/SocketChannel", "java/nio/channels/ServerSocketChannel",
            "java/nio/channels/DatagramChannel", "java/nio/channels/AsynchronousSocketChannel",
            "java/nio/channels/AsynchronousServerSocketChannel",
            "java/net/http/HttpClient", "java/net/HttpURLConnection",
            "com/sun/net/httpserver/HttpServer", "com/sun/net/httpserver/HttpsServer",
            "io/netty/bootstrap/Bootstrap", "io/netty/bootstrap/ServerBootstrap",
            "com/icegreen/greenmail/util/GreenMail", "jakarta/mail/Transport",
            "dev/vigil/testing/NetnsBed");

    private final Map<String, Set<String>> testReferences = references(location(TierTagsTest.class), false);
    private final Map<String, Set<String>> mainReferences = references(location(dev.vigil.daemon.Main.class), true);

    @Test
    void everyTestThatReachesASocketCarriesATier() throws ClassNotFoundException {
        Map<String, String> untagged = new TreeMap<>();
        for (Class<?> test : testClasses()) {
            if (tiered(test)) continue;
            String path = pathToSocket(test.getName().replace('.', '/'));
            if (path != null) untagged.put(test.getName(), path);
        }
        assertThat(untagged)
                .as("untagged tests are unit tests, so these need @ComponentTest (loopback, no root), "
                        + "@RequiresRoot (system) or @Soak: test > what it uses > socket")
                .isEmpty();
    }

    @Test
    void everyTagIsATierSoThatAMisspeltOneCannotSlipATestIntoTheFastRun() throws ClassNotFoundException {
        Map<String, List<String>> others = new TreeMap<>();
        for (Class<?> test : testClasses()) {
            List<AnnotatedElement> elements = new ArrayList<>(Arrays.asList(test.getDeclaredMethods()));
            elements.add(test);
            for (AnnotatedElement e : elements) {
                for (String tag : tags(e)) {
                    if (!TIERS.contains(tag)) others.computeIfAbsent(test.getName(), k -> new ArrayList<>()).add(tag);
                }
            }
        }
        assertThat(others).as("tags other than %s", TIERS).isEmpty();
    }

    /** The checker itself: it must see the socket behind a test helper and behind a main class. */
    @Test
    void findsSocketsThroughTestHelpersAndOneStepIntoMainCode() {
        assertThat(pathToSocket("dev/vigil/forward/TestBackend")).endsWith(" > java.net.ServerSocket");
        assertThat(pathToSocket("dev/vigil/report/DashboardPageTest"))
                .isEqualTo("dev.vigil.report.DashboardPageTest > dev.vigil.report.AdminServer > com.sun.net.httpserver.HttpServer");
        assertThat(pathToSocket("dev/vigil/config/LanguageTest")).isNull();
    }

    private boolean tiered(Class<?> test) {
        for (Class<?> c = test; c != null; c = c.getEnclosingClass()) {
            if (tags(c).stream().anyMatch(TIERS::contains)) return true;
        }
        return testMethods(test).allMatch(m -> tags(m).stream().anyMatch(TIERS::contains));
    }

    /** Breadth first through the test classes; a main class counts only for what it names itself. */
    private String pathToSocket(String start) {
        Map<String, String> parent = new LinkedHashMap<>();
        parent.put(start, null);
        Queue<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            String c = queue.remove();
            Set<String> named = testReferences.getOrDefault(c, mainReferences.getOrDefault(topLevel(c), Set.of()));
            for (String socket : named) {
                if (SOCKET_TYPES.contains(socket)) return (route(parent, c) + " > " + socket).replace('/', '.');
            }
            if (!testReferences.containsKey(c)) continue;
            for (String next : named) {
                boolean known = testReferences.containsKey(next) || mainReferences.containsKey(topLevel(next));
                if (known && !parent.containsKey(next)) {
                    parent.put(next, c);
                    queue.add(next);
                }
            }
        }
        return null;
    }

    private static String route(Map<String, String> parent, String end) {
        List<String> route = new ArrayList<>();
        for (String c = end; c != null; c = parent.get(c)) route.addFirst(c);
        return String.join(" > ", route);
    }

    private List<Class<?>> testClasses() throws ClassNotFoundException {
        List<Class<?>> tests = new ArrayList<>();
        for (String name : testReferences.keySet()) {
            Class<?> c = Class.forName(name.replace('/', '.'), false, getClass().getClassLoader());
            if (testMethods(c).findAny().isPresent()) tests.add(c);
        }
        return tests;
    }

    private static Stream<Method> testMethods(Class<?> c) {
        return Arrays.stream(c.getDeclaredMethods()).filter(m -> AnnotationSupport.isAnnotated(m, Testable.class));
    }

    private static List<String> tags(AnnotatedElement e) {
        return AnnotationSupport.findRepeatableAnnotations(e, Tag.class).stream().map(Tag::value).toList();
    }

    private static String topLevel(String internalName) {
        int dollar = internalName.indexOf('$');
        return dollar < 0 ? internalName : internalName.substring(0, dollar);
    }

    private static Path location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every class under a class directory and the classes its constant pool names; by top level, a class
     * holds what its nested classes name too.
     */
    private static Map<String, Set<String>> references(Path root, boolean byTopLevel) {
        Map<String, Set<String>> references = new HashMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                var model = ClassFile.of().parse(file);
                String name = model.thisClass().asInternalName();
                Set<String> named = references.computeIfAbsent(byTopLevel ? topLevel(name) : name, k -> new HashSet<>());
                for (PoolEntry entry : model.constantPool()) {
                    if (entry instanceof ClassEntry c) named.add(c.asInternalName());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + root, e);
        }
        return references;
    }
}
