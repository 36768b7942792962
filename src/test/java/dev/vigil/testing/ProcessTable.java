package dev.vigil.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code /proc} says about every process on the machine, for tests that must prove a process tree
 * is gone: processes tagged by their {@code argv[0]} (a script can set it with bash's {@code exec -a}),
 * and zombies. A process that exits while it is being read is skipped.
 */
public final class ProcessTable {

    /** One line of {@code /proc/PID/stat}: the fields these tests need. */
    public record Entry(long pid, char state, long parent, String argv0) {}

    private ProcessTable() {}

    /** Every process that can be read now. */
    public static List<Entry> all() {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path dir : dirs) read(dir).ifPresent(entries::add);
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return entries;
    }

    /** Live (not zombie) processes whose {@code argv[0]} is {@code tag}. */
    public static List<Long> tagged(String tag) {
        return all().stream().filter(e -> e.state() != 'Z' && e.argv0().equals(tag)).map(Entry::pid).toList();
    }

    /** Zombie children of {@code parent}: exited, never reaped. */
    public static List<Long> zombieChildren(long parent) {
        return all().stream().filter(e -> e.state() == 'Z' && e.parent() == parent).map(Entry::pid).toList();
    }

    private static Optional<Entry> read(Path dir) {
        try {
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
            // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so split after the last ')'
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            byte[] cmdline = Files.readAllBytes(dir.resolve("cmdline"));
            int end = 0;
            while (end < cmdline.length && cmdline[end] != 0) end++;
            return Optional.of(new Entry(Long.parseLong(dir.getFileName().toString()), rest[0].charAt(0),
                    Long.parseLong(rest[1]), new String(cmdline, 0, end, StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // gone meanwhile
        }
    }
}
