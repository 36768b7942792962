package dev.vigil.script;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;

/**
 * keepalived's {@code enable_script_security} rule: a script must not be changeable by anyone but root
 * (or the user it runs as), neither the file nor any directory on its path, following symbolic links.
 */
final class ScriptSecurity {

    private ScriptSecurity() {}

    /** Empty when the file may be run; otherwise the reason, naming the offending file. */
    static Optional<String> check(Path executable, Optional<Integer> runAsUid) {
        Path real;
        try {
            real = executable.toRealPath();
        } catch (IOException e) {
            return Optional.of("script security: cannot resolve " + executable + ": " + e.getMessage());
        }
        // Symbolic links on the way are resolved by toRealPath; each resolved component is judged.
        for (Path p = real; p != null; p = p.getParent()) {
            Optional<String> bad = judge(p, p.equals(real), runAsUid);
            if (bad.isPresent()) return bad;
        }
        if (!executable.normalize().equals(real)) {
            // A link's own directory could let someone repoint it.
            for (Path p = executable.toAbsolutePath().normalize().getParent(); p != null; p = p.getParent()) {
                Optional<String> bad = judge(p, false, runAsUid);
                if (bad.isPresent()) return bad;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> judge(Path p, boolean isScript, Optional<Integer> runAsUid) {
        PosixFileAttributes a;
        int uid;
        int gid;
        try {
            a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("script security: cannot inspect " + p + ": " + e.getMessage());
        }
        Set<PosixFilePermission> perms = a.permissions();
        String what = isScript ? "script " : "directory ";
        boolean ownerOk = uid == 0 || runAsUid.map(u -> u == uid).orElse(false);
        if (!ownerOk && perms.contains(PosixFilePermission.OWNER_WRITE)) {
            return Optional.of("script security: " + what + p + " is owned by uid " + uid
                    + " and writable by that non-root user");
        }
        if (perms.contains(PosixFilePermission.GROUP_WRITE) && gid != 0) {
            return Optional.of("script security: " + what + p + " is writable by group " + gid);
        }
        // A world-writable sticky directory (like /tmp) cannot have root's files replaced by others.
        boolean sticky = !isScript && isSticky(p);
        if (perms.contains(PosixFilePermission.OTHERS_WRITE) && !sticky) {
            return Optional.of("script security: " + what + p + " is writable by every user");
        }
        return Optional.empty();
    }

    private static boolean isSticky(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & 01000) != 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The uid of a user name, from {@code /etc/passwd}; empty if unknown there. */
    static Optional<Integer> uidOf(String user) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length > 3 && f[0].equals(user)) return Optional.of(Integer.parseInt(f[2]));
            }
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return user.chars().allMatch(Character::isDigit) && !user.isEmpty()
                ? Optional.of(Integer.parseInt(user)) : Optional.empty();
    }
}
