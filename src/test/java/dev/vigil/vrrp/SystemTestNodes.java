package dev.vigil.vrrp;

import dev.vigil.testing.NetnsBed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What the VRRP system tests share on top of {@link NetnsBed}: Vigil nodes in namespaces (in this JVM),
 * keepalived peers, VIP checks through the kernel, and a tshark capture on the client.
 */
final class SystemTestNodes implements AutoCloseable {

    static final String VIP = "10.199.0.50";

    final NetnsBed bed;
    final Path dir;
    private final List<VrrpNode> vigils = new ArrayList<>();
    private final List<LinuxVrrpNetwork> networks = new ArrayList<>();

    SystemTestNodes(NetnsBed bed) throws IOException {
        this.bed = bed;
        this.dir = Files.createTempDirectory("vrrp-system-");
    }

    /** Starts a Vigil node in node namespace {@code i}. */
    VrrpNode vigil(int i, VrrpTestModel.Instance instance) throws IOException {
        var network = LinuxVrrpNetwork.inNamespace(bed.node(i));
        networks.add(network);
        var node = new VrrpNode(List.of(instance.build()), List.of(), List.of(), network, VrrpListener.NONE);
        vigils.add(node);
        node.start();
        return node;
    }

    /** Starts keepalived in node namespace {@code i} with one vrrp_instance body. */
    Process keepalived(int i, String instanceBody) throws IOException {
        Path conf = dir.resolve("k" + i + ".conf");
        Files.writeString(conf, "global_defs {\n  router_id ka" + i + "\n}\nvrrp_instance VI_1 {\n" + instanceBody + "\n}\n");
        NetnsBed.Result check = NetnsBed.runCommand(List.of("keepalived", "-t", "-f", conf.toString()));
        if (!check.ok()) throw new IOException("keepalived -t rejects " + conf + ": " + check.stdout() + check.stderr());
        Path log = dir.resolve("k" + i + ".log");
        return bed.start(bed.node(i), List.of("keepalived", "-n", "-l", "-D", "-P", "-f", conf.toString(),
                "-p", dir.resolve("k" + i + ".pid").toString(), "-r", dir.resolve("kv" + i + ".pid").toString()), log);
    }

    String keepalivedLog(int i) {
        Path log = dir.resolve("k" + i + ".log");
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    boolean holdsVip(int i) {
        try {
            return bed.exec(bed.node(i), "ip", "-o", "addr", "show", "dev", NetnsBed.INTERFACE).contains(" " + VIP + "/");
        } catch (IOException e) {
            return false;
        }
    }

    void dropVip(int i) throws IOException {
        bed.run(bed.node(i), "ip", "addr", "del", VIP + "/32", "dev", NetnsBed.INTERFACE);
    }

    static double await(BooleanSupplier condition, double timeoutSeconds, String what) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + (long) (timeoutSeconds * 1e9);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeoutSeconds + " s waiting for " + what);
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** A tshark capture of VRRP and ARP on the client namespace. */
    final class Capture implements AutoCloseable {
        final Path file;
        private final Process process;

        Capture(String name) throws IOException, InterruptedException {
            file = dir.resolve(name + ".pcapng");
            process = bed.start(bed.client(), List.of("tshark", "-q", "-i", NetnsBed.INTERFACE, "-f",
                    "ip proto 112 or ip6 proto 112 or arp", "-w", file.toString()), dir.resolve(name + ".tshark.log"));
            await(() -> Files.exists(file), 10, "tshark to start");
            Thread.sleep(1000);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy(); // SIGTERM: tshark finishes the file
            process.waitFor(10, TimeUnit.SECONDS);
        }

        /** vrrp.md section 5's gate: empty when every VRRP packet is well formed. */
        String gate() throws IOException {
            return NetnsBed.runCommand(List.of("tshark", "-r", file.toString(), "-Y",
                    "vrrp && (vrrp.checksum.status != 1 || (ip && ip.ttl != 255) || (ipv6 && ipv6.hlim != 255) || _ws.malformed || _ws.expert.severity >= warning)"))
                    .stdout().strip();
        }

        long vrrpPackets() throws IOException {
            return NetnsBed.runCommand(List.of("tshark", "-r", file.toString(), "-Y", "vrrp")).stdout().lines().count();
        }

        /** Adverts as (epoch seconds, source, priority), in capture order. */
        List<String[]> adverts() throws IOException {
            return NetnsBed.runCommand(List.of("tshark", "-r", file.toString(), "-Y", "vrrp", "-T", "fields",
                    "-e", "frame.time_epoch", "-e", "ip.src", "-e", "vrrp.prio")).stdout().lines()
                    .map(l -> l.split("\t")).toList();
        }

        /** Seconds from the last advert of {@code oldMaster} to the first advert of {@code newMaster} after it. */
        double takeover(String oldMaster, String newMaster) throws IOException {
            double lastOld = -1;
            for (String[] a : adverts()) {
                if (a.length < 3) continue;
                double t = Double.parseDouble(a[0]);
                if (a[1].equals(oldMaster) && !a[2].equals("0")) lastOld = t;
                else if (a[1].equals(newMaster) && lastOld > 0 && t > lastOld) return t - lastOld;
            }
            throw new AssertionError("no takeover from " + oldMaster + " to " + newMaster + " in " + file);
        }
    }

    @Override
    public void close() {
        for (VrrpNode n : vigils) n.crash();
        for (LinuxVrrpNetwork n : networks) n.close();
        bed.close(); // kills keepalived and tshark before their files go
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
