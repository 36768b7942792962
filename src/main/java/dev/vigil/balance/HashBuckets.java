package dev.vigil.balance;

import java.net.InetAddress;

/**
 * The 256-bucket table IPVS's {@code sh} and {@code dh} share: buckets are dealt to the servers in
 * order, each taking as many consecutive buckets as its weight (at least one), and an address is
 * hashed with the kernel's {@code hash_32} (multiplicative, golden ratio).
 */
final class HashBuckets {
    static final int BITS = 8;
    static final int SIZE = 1 << BITS;
    private static final int GOLDEN_RATIO_32 = 0x61C88647;

    final RealServerState[] buckets = new RealServerState[SIZE];

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
