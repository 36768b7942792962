package dev.vigil.system;

import dev.vigil.report.StatusSnapshot;
import dev.vigil.report.VrrpState;
import dev.vigil.testing.NetnsBed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The seed article's whole system on one machine, in network namespaces of a {@link NetnsBed}:
 * <pre>
 *   node 1   balancer01 (the article's MASTER file)   10.199.0.1, admin 10.199.0.1:9180
 *   node 2   balancer02 (the article's BACKUP file)   10.199.0.2, admin 10.199.0.2:9180
 *   node 3-6 Exchange servers exch01..04             10.199.0.111 .. .114 :443 (test JVM threads)
 *   node 7   SMTP server (GreenMail)                 10.199.0.7:25
 *   client   the users                               10.199.0.100
 *   VIP      10.199.0.110:443, held by whichever balancer is VRRP master
 * </pre>
 * Each balancer has its own directory with its configuration, its copy of the article's
 * {@code check_exchange.sh}, and a {@code snat.py} that records its arguments in {@code notify.log}.
 * {@link #close()} stops everything and deletes every namespace (so every address with it).
 */
public final class SeedDeployment implements AutoCloseable {

    public static final int ADMIN_PORT = 9180;
    public static final int EXCHANGE_PORT = 443;
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /** One run of the notify helper: when (epoch ms) and with which arguments. */
    public record NotifyCall(long epochMillis, String arguments) {}

    private final NetnsBed bed;
    private final Path dir;
    private final Duration delayLoop;
    private final SeedConfig.Engine engine;
    private final List<VigilNodeProcess> nodes = new ArrayList<>();
    private ExchangeFleet fleet;
    private MailCatcher mail;

    private SeedDeployment(NetnsBed bed, Path dir, Duration delayLoop, SeedConfig.Engine engine) {
        this.bed = bed;
        this.dir = dir;
        this.delayLoop = delayLoop;
        this.engine = engine;
    }

    /**
     * Builds the namespaces, starts the Exchange servers and the SMTP server, and writes both balancers'
     * files under {@code dir} (emptied first). The balancers are not started yet: {@link #startNodes}.
     *
     * @param prefix the namespace prefix, at most 4 characters
     */
    public static SeedDeployment create(String prefix, Path dir, Duration delayLoop, SeedConfig.Check check) throws Exception {
        return create(prefix, dir, delayLoop, check, SeedConfig.Engine.PROXY);
    }

    /** As {@link #create(String, Path, Duration, SeedConfig.Check)}, with the balancers forwarding by {@code engine}. */
    public static SeedDeployment create(String prefix, Path dir, Duration delayLoop, SeedConfig.Check check,
                                        SeedConfig.Engine engine) throws Exception {
        deleteTree(dir);
        Files.createDirectories(dir);
        NetnsBed bed = NetnsBed.create(prefix, 7, true);
        SeedDeployment d = new SeedDeployment(bed, dir.toAbsolutePath(), delayLoop, engine);
        try {
            d.build(check);
        } catch (Exception e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void build(SeedConfig.Check check) throws Exception {
        List<String> exchangeNamespaces = new ArrayList<>();
        List<InetAddress> exchangeAddresses = new ArrayList<>();
        for (int i = 0; i < SeedConfig.EXCHANGE_ADDRESSES.size(); i++) {
            String ns = bed.node(3 + i);
            String address = SeedConfig.EXCHANGE_ADDRESSES.get(i);
            NetnsBed.mustRun("ip", "-n", ns, "addr", "add", address + "/24", "dev", NetnsBed.INTERFACE);
            exchangeNamespaces.add(ns);
            exchangeAddresses.add(InetAddress.getByName(address));
        }
        fleet = ExchangeFleet.start(exchangeNamespaces, exchangeAddresses, EXCHANGE_PORT);
        mail = MailCatcher.start(bed.node(7), SeedConfig.SMTP_ADDRESS, 25);
        for (int n = 1; n <= 2; n++) {
            Path scripts = scriptDir(n);
            Files.createDirectories(scripts);
            install(scripts.resolve("check_exchange.sh"), SeedConfig.resource("check_exchange.sh"));
            install(scripts.resolve("snat.py"), SeedConfig.resource("snat.py"));
            String name = String.format("balancer%02d", n);
            InetSocketAddress admin = new InetSocketAddress(bed.ipv4(bed.node(n)), ADMIN_PORT);
            nodes.add(new VigilNodeProcess(bed, name, bed.node(n), configFile(n), admin, dir.resolve(name + ".log")));
        }
        configure(check);
    }

    private static void install(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Writes both balancers' configuration files for {@code check}; running nodes see it after a restart. */
    public void configure(SeedConfig.Check check) throws IOException {
        for (int n = 1; n <= 2; n++) {
            Files.writeString(configFile(n), SeedConfig.mapped(n, scriptDir(n), delayLoop, check, engine),
                    StandardCharsets.UTF_8);
        }
    }

    /** Starts both balancers and waits until both admin endpoints answer. */
    public void startNodes() throws IOException, InterruptedException {
        for (VigilNodeProcess n : nodes) n.start();
        for (VigilNodeProcess n : nodes) n.awaitReady(START_TIMEOUT);
    }

    /** Balancer {@code n}: 1 runs the MASTER file, 2 the BACKUP file. */
    public VigilNodeProcess node(int n) {
        return nodes.get(n - 1);
    }

    public List<VigilNodeProcess> nodes() {
        return List.copyOf(nodes);
    }

    public ExchangeFleet fleet() {
        return fleet;
    }

    public MailCatcher mail() {
        return mail;
    }

    public NetnsBed bed() {
        return bed;
    }

    public Path dir() {
        return dir;
    }

    public Duration delayLoop() {
        return delayLoop;
    }

    public Path scriptDir(int n) {
        return dir.resolve(String.format("balancer%02d", n));
    }

    public Path configFile(int n) {
        return scriptDir(n).resolve("keepalived.conf");
    }

    public InetSocketAddress vip() {
        return new InetSocketAddress(SeedConfig.VIP, EXCHANGE_PORT);
    }

    /** Every run of balancer {@code n}'s notify helper so far. */
    public List<NotifyCall> notifyCalls(int n) throws IOException {
        Path log = scriptDir(n).resolve("notify.log");
        if (!Files.exists(log)) return List.of();
        List<NotifyCall> calls = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            int space = line.indexOf(' ');
            if (space > 0) calls.add(new NotifyCall(Long.parseLong(line.substring(0, space)), line.substring(space + 1)));
        }
        return calls;
    }

    /** Whether balancer {@code n} has the VIP on its interface (asked of the kernel, not of Vigil). */
    public boolean holdsVip(int n) throws IOException {
        String out = NetnsBed.mustRun("ip", "-n", bed.node(n), "-4", "-o", "addr", "show", "dev", NetnsBed.INTERFACE);
        return out.contains(" " + SeedConfig.VIP + "/");
    }

    /** The VRRP state balancer {@code n} reports, if it answers. */
    public Optional<VrrpState> state(int n) {
        return node(n).vrrp().map(StatusSnapshot.VrrpInstance::state);
    }

    /**
     * Waits until exactly one balancer reports MASTER and holds the VIP and the other reports BACKUP
     * (or is down); returns the master's number.
     */
    public int awaitSingleMaster(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            Optional<VrrpState> s1 = state(1);
            Optional<VrrpState> s2 = state(2);
            for (int n = 1; n <= 2; n++) {
                Optional<VrrpState> mine = n == 1 ? s1 : s2;
                Optional<VrrpState> other = n == 1 ? s2 : s1;
                if (mine.equals(Optional.of(VrrpState.MASTER))
                        && (other.isEmpty() || other.get() == VrrpState.BACKUP) && holdsVip(n)) {
                    return n;
                }
            }
            Thread.sleep(100);
        }
        throw new IOException("no single master within " + timeout + ": balancer01 " + state(1) + ", balancer02 " + state(2));
    }

    /**
     * Waits until balancer {@code n} reports MASTER and holds the VIP while the other neither reports
     * MASTER nor holds the VIP; returns the time waited.
     */
    public Duration awaitMaster(int n, Duration timeout) throws IOException, InterruptedException {
        int other = 3 - n;
        long start = System.nanoTime();
        long end = start + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (state(n).equals(Optional.of(VrrpState.MASTER)) && holdsVip(n)
                    && !state(other).equals(Optional.of(VrrpState.MASTER)) && !holdsVip(other)) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(50);
        }
        throw new IOException("balancer0" + n + " not sole master within " + timeout + ": balancer01 " + state(1)
                + (holdsVip(1) ? " with VIP" : "") + ", balancer02 " + state(2) + (holdsVip(2) ? " with VIP" : ""));
    }

    /** Steady client load through the VIP from the client namespace. */
    public ClientLoad startLoad(int workers, Duration pause) {
        return ClientLoad.start(bed.client(), vip(), workers, pause);
    }

    /** The real server at {@code address} as balancer {@code n} reports it. */
    public Optional<StatusSnapshot.RealServer> realServer(int n, String address) {
        return node(n).tryStatus().flatMap(s -> s.virtualServers().stream()
                .flatMap(vs -> vs.realServers().stream())
                .filter(r -> r.address().equals(address))
                .findFirst());
    }

    /**
     * Waits until balancer {@code n} reports the real server at {@code address} as {@code which} accepts;
     * returns the time waited. Fails with the last report when it does not happen within {@code timeout}.
     */
    public Duration awaitRealServer(int n, String address, Predicate<StatusSnapshot.RealServer> which, Duration timeout)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        long end = start + timeout.toNanos();
        Optional<StatusSnapshot.RealServer> last = Optional.empty();
        while (System.nanoTime() < end) {
            last = realServer(n, address);
            if (last.isPresent() && which.test(last.get())) return Duration.ofNanos(System.nanoTime() - start);
            Thread.sleep(100);
        }
        throw new IOException("balancer0" + n + ": real server " + address + " not as expected within " + timeout
                + "; last report: " + last);
    }

    /** Waits until balancer {@code n} reports every real server healthy. */
    public void awaitAllUp(int n, Duration timeout) throws IOException, InterruptedException {
        for (String a : SeedConfig.EXCHANGE_ADDRESSES) awaitRealServer(n, a, StatusSnapshot.RealServer::healthy, timeout);
    }

    @Override
    public void close() {
        for (VigilNodeProcess n : nodes) n.close();
        if (mail != null) mail.close();
        if (fleet != null) fleet.close();
        bed.close();
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
