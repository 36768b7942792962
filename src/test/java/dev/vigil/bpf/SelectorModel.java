package dev.vigil.bpf;

import java.util.BitSet;
import java.util.List;

/**
 * What the selector must choose, written the way {@code balance}'s schedulers decide (LeastConnectionScheduler,
 * ShortestExpectedDelayScheduler, WeightedFailoverScheduler, OverflowScheduler, and LocalityBasedScheduler and
 * LocalityBasedReplicationScheduler in {@link Locality}): the tests compare the kernel's choice with this one.
 */
public final class SelectorModel {
    private SelectorModel() {}

    /** One server as the scheduler sees it: weight 0 takes nothing. */
    public record Server(int weight, long active, long inactive) {}

    /** The index chosen, or -1. */
    public static int choose(SelectorProgram.Rule rule, List<Server> servers) {
        int best = -1;
        long bestMetric = 0;
        for (int i = 0; i < servers.size(); i++) {
            Server s = servers.get(i);
            if (s.weight() == 0) continue;
            long overhead = (s.active() << 8) + s.inactive();
            long delay = s.active() + 1;
            Server b = best < 0 ? null : servers.get(best);
            boolean take = switch (rule) {
                case LEAST_CONNECTION -> b == null || overhead < bestMetric;
                case WEIGHTED_LEAST_CONNECTION -> b == null || bestMetric * s.weight() > overhead * b.weight();
                case SHORTEST_EXPECTED_DELAY, NEVER_QUEUE -> b == null || bestMetric * s.weight() > delay * b.weight();
                case WEIGHTED_FAILOVER -> b == null || s.weight() > b.weight();
                case OVERFLOW -> s.active() < s.weight() && (b == null || s.weight() > b.weight());
                case TWO_CHOICES -> throw new IllegalArgumentException("twos draws at random");
                case LOCALITY, LOCALITY_REPLICATION -> throw new IllegalArgumentException("see Locality");
            };
            if (rule == SelectorProgram.Rule.NEVER_QUEUE && s.active() == 0) return i;
            if (take) {
                best = i;
                bestMetric = switch (rule) {
                    case LEAST_CONNECTION, WEIGHTED_LEAST_CONNECTION -> overhead;
                    case SHORTEST_EXPECTED_DELAY, NEVER_QUEUE -> delay;
                    default -> 0;
                };
            }
        }
        return best;
    }

    /**
     * lblc's or lblcr's state for one destination address, changed by each choice as balance's scheduler changes
     * its table entry: {@link #lblc} and {@link #lblcr} are LocalityBasedScheduler's and
     * LocalityBasedReplicationScheduler's select over the kernel's view of the servers (weight 0: takes no new
     * connection), and members are kept in index order (the kernel's bits), so equals go to the lower index.
     */
    public static final class Locality {
        private final long expirationNanos, shrinkNanos;
        private int server = -1;
        private boolean present;
        private final BitSet members = new BitSet();
        private long lastUsed, lastModified;

        public Locality(long expirationNanos, long shrinkNanos) {
            this.expirationNanos = expirationNanos;
            this.shrinkNanos = shrinkNanos;
        }

        /** The same state, to be changed apart from this one. */
        public Locality copy() {
            Locality c = new Locality(expirationNanos, shrinkNanos);
            c.server = server;
            c.present = present;
            c.members.or(members);
            c.lastUsed = lastUsed;
            c.lastModified = lastModified;
            return c;
        }

        /** {@link #lblc} or {@link #lblcr}, as {@code rule} says. */
        public int select(SelectorProgram.Rule rule, List<Server> servers, long now) {
            return switch (rule) {
                case LOCALITY -> lblc(servers, now);
                case LOCALITY_REPLICATION -> lblcr(servers, now);
                default -> throw new IllegalArgumentException(rule + " keeps no locality");
            };
        }

        /** lblc's server, -1 when none is kept. */
        public int server() {
            return server;
        }

        /** lblcr's set (a copy). */
        public BitSet members() {
            return (BitSet) members.clone();
        }

        public int lblc(List<Server> servers, long now) {
            if (server >= 0 && now - lastUsed < expirationNanos) {
                Server s = servers.get(server);
                if (s.weight() > 0 && !overloaded(s, servers)) {
                    lastUsed = now;
                    return server;
                }
            }
            int chosen = choose(SelectorProgram.Rule.WEIGHTED_LEAST_CONNECTION, servers);
            if (chosen >= 0) {
                server = chosen;
                lastUsed = now;
            }
            return chosen;
        }

        public int lblcr(List<Server> servers, long now) {
            if (present && now - lastUsed >= expirationNanos) {
                present = false;
                members.clear();
            }
            BitSet m = members();
            long modified = present ? lastModified : now;
            int least = leastLoaded(m, servers);
            if (least < 0 || overloaded(servers.get(least), servers)) {
                int fresh = choose(SelectorProgram.Rule.WEIGHTED_LEAST_CONNECTION, servers);
                if (fresh >= 0) {
                    m.set(fresh);
                    least = fresh;
                    modified = now;
                } else if (least < 0) {
                    return -1;
                }
            }
            if (m.cardinality() > 1 && now - modified > shrinkNanos) {
                int most = mostLoaded(m, servers);
                if (most != least) {
                    m.clear(most);
                    modified = now;
                }
            }
            members.clear();
            members.or(m);
            present = true;
            lastModified = modified;
            lastUsed = now;
            return least;
        }

        /** ConnectionScheduler.overloadedForLocality. */
        private static boolean overloaded(Server server, List<Server> servers) {
            if (server.active() <= server.weight()) return false;
            for (Server s : servers) if (s.active() * 2 < s.weight()) return true;
            return false;
        }

        private static int leastLoaded(BitSet members, List<Server> servers) {
            int least = -1;
            long leastOverhead = 0;
            for (int i = members.nextSetBit(0); i >= 0; i = members.nextSetBit(i + 1)) {
                Server s = servers.get(i);
                if (s.weight() == 0) continue;
                long overhead = overhead(s);
                if (least < 0 || leastOverhead * s.weight() > overhead * servers.get(least).weight()) {
                    least = i;
                    leastOverhead = overhead;
                }
            }
            return least;
        }

        private static int mostLoaded(BitSet members, List<Server> servers) {
            int most = -1;
            long mostOverhead = -1;
            int mostWeight = 1;
            for (int i = members.nextSetBit(0); i >= 0; i = members.nextSetBit(i + 1)) {
                Server s = servers.get(i);
                long overhead = overhead(s);
                int w = Math.max(1, s.weight());
                if (most < 0 || overhead * mostWeight > mostOverhead * w) {
                    most = i;
                    mostOverhead = overhead;
                    mostWeight = w;
                }
            }
            return most;
        }

        private static long overhead(Server s) {
            return (s.active() << 8) + s.inactive();
        }
    }
}
