package dev.vigil.script;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * keepalived's {@code enable_script_security} rule: nobody but root, or the user the script runs as, may be
 * able to change what runs. The path is resolved one component at a time, as the kernel resolves it when it
 * executes the script, and judged where it really leads: every directory and the file itself. A symbolic link
 * met on the way is judged by its owner (in a sticky directory its owner may replace it) and by the directory
 * holding it, which was judged before it; its own mode means nothing on Linux. Owners count, not only write
 * bits: an owner may {@code chmod} its file or directory writable again at any time.
 */
final class ScriptSecurity {

    /** Linux's own limit (MAXSYMLINKS) on links followed while resolving one path. */
    private static final int MAX_LINKS = 40;
    private static final int S_IFMT = 0170000, S_IFLNK = 0120000, S_IFDIR = 0040000;
    private static final int STICKY = 01000, GROUP_WRITE = 020, OTHERS_WRITE = 02;

    private ScriptSecurity() {}

    /**
     * Empty when {@code executable} may be run by a process of uid {@code runAsUid} (empty: root); otherwise
     * the reason, naming the offending file, directory or link.
     */
    static Optional<String> check(Path executable, Optional<Integer> runAsUid) {
        Path root = executable.getFileSystem().getRootDirectories().iterator().next();
        Deque<String> names = new ArrayDeque<>();
        executable.toAbsolutePath().forEach(n -> names.add(n.toString()));
        Path at = root;
        Optional<String> bad = judge(at, runAsUid);
        int links = 0;
        while (bad.isEmpty() && !names.isEmpty()) {
            String name = names.removeFirst();
            if (name.equals(".")) continue;
            if (name.equals("..")) {
                // "at" holds no links, so its lexical parent is where ".." leads.
                if (at.getParent() != null) at = at.getParent();
                continue;
            }
            Path next = at.resolve(name);
            Map<String, Object> a;
            try {
                a = Files.readAttributes(next, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
            } catch (IOException | UnsupportedOperationException e) {
                return Optional.of("script security: cannot inspect " + next + ": " + e.getMessage());
            }
            if ((attribute(a, "mode") & S_IFMT) != S_IFLNK) {
                bad = judge(next, a, runAsUid);
                at = next;
                continue;
            }
            bad = judgeOwner("link ", next, attribute(a, "uid"), runAsUid);
            if (++links > MAX_LINKS) {
                return Optional.of("script security: too many symbolic links resolving " + executable);
            }
            Path target;
            try {
                target = Files.readSymbolicLink(next);
            } catch (IOException e) {
                return Optional.of("script security: cannot read link " + next + ": " + e.getMessage());
            }
            List<String> targetNames = new ArrayList<>();
            target.forEach(n -> targetNames.add(n.toString()));
            for (int i = targetNames.size() - 1; i >= 0; i--) names.addFirst(targetNames.get(i));
            if (target.isAbsolute()) at = root;
        }
        return bad;
    }

    private static Optional<String> judge(Path p, Optional<Integer> runAsUid) {
        try {
            return judge(p, Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS), runAsUid);
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("script security: cannot inspect " + p + ": " + e.getMessage());
        }
    }

    /** One of the {@code unix:mode,uid,gid} attributes read above; the view always has them. */
    private static int attribute(Map<String, Object> a, String name) {
        return (Integer) Objects.requireNonNull(a.get(name), name);
    }

    private static Optional<String> judge(Path p, Map<String, Object> a, Optional<Integer> runAsUid) {
        int mode = attribute(a, "mode");
        boolean directory = (mode & S_IFMT) == S_IFDIR;
        String what = directory ? "directory " : "script ";
        Optional<String> owner = judgeOwner(what, p, attribute(a, "uid"), runAsUid);
        if (owner.isPresent()) return owner;
        // In a sticky directory (like /tmp) others may add entries but not replace the ones they do not own.
        if (directory && (mode & STICKY) != 0) return Optional.empty();
        int gid = attribute(a, "gid");
        if ((mode & GROUP_WRITE) != 0 && gid != 0) {
            return Optional.of("script security: " + what + p + " is writable by group " + gid);
        }
        if ((mode & OTHERS_WRITE) != 0) return Optional.of("script security: " + what + p + " is writable by every user");
        return Optional.empty();
    }

    private static Optional<String> judgeOwner(String what, Path p, int uid, Optional<Integer> runAsUid) {
        if (uid == 0 || runAsUid.map(u -> u == uid).orElse(false)) return Optional.empty();
        return Optional.of("script security: " + what + p + " is owned by uid " + uid + ", who is not root"
                + runAsUid.map(u -> " nor the script's user (uid " + u + ")").orElse("")
                + " and may change it at any time");
    }

    /** The uid of a user name, from {@code /etc/passwd}; empty if unknown there. */
    static Optional<Integer> uidOf(String user) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":", -1);
                if (f.length > 3 && f[0].equals(user)) return Optional.of(Integer.parseInt(f[2]));
            }
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return user.chars().allMatch(Character::isDigit) && !user.isEmpty()
                ? Optional.of(Integer.parseInt(user)) : Optional.empty();
    }
}
