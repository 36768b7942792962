package dev.vigil.system;

import dev.vigil.report.StatusSnapshot;
import dev.vigil.report.VrrpState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Polls every balancer's VRRP state over its admin endpoint, on its own thread, for as long as it is
 * open, so that a moment with two masters can be found afterwards.
 *
 * <p>A poll is not atomic: when the new master takes over, the other node steps down when the new
 * master's first advertisement arrives (well under a millisecond later on one bridge), and a poll that
 * reads the two nodes across that instant could see both as MASTER. So two masters count as a
 * violation only if the newer one had been master for longer than {@code grace} when the poll began
 * (by its own {@code master_since}), or, if a node reports no {@code master_since}, in two polls in a row.
 */
public final class MasterWatch implements AutoCloseable {

    /** One poll: when it began, and each node's instance (empty if the node did not answer). */
    public record Sample(Instant wall, long nanos, List<Optional<StatusSnapshot.VrrpInstance>> instances) {
        long masters() {
            return instances.stream().filter(i -> i.isPresent() && i.get().state() == VrrpState.MASTER).count();
        }
    }

    private final List<VigilNodeProcess> nodes;
    private final Duration period;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    private MasterWatch(List<VigilNodeProcess> nodes, Duration period) {
        this.nodes = List.copyOf(nodes);
        this.period = period;
        this.thread = Thread.ofPlatform().name("master-watch").daemon().unstarted(this::run);
    }

    public static MasterWatch start(List<VigilNodeProcess> nodes, Duration period) {
        MasterWatch w = new MasterWatch(nodes, period);
        w.thread.start();
        return w;
    }

    private void run() {
        while (!closed) {
            Instant wall = Instant.now();
            long nanos = System.nanoTime();
            List<Optional<StatusSnapshot.VrrpInstance>> states = new ArrayList<>();
            for (VigilNodeProcess n : nodes) states.add(n.vrrp());
            samples.add(new Sample(wall, nanos, states));
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Descriptions of the polls that saw two masters beyond {@code grace}; empty is the good answer. */
    public List<String> dualMasters(Duration grace) {
        List<String> bad = new ArrayList<>();
        List<Sample> all = samples();
        for (int i = 0; i < all.size(); i++) {
            Sample s = all.get(i);
            if (s.masters() < 2) continue;
            Optional<Instant> newest = Optional.empty();
            boolean known = true;
            for (var inst : s.instances()) {
                if (inst.isEmpty() || inst.get().state() != VrrpState.MASTER) continue;
                if (inst.get().masterSince().isEmpty()) known = false;
                else if (newest.isEmpty() || inst.get().masterSince().get().isAfter(newest.get())) newest = inst.get().masterSince();
            }
            boolean violation = known
                    ? s.wall().isAfter(newest.get().plus(grace))
                    : i > 0 && all.get(i - 1).masters() >= 2;
            if (violation) bad.add(s.wall() + ": " + s.instances());
        }
        return bad;
    }

    /** Polls in which every node answered. */
    public long answeredPolls() {
        return samples.stream().filter(s -> s.instances().stream().allMatch(Optional::isPresent)).count();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
