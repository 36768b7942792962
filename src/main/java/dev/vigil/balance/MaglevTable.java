package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * A Maglev lookup table (Eisenbud et al., NSDI 2016) as IPVS's {@code mh} builds it: each server
 * walks its own permutation of the slots, taking {@code weight / gcd} free slots per round, until
 * every slot is owned. Removing one of N servers moves about 1/N of the slots. Weights are IPVS's
 * {@code last_weight} ({@link RealServerState#lastWeight}): a quiesced (weight 0) or drained server keeps its
 * slots, which then take no one (or fall back with {@code mh-fallback}), as in IPVS; a server taken down by
 * its check is not in the table at all.
 *
 * <p>{@code mh-fallback} walks the table from the client's slot to the next slot whose server takes the
 * connection ({@link #fallback}). IPVS's {@code ip_vs_mh_get_fallback} hashes the address again at every step
 * instead; the two agree on what matters: a client of an available server never moves, and the clients of an
 * unavailable one spread over the others about in proportion to their shares, since Maglev interleaves the
 * servers' permutations so that the owner of the next slot is as good as drawn by share. The walk's end
 * depends on the first slot alone, so the kernel engine holds it in its slot table ({@link #nextAccepting}).
 * Vigil's slot hash is its own either way (IPVS's is a keyed siphash), so no client's server is lost by this.
 */
final class MaglevTable {
    /** A prime, as Maglev needs; IPVS's largest table size choice. */
    static final int SIZE = 65537;

    final RealServerState[] slots = new RealServerState[SIZE];
    final boolean empty;

    MaglevTable(RealServerState[] servers) {
        int n = servers.length;
        int[] turns = new int[n];
        int gcd = 0;
        for (RealServerState s : servers) if (s.lastWeight() > 0) gcd = gcd(gcd, s.lastWeight());
        long offsets[] = new long[n], skips[] = new long[n];
        int[] next = new int[n];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            int w = servers[i].lastWeight();
            turns[i] = w > 0 ? w / gcd : 0;
            any |= turns[i] > 0;
            InetSocketAddress a = servers[i].address();
            offsets[i] = Long.remainderUnsigned(hash(a.getAddress(), a.getPort(), 0x9e3779b97f4a7c15L), SIZE);
            skips[i] = Long.remainderUnsigned(hash(a.getAddress(), a.getPort(), 0xc2b2ae3d27d4eb4fL), SIZE - 1) + 1;
        }
        empty = !any;
        int filled = 0;
        while (any && filled < SIZE) {
            for (int i = 0; i < n && filled < SIZE; i++) {
                for (int t = 0; t < turns[i] && filled < SIZE; t++) {
                    int c;
                    do {
                        c = (int) ((offsets[i] + next[i] * skips[i]) % SIZE);
                        next[i]++;
                    } while (slots[c] != null);
                    slots[c] = servers[i];
                    filled++;
                }
            }
        }
    }

    /**
     * mh-fallback from slot {@code first}: the server of the first slot after it that accepts new connections
     * and is not excluded, or null when none does.
     */
    @Nullable RealServerState fallback(int first, Set<InetSocketAddress> excluded) {
        for (int offset = 1; offset < SIZE; offset++) {
            RealServerState s = slots[(first + offset) % SIZE];
            if (s.acceptsNew(excluded)) return s;
        }
        return null;
    }

    /**
     * For every slot, where mh-fallback's walk from it ends ({@link #fallback} with nothing excluded), in one
     * backward pass around the table instead of a walk per slot; all null when no server accepts new
     * connections.
     */
    @Nullable RealServerState[] nextAccepting() {
        @Nullable RealServerState[] next = new RealServerState[SIZE];
        int start = -1;
        for (int k = 0; k < SIZE && !empty; k++) {
            if (slots[k].acceptsNew()) {
                start = k;
                break;
            }
        }
        if (start < 0) return next;
        RealServerState reached = slots[start];
        for (int step = 1; step <= SIZE; step++) {
            int k = Math.floorMod(start - step, SIZE);
            next[k] = reached;
            if (slots[k].acceptsNew()) reached = slots[k];
        }
        return next;
    }

    static int slot(InetAddress client, int port, int offset) {
        return (int) Long.remainderUnsigned(hash(client, port, 0x5851f42d4c957f2dL + offset), SIZE);
    }

    /** A 64-bit hash of address and port with a seed: FNV-1a over the bytes, then a murmur finaliser. */
    static long hash(InetAddress address, int port, long seed) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (byte b : address.getAddress()) h = (h ^ (b & 0xff)) * 0x100000001b3L;
        h = (h ^ (port & 0xffff)) * 0x100000001b3L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
