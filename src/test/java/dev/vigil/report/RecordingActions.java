package dev.vigil.report;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what the admin API asked for; knows one real server, 10.0.0.11:443 in 10.0.0.1:443. */
final class RecordingActions implements AdminActions {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile ReloadResult reloadResult = new ReloadResult(true, "reloaded", List.of());
    volatile RuntimeException failure;
    volatile boolean ready = true;

    @Override
    public boolean ready() {
        return ready;
    }

    private boolean matches(Optional<ServerAddress> vs, ServerAddress rs) {
        return rs.equals(ServerAddress.parse("10.0.0.11:443"))
                && vs.map(v -> v.equals(ServerAddress.parse("10.0.0.1:443"))).orElse(true);
    }

    @Override
    public boolean drain(Optional<ServerAddress> vs, ServerAddress rs) {
        if (failure != null) throw failure;
        calls.add("drain " + vs.map(Object::toString).orElse("*") + " " + rs);
        return matches(vs, rs);
    }

    @Override
    public boolean enable(Optional<ServerAddress> vs, ServerAddress rs) {
        calls.add("enable " + vs.map(Object::toString).orElse("*") + " " + rs);
        return matches(vs, rs);
    }

    @Override
    public List<ConnectionEntry> connections() {
        calls.add("connections");
        return List.of();
    }

    @Override
    public ReloadResult reload() {
        if (failure != null) throw failure;
        calls.add("reload");
        return reloadResult;
    }
}
