package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * The 256-bucket table IPVS's {@code sh} and {@code dh} share: buckets are dealt to the servers in
 * order, each taking as many consecutive buckets as its weight (at least one), and an address is
 * hashed with the kernel's {@code hash_32} (multiplicative, golden ratio).
 */
final class HashBuckets {
    static final int BITS = 8;
    static final int SIZE = 1 << BITS;
    private static final int GOLDEN_RATIO_32 = 0x61C88647;

    final @Nullable RealServerState[] buckets = new RealServerState[SIZE];

    HashBuckets(RealServerState[] servers) {
        int p = 0, dealt = 0;
        for (int i = 0; i < SIZE && servers.length > 0; i++) {
            RealServerState s = servers[p];
            buckets[i] = s;
            if (++dealt >= s.weight()) {
                p = (p + 1) % servers.length;
                dealt = 0;
            }
        }
    }

    /**
     * IPVS's {@code sh-fallback} walk from bucket {@code first} (where the client's hash fell, its server
     * unavailable): the first server of the walk that accepts new connections, or null. The bucket at step
     * {@code offset} is {@code hash(client, port, (offset + first) % SIZE)}, i.e. {@code 2 * first + offset}
     * modulo the size, so the walk, and its result, depend on {@code first} alone: the kernel engine fills a
     * bucket whose server is unavailable with this server ahead of time.
     */
    @Nullable RealServerState fallback(int first, Set<InetSocketAddress> excluded) {
        for (int offset = 0; offset < SIZE; offset++) {
            RealServerState s = buckets[(((offset + first) % SIZE) + first) & (SIZE - 1)];
            if (s == null) return null; // an empty table: IPVS stops the walk
            if (s.acceptsNew(excluded)) return s;
        }
        return null;
    }

    static int hash(InetAddress address, int port, int offset) {
        return (offset + hash32(port + fold(address))) & (SIZE - 1);
    }

    private static int hash32(int value) {
        return (value * GOLDEN_RATIO_32) >>> (32 - BITS);
    }

    /** IPv4 as a number; IPv6 folded by XOR of its four words, as IPVS does. */
    static int fold(InetAddress address) {
        byte[] b = address.getAddress();
        int folded = 0;
        for (int i = 0; i < b.length; i += 4) {
            folded ^= ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
        }
        return folded;
    }

    static RealServerState[] inService(RealServerState[] servers) {
        // Servers the health part took out are not in IPVS's service at all; quiesced ones are.
        return java.util.Arrays.stream(servers).filter(RealServerState::alive).toArray(RealServerState[]::new);
    }
}
