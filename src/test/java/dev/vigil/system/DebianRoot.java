package dev.vigil.system;

import dev.vigil.testing.NetnsBed;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fresh Debian 12 root for one test: a minimal debootstrap (minbase, plus what the package depends on,
 * man-db for {@code man vigil}, and systemd and procps for {@code systemd-analyze verify} of the unit, which
 * runs {@code /bin/kill}), with no Java in it. The first run builds it
 * from Debian's mirror (about 2 minutes) and keeps it as a tar in {@value #CACHE}; later runs unpack that
 * (seconds). {@code /proc} is mounted inside while it lives (the JVM and {@code $ORIGIN} need it);
 * {@link #close()} unmounts it and deletes the whole root.
 */
final class DebianRoot implements AutoCloseable {
    static final String CACHE = "/var/cache/vigil-test";
    static final String MIRROR = "http://deb.debian.org/debian";
    /** The cache's name says what it holds: a change of suite or packages makes a new one. */
    private static final String INCLUDE = "man-db,libnftables1,procps,systemd";
    private static final Path TARBALL = Path.of(CACHE, "debian12-minbase-" + INCLUDE.replace(',', '-') + ".tar");
    private static final Duration SLOW = Duration.ofMinutes(10);

    private final Path dir;
    private boolean procMounted;

    private DebianRoot(Path dir) {
        this.dir = dir;
    }

    static DebianRoot create() throws IOException {
        ensureCached();
        Path dir = Files.createTempDirectory(Path.of(CACHE), "root-");
        DebianRoot root = new DebianRoot(dir);
        try {
            run(SLOW, "tar", "-C", dir.toString(), "-xf", TARBALL.toString());
            // it is "/" inside: the user vigil must be able to enter it (tar gave it debootstrap's temporary 0700)
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            run(SLOW, "mount", "-t", "proc", "proc", dir.resolve("proc").toString());
            root.procMounted = true;
        } catch (IOException | RuntimeException e) {
            root.close();
            throw e;
        }
        return root;
    }

    /** Builds the cached tar once, under a lock, so parallel runs neither race nor both download. */
    private static void ensureCached() throws IOException {
        Files.createDirectories(Path.of(CACHE));
        try (FileChannel lock = FileChannel.open(Path.of(CACHE, ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var _ = lock.lock()) {
            if (Files.exists(TARBALL)) return;
            Path build = Files.createTempDirectory(Path.of(CACHE), "debootstrap-");
            try {
                run(SLOW, "debootstrap", "--variant=minbase", "--include=" + INCLUDE, "bookworm", build.toString(), MIRROR);
                Path partial = Path.of(TARBALL + ".partial");
                run(SLOW, "tar", "-C", build.toString(), "-cf", partial.toString(), ".");
                Files.move(partial, TARBALL, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                deleteTree(build);
            }
        }
    }

    Path dir() {
        return dir;
    }

    /** A path inside the root, e.g. {@code path("/etc/vigil/keepalived.conf")}. */
    Path path(String absolute) {
        return dir.resolve(absolute.substring(1));
    }

    /** The command line that runs {@code command} inside the root. */
    List<String> chroot(String... command) {
        List<String> full = new ArrayList<>(List.of("chroot", dir.toString()));
        full.addAll(List.of(command));
        return full;
    }

    /** Runs a command inside the root and returns its outcome without judging it. */
    NetnsBed.Result run(String... command) throws IOException {
        return NetnsBed.runCommand(chroot(command), SLOW);
    }

    /** Runs a command inside the root; fails with its output unless it exits 0. */
    String mustRun(String... command) throws IOException {
        NetnsBed.Result r = run(command);
        if (!r.ok()) {
            throw new IOException("in the Debian root: " + String.join(" ", command) + " exited " + r.exitCode()
                    + ":\n" + r.stdout() + r.stderr());
        }
        return r.stdout();
    }

    /** Every path in the root, as the root sees it (for before/after comparisons), less /tmp, caches, logs and dpkg's own. */
    List<String> files() throws IOException {
        return mustRun("find", "/", "-xdev").lines()
                .filter(p -> Stream.of("/tmp", "/var/cache", "/var/lib/dpkg", "/var/log").noneMatch(p::startsWith))
                .sorted().toList();
    }

    private static void run(Duration timeout, String... command) throws IOException {
        NetnsBed.Result r = NetnsBed.runCommand(List.of(command), timeout);
        if (!r.ok()) throw new IOException(String.join(" ", command) + " exited " + r.exitCode() + ": " + r.stderr().strip());
    }

    @Override
    public void close() throws IOException {
        if (procMounted) {
            // lazily: a process that outlived its test must not keep the root from going
            run(SLOW, "umount", "-l", dir.resolve("proc").toString());
            procMounted = false;
        }
        deleteTree(dir);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        // --one-file-system: never into a mount that outlived its unmount (a lazily detached /proc)
        run(SLOW, "rm", "-rf", "--one-file-system", root.toString());
    }
}
