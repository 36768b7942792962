package dev.vigil.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kernel settings under {@code /proc/sys}. Those under {@code net.} belong to the network namespace of the
 * thread that opens the file: call them on a {@link NamespaceThread} to set another namespace's.
 */
public final class Sysctl {
    private Sysctl() {}

    /** The value of {@code name} (e.g. {@code net.ipv4.ip_forward}), trimmed. */
    public static String get(String name) throws NativeException {
        try {
            return Files.readString(path(name)).strip();
        } catch (IOException e) {
            throw new NativeException("cannot read sysctl " + name + ": " + e);
        }
    }

    /**
     * Sets {@code name} to {@code value} unless it already has it.
     *
     * @return true when it changed
     */
    public static boolean set(String name, String value) throws NativeException {
        if (get(name).equals(value)) return false;
        try {
            Files.writeString(path(name), value);
            return true;
        } catch (IOException e) {
            throw new NativeException("cannot set sysctl " + name + " to " + value + ": " + e
                    + " (it needs root, and a writable /proc/sys in a container)");
        }
    }

    static Path path(String name) {
        if (!name.matches("[a-z0-9_]+(\\.[a-z0-9_.-]+)*") || name.contains("..")) {
            throw new IllegalArgumentException("bad sysctl name: " + name);
        }
        return Path.of("/proc/sys", name.replace('.', '/'));
    }
}
