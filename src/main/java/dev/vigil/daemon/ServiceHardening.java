package dev.vigil.daemon;

import dev.vigil.config.Diagnostic;
import dev.vigil.config.GlobalDefs;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.Script;
import dev.vigil.config.Source;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code check-config --service}: what in a configuration will not work under the packaged
 * {@code vigil.service} (packaging/systemd/vigil.service), which runs Vigil as the user {@code vigil} with
 * {@code ProtectHome=yes}, {@code PrivateTmp=yes} and {@code ProtectSystem=strict} (writable: /run/vigil,
 * /var/lib/vigil, /var/log/vigil) and without CAP_SETUID. Each finding is a warning at the line that asks
 * for it; docs/operations.md ("The packaged service") says what to do instead.
 */
final class ServiceHardening {

    /** Hidden by ProtectHome=yes: the service sees them empty. */
    private static final List<String> HOMES = List.of("/home/", "/root/", "/run/user/");
    /** Replaced by PrivateTmp=yes: the service has its own, empty, /tmp and /var/tmp. */
    private static final List<String> TMPS = List.of("/tmp/", "/var/tmp/");
    /** Writable under ProtectSystem=strict: the unit's RuntimeDirectory, StateDirectory and LogsDirectory. */
    private static final List<String> WRITABLE = List.of("/run/vigil/", "/var/lib/vigil/", "/var/log/vigil/");

    private ServiceHardening() {}

    static List<Diagnostic> check(NodeConfig config) {
        List<Diagnostic> out = new ArrayList<>();
        for (Script s : scripts(config)) {
            unreachable(s.path()).ifPresent(why -> out.add(warning(s.source(), "script " + s.path() + why)));
            s.user().ifPresent(u -> out.add(warning(s.source(), userIgnored(u))));
        }
        GlobalDefs g = config.global();
        g.scriptUser().ifPresent(u -> out.add(warning(g.source(), "script_user: " + userIgnored(u))));
        Stream.of(g.notifyFifo(), g.vrrpNotifyFifo(), g.lvsNotifyFifo()).flatMap(Optional::stream).forEach(fifo -> {
            if (WRITABLE.stream().noneMatch(fifo::startsWith)) {
                out.add(warning(g.source(), "notify FIFO " + fifo + " cannot be created by vigil.service (ProtectSystem=strict "
                        + "leaves only /run/vigil, /var/lib/vigil and /var/log/vigil writable): use /run/vigil/"
                        + fifo.substring(fifo.lastIndexOf('/') + 1)));
            }
        });
        return out;
    }

    private static Optional<String> unreachable(String path) {
        if (HOMES.stream().anyMatch(path::startsWith)) {
            return Optional.of(" is invisible to vigil.service (ProtectHome=yes): move it, e.g. to /etc/vigil/scripts/");
        }
        if (TMPS.stream().anyMatch(path::startsWith)) {
            return Optional.of(" is invisible to vigil.service (PrivateTmp=yes gives it its own /tmp): move it, "
                    + "e.g. to /etc/vigil/scripts/");
        }
        return Optional.empty();
    }

    private static String userIgnored(GlobalDefs.ScriptUser u) {
        return "vigil.service runs Vigil as the user vigil, which cannot switch users (no CAP_SETUID): scripts run as "
                + "vigil, not as " + u.user() + " (run Vigil as root with a drop-in for that)";
    }

    private static Diagnostic warning(Source source, String message) {
        return new Diagnostic(Diagnostic.Severity.WARNING, source, message);
    }

    /**
     * Every {@link Script} the configuration holds, wherever it is (checkers, notify scripts, vrrp_script,
     * sync groups): found by walking its records, so a script keyword added later is covered too.
     */
    static List<Script> scripts(NodeConfig config) {
        List<Script> found = new ArrayList<>();
        walk(config, found);
        return found;
    }

    private static void walk(Object value, List<Script> found) {
        switch (value) {
            case Script s -> found.add(s);
            case Optional<?> o -> o.ifPresent(v -> walk(v, found));
            case Collection<?> c -> c.forEach(v -> walk(v, found));
            case java.util.Map<?, ?> m -> m.values().forEach(v -> walk(v, found));
            case Record r -> {
                for (RecordComponent c : r.getClass().getRecordComponents()) {
                    try {
                        var accessor = c.getAccessor();
                        accessor.trySetAccessible(); // records nested in package-private classes
                        Object v = accessor.invoke(r);
                        if (v != null) walk(v, found);
                    } catch (IllegalAccessException | InvocationTargetException e) {
                        throw new IllegalStateException("cannot read " + c + " of " + r.getClass(), e);
                    }
                }
            }
            default -> { }
        }
    }
}
