package dev.vigil.health;

import dev.vigil.config.Checker.ExchangeService;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One real server's verdict from all its checkers, pure: alive only when every checker is up (no checker:
 * always alive); weight is the configured one, moved by {@code misc_dynamic} results (exit 2..255 sets
 * the weight to code - 2; exit 0 leaves it as it was), 0 when down; a down server stays in the table
 * with weight 0 under {@code inhibit_on_failure}, else it is removed.
 */
public final class RealServerPolicy {

    /** What the balancer and the status page need to know. */
    public record Verdict(boolean alive, int weight, boolean inTable, HealthState state, String reason,
                          Map<ExchangeService, ServiceStatus> services) {
        public Verdict {
            services = Map.copyOf(services);
        }
    }

    private final int configuredWeight;
    private final boolean inhibitOnFailure;
    private final List<CheckerPolicy> checkers;
    private final List<CheckResult> last = new ArrayList<>();
    private final List<OptionalInt> dynamicWeight = new ArrayList<>();
    private String startReason = "alpha: down until the first successful check";

    public RealServerPolicy(int configuredWeight, boolean inhibitOnFailure, List<CheckerPolicy> checkers) {
        this.configuredWeight = configuredWeight;
        this.inhibitOnFailure = inhibitOnFailure;
        this.checkers = List.copyOf(checkers);
        for (int i = 0; i < checkers.size(); i++) {
            last.add(null);
            dynamicWeight.add(OptionalInt.empty());
        }
    }

    /**
     * Starts from a state known before a reload: every checker up or down, and the weight a
     * misc_dynamic check had set (when it differs from the configured one).
     */
    public void seed(boolean alive, int weight, String reason) {
        for (CheckerPolicy c : checkers) c.seed(alive);
        if (alive && weight != configuredWeight) {
            for (int i = 0; i < checkers.size(); i++) {
                // carried as if the first checker had set it; the next dynamic result replaces it
                dynamicWeight.set(i, i == 0 ? OptionalInt.of(weight) : OptionalInt.empty());
            }
        }
        startReason = reason;
    }

    public List<CheckerPolicy> checkers() {
        return checkers;
    }

    /**
     * Takes checker {@code index}'s result at {@code now} (monotonic nanoseconds, as {@link CheckerPolicy});
     * returns when that checker's next check is due.
     */
    public long record(int index, long now, CheckResult result) {
        last.set(index, result);
        if (result.ok() && result.weight().isPresent()) dynamicWeight.set(index, result.weight());
        return checkers.get(index).record(now, result.ok());
    }

    public Verdict verdict() {
        boolean alive = true;
        boolean allMaintenance = true;
        String reason = null;
        Map<ExchangeService, ServiceStatus> services = new EnumMap<>(ExchangeService.class);
        for (int i = 0; i < checkers.size(); i++) {
            CheckResult r = last.get(i);
            if (r != null) services.putAll(r.services());
            if (checkers.get(i).up()) continue;
            alive = false;
            if (r == null) {
                allMaintenance = false;
                if (reason == null) reason = startReason;
            } else {
                allMaintenance &= r.maintenance();
                if (reason == null) reason = r.reason();
            }
        }
        if (alive) {
            return new Verdict(true, aliveWeight(), true, HealthState.UP, "ok", services);
        }
        return new Verdict(false, 0, inhibitOnFailure, allMaintenance ? HealthState.MAINTENANCE : HealthState.DOWN,
                Objects.requireNonNull(reason, "a checker that is down gave its reason"), services);
    }

    private int aliveWeight() {
        long w = configuredWeight;
        for (OptionalInt d : dynamicWeight) if (d.isPresent()) w += d.getAsInt() - configuredWeight;
        return (int) Math.max(0, Math.min(65535, w));
    }
}
