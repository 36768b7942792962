package dev.vigil.linux;

import dev.vigil.testing.NetnsBed;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * Measures adding and removing a virtual IP through {@link Netlink} against spawning {@code ip addr},
 * in a throw-away namespace. Not a test (no speed targets in tests); run as root after
 * {@code mvn -o test-compile}:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.vigil.linux.NetlinkLatency [rounds]
 * </pre>
 * (see docs/linux-io.md for the exact command).
 */
public final class NetlinkLatency {
    private NetlinkLatency() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        try (NetnsBed bed = NetnsBed.create("vl", 1, false)) {
            String ns = bed.node(1);
            long[][] ffm = NetworkNamespace.call(ns, () -> {
                int index = NetworkInterfaces.indexOf(NetnsBed.INTERFACE);
                InterfaceAddress vip = InterfaceAddress.of(index, InetAddress.getByName("10.199.0.50"), 24).withLabel("eth0:vip");
                long[] add = new long[rounds];
                long[] remove = new long[rounds];
                try (Netlink netlink = Netlink.open()) {
                    for (int i = 0; i < rounds; i++) {
                        long t0 = System.nanoTime();
                        if (netlink.addAddress(vip) != Netlink.AddResult.ADDED) throw new IllegalStateException("not added");
                        long t1 = System.nanoTime();
                        if (netlink.removeAddress(vip) != Netlink.RemoveResult.REMOVED) throw new IllegalStateException("not removed");
                        long t2 = System.nanoTime();
                        add[i] = t1 - t0;
                        remove[i] = t2 - t1;
                    }
                }
                return new long[][] {add, remove};
            });
            int ipRounds = Math.min(rounds, 100);
            long[] ipAdd = new long[ipRounds];
            long[] ipRemove = new long[ipRounds];
            for (int i = 0; i < ipRounds; i++) {
                long t0 = System.nanoTime();
                NetnsBed.mustRun("ip", "-n", ns, "addr", "add", "10.199.0.50/24", "dev", "eth0", "label", "eth0:vip");
                long t1 = System.nanoTime();
                NetnsBed.mustRun("ip", "-n", ns, "addr", "del", "10.199.0.50/24", "dev", "eth0");
                long t2 = System.nanoTime();
                ipAdd[i] = t1 - t0;
                ipRemove[i] = t2 - t1;
            }
            // the first rounds include class loading and JIT warm-up: report them separately
            System.out.printf("rounds: %d (FFM), %d (ip)%n", rounds, ipRounds);
            print("FFM RTM_NEWADDR", ffm[0]);
            print("FFM RTM_DELADDR", ffm[1]);
            print("ip addr add    ", ipAdd);
            print("ip addr del    ", ipRemove);
        }
    }

    private static void print(String what, long[] nanos) {
        long first = nanos[0];
        long[] sorted = Arrays.copyOfRange(nanos, Math.min(10, nanos.length - 1), nanos.length);
        Arrays.sort(sorted);
        System.out.printf("%s first %8.1f us | after warm-up: min %8.1f  median %8.1f  p99 %8.1f  max %8.1f us%n", what,
                first / 1e3, sorted[0] / 1e3, sorted[sorted.length / 2] / 1e3,
                sorted[(int) Math.min(sorted.length - 1, Math.round(sorted.length * 0.99))] / 1e3, sorted[sorted.length - 1] / 1e3);
    }
}
