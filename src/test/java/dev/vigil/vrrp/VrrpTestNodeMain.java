package dev.vigil.vrrp;

import java.time.Duration;
import java.util.List;

/**
 * A one-instance Vigil VRRP node as its own process, for system tests that need a real {@code kill -9}
 * or SIGTERM: {@code ip netns exec NS java -cp CP dev.vigil.vrrp.VrrpTestNodeMain VERSION PRIORITY INTERVAL_MS VIP}.
 * A shutdown hook does what {@code vigil run} does on SIGTERM.
 */
public final class VrrpTestNodeMain {

    private VrrpTestNodeMain() {}

    public static void main(String[] args) throws Exception {
        var instance = VrrpTestModel.instance().version(Integer.parseInt(args[0])).priority(Integer.parseInt(args[1]))
                .advertInterval(Duration.ofMillis(Long.parseLong(args[2]))).vips(args[3]);
        var network = LinuxVrrpNetwork.open();
        var node = new VrrpNode(List.of(instance.build()), List.of(), List.of(), network,
                (name, from, to, prio) -> System.out.println("STATE " + name + " " + to + " " + prio));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.shutdown();
            network.close();
        }));
        node.start();
        System.out.println("started");
        Thread.currentThread().join();
    }
}
