package dev.vigil.script;

import dev.vigil.config.GlobalDefs.ScriptUser;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.vigil.health.ConfigFixtures.script;
import static dev.vigil.health.ConfigFixtures.scriptAs;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code enable_script_security} on real files: ownership by a real non-root user ({@code nobody}, which needs
 * root to arrange), and symbolic links, resolved and judged where they lead and where they sit.
 */
class ScriptSecurityTest {

    private static final int NOBODY = 65534;
    private static final Optional<Integer> AS_ROOT = Optional.empty();

    /** Under /tmp with mode 755, so that nobody can reach the files (JUnit's temp dirs are 700). */
    private Path dir;

    @BeforeEach
    void makeDir() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "vigil-security-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void removeDir() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private Path file(Path where, String mode) throws IOException {
        Path p = where.resolve("check.sh");
        Files.writeString(p, "#!/bin/sh\necho ran > " + where.resolve("ran") + "\nexit 0\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    private Path directory(String name, String mode) throws IOException {
        Path d = Files.createDirectory(dir.resolve(name));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
        return d;
    }

    /** Java sets no sticky bit; chmod does. */
    private static void makeSticky(Path d) throws Exception {
        Process chmod = new ProcessBuilder("chmod", "1777", d.toString()).inheritIO().start();
        assertThat(chmod.waitFor()).isZero();
        assertThat((Integer) Files.getAttribute(d, "unix:mode") & 07777).isEqualTo(01777);
    }

    private static void giveToNobody(Path p) throws IOException {
        UserPrincipal nobody = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        // On a link this changes the link's own owner (lchown), not its target's.
        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);
        assertThat(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(NOBODY);
    }

    private static ScriptResult run(ScriptRunner r, String... argv) throws Exception {
        return r.run(script(argv), Duration.ofSeconds(10)).get(30, TimeUnit.SECONDS);
    }

    @Test
    @RequiresRoot(commands = {})
    void aScriptOwnedByANonRootUserIsRefusedEvenWithItsWriteBitsOff() throws Exception {
        Path s = file(dir, "r-xr-xr-x");
        giveToNobody(s); // nobody may chmod u+w at any time and rewrite it
        assertThat(ScriptSecurity.check(s, AS_ROOT)).hasValueSatisfying(why -> assertThat(why)
                .contains("script " + s).contains("owned by uid " + NOBODY));
    }

    @Test
    @RequiresRoot(commands = {})
    void aDirectoryOwnedByANonRootUserIsRefusedEvenWithItsWriteBitsOff() throws Exception {
        Path d = directory("users", "rwxr-xr-x");
        Path s = file(d, "rwxr-xr-x");
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("r-xr-xr-x"));
        giveToNobody(d); // nobody may chmod u+w and replace check.sh
        assertThat(ScriptSecurity.check(s, AS_ROOT)).hasValueSatisfying(why -> assertThat(why)
                .contains("directory " + d).contains("owned by uid " + NOBODY));
    }

    @Test
    @RequiresRoot(commands = {})
    void theUserTheScriptRunsAsMayOwnItsPath() throws Exception {
        Path d = directory("users", "rwxr-xr-x");
        Path s = file(d, "rwxr-xr-x");
        giveToNobody(d);
        giveToNobody(s);
        assertThat(ScriptSecurity.check(s, Optional.of(NOBODY))).isEmpty();
        assertThat(ScriptSecurity.check(s, Optional.of(1))).as("any other user").isPresent();
    }

    @Test
    @RequiresRoot(commands = {"runuser"})
    void theRunnerRefusesANonRootUsersScriptAsRootButRunsItAsThatUser() throws Exception {
        Path s = file(dir, "r-xr-xr-x");
        giveToNobody(s);
        try (ScriptRunner asRoot = new ScriptRunner(Optional.empty(), true, Duration.ofMillis(300))) {
            ScriptResult r = run(asRoot, s.toString());
            assertThat(r.succeeded()).isFalse();
            assertThat(r.problem()).hasValueSatisfying(p -> assertThat(p).contains("owned by uid " + NOBODY)
                    .contains("refusing to run " + s));
            assertThat(dir.resolve("ran")).as("the script did not run").doesNotExist();
            assertThat(asRoot.counters().refused()).isEqualTo(1);
        }
        makeSticky(dir); // so that nobody can write "ran"
        try (ScriptRunner asNobody = new ScriptRunner(Optional.empty(), true, Duration.ofMillis(300))) {
            ScriptResult r = asNobody.run(scriptAs(new ScriptUser("nobody", Optional.empty()), s.toString()),
                    Duration.ofSeconds(10)).get(30, TimeUnit.SECONDS);
            assertThat(r.problem()).isEmpty();
            assertThat(r.succeeded()).isTrue();
            assertThat(dir.resolve("ran")).exists();
        }
    }

    @Test
    void binTrueThroughDebiansMergedUsrLinkIsAccepted() throws Exception {
        assertThat(Files.isSymbolicLink(Path.of("/bin"))).as("/bin is a link to usr/bin on this machine").isTrue();
        assertThat(ScriptSecurity.check(Path.of("/bin/true"), AS_ROOT)).isEmpty();
        try (ScriptRunner secure = new ScriptRunner(Optional.empty(), true, Duration.ofMillis(300))) {
            ScriptResult r = run(secure, "/bin/true");
            assertThat(r.problem()).isEmpty();
            assertThat(r.succeeded()).isTrue();
        }
    }

    @Test
    void aLinkedDirectoryIsJudgedWhereItLeads() throws Exception {
        Path real = directory("real", "rwxr-xr-x");
        file(real, "rwxr-xr-x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        Path relative = Files.createSymbolicLink(dir.resolve("relative"), Path.of("./real/../real"));
        assertThat(ScriptSecurity.check(link.resolve("check.sh"), AS_ROOT)).isEmpty();
        assertThat(ScriptSecurity.check(relative.resolve("check.sh"), AS_ROOT)).isEmpty();
    }

    @Test
    void aLinkIntoAWorldWritableDirectoryIsRefusedNamingThatDirectory() throws Exception {
        Path open = directory("open", "rwxrwxrwx");
        file(open, "rwxr-xr-x");
        Path link = Files.createSymbolicLink(dir.resolve("innocent"), open);
        assertThat(ScriptSecurity.check(link.resolve("check.sh"), AS_ROOT)).hasValueSatisfying(why ->
                assertThat(why).contains("directory " + open).contains("writable by every user"));
    }

    @Test
    void aLinkInAWorldWritableDirectoryIsRefusedSinceAnyoneCouldRepointIt() throws Exception {
        Path open = directory("open", "rwxrwxrwx");
        Path link = Files.createSymbolicLink(open.resolve("true"), Path.of("/usr/bin/true"));
        assertThat(ScriptSecurity.check(link, AS_ROOT)).hasValueSatisfying(why ->
                assertThat(why).contains("directory " + open));
    }

    @Test
    @RequiresRoot(commands = {})
    void aNonRootUsersLinkInAStickyDirectoryIsRefused() throws Exception {
        // In a sticky directory only a link's owner may replace it: nobody could repoint this one.
        Path sticky = directory("sticky", "rwxr-xr-x");
        makeSticky(sticky);
        Path link = Files.createSymbolicLink(sticky.resolve("true"), Path.of("/usr/bin/true"));
        assertThat(ScriptSecurity.check(link, AS_ROOT)).as("root's link").isEmpty();
        giveToNobody(link);
        assertThat(ScriptSecurity.check(link, AS_ROOT)).hasValueSatisfying(why ->
                assertThat(why).contains("link " + link).contains("owned by uid " + NOBODY));
    }

    @Test
    void aLinkLoopIsRefusedNotFollowedForever() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        assertThat(ScriptSecurity.check(a.resolve("check.sh"), AS_ROOT)).hasValueSatisfying(why ->
                assertThat(why).contains(a.toString()));
    }
}
