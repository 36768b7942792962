package dev.vigil.config;

import org.quicktheories.core.RandomnessSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import static dev.vigil.config.ConfigModels.*;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Random models in the form the parser produces (checker timing resolved, names that refer to other
 * blocks refer to blocks that exist), for the print/parse round trip. Every choice is a draw from
 * QuickTheories' source, so a failing model shrinks (to fewer blocks, shorter names, smaller numbers).
 */
final class RandomModels {
    private static final String PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
    private static final String SPECIAL = PLAIN + " \"'#!{}\\@\tä";

    private final RandomnessSource in;

    RandomModels(RandomnessSource in) {
        this.in = in;
    }

    private boolean coin() {
        return between(0, 1) == 1;
    }

    private int between(int lo, int hi) {
        return integers().between(lo, hi).generate(in);
    }

    private <T> Optional<T> maybe(Supplier<T> s) {
        return coin() ? Optional.of(s.get()) : Optional.empty();
    }

    private <T> List<T> list(int max, Supplier<T> s) {
        int n = between(0, max);
        List<T> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(s.get());
        return out;
    }

    private <T> T pick(List<T> options) {
        return options.get(between(0, options.size() - 1));
    }

    private String word(String alphabet, int min, int max) {
        int n = between(min, max);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append(alphabet.charAt(between(0, alphabet.length() - 1)));
        return b.toString();
    }

    String plain() {
        return word(PLAIN, 1, 10);
    }

    /** Text with characters the printer must quote or escape. */
    String text() {
        return coin() ? plain() : word(SPECIAL, 0, 12);
    }

    InetAddress ipv4() {
        return ip(between(1, 223) + "." + between(0, 255) + "." + between(0, 255) + "." + between(0, 255));
    }

    InetAddress ipv6() {
        return ip(String.format("2001:db8:%x::%x", between(0, 0xffff), between(1, 0xffff)));
    }

    InetAddress address() {
        return coin() ? ipv4() : ipv6();
    }

    Duration micros(long maxMicros, long minMicros) {
        long v = longs().between(minMicros, maxMicros).generate(in);
        return coin() ? Duration.ofSeconds(v / 1_000_000) : Duration.ofNanos(v * 1000);
    }

    Duration timer(double minSeconds, double maxSeconds) {
        Duration d = micros((long) (maxSeconds * 1_000_000), (long) Math.ceil(minSeconds * 1_000_000));
        long floor = (long) Math.ceil(minSeconds * 1_000_000);
        return d.toNanos() / 1000 < floor ? Duration.ofNanos(floor * 1000) : d;
    }

    Script script() {
        List<String> parts = new ArrayList<>(List.of("/usr/libexec/" + plain()));
        parts.addAll(list(3, this::plain));
        if (coin()) parts.add("'" + plain() + " " + plain() + "'");
        return ConfigModels.script(String.join(" ", parts), maybe(this::user));
    }

    GlobalDefs.ScriptUser user() {
        return new GlobalDefs.ScriptUser(plain(), maybe(this::plain));
    }

    Garp garp() {
        return new Garp(Duration.ofSeconds(between(0, 86400)), between(1, 255), Duration.ofSeconds(between(0, 86400)),
                between(1, 255));
    }

    NodeConfig config() {
        GlobalDefs global = ConfigModels.global(list(3, this::text), maybe(this::text),
                maybe(() -> coin() ? new InetSocketAddress(address(), between(1, 65535))
                        : InetSocketAddress.createUnresolved("smtp" + between(0, 9) + ".example.com", between(1, 65535))),
                maybe(this::text), Duration.ofSeconds(between(1, 3600)), coin(), maybe(this::text), coin(),
                maybe(this::user), garp(), between(2, 3), coin(),
                maybe(() -> new GlobalDefs.LvsSyncDaemon(plain(), Optional.empty(), maybe(() -> between(0, 255)),
                        maybe(() -> between(1, 65535)), maybe(() -> ip("225.0.0." + between(0, 255))), NOWHERE)),
                maybe(this::address), maybe(this::plain),
                maybe(this::plain), maybe(this::plain), maybe(() -> ip("224.0.0." + between(0, 255))),
                maybe(() -> ip(String.format("ff02::%x", between(1, 0xffff)))),
                maybe(() -> new InetSocketAddress(address(), between(0, 65535))), maybe(this::text),
                list(3, () -> "lb" + word("abcdefghijklmnopqrstuvwxyz0123456789-", 0, 8) + "x.example"),
                coin() ? 0 : between(1, 1_000_000), maybe(() -> pick(List.of(Engine.values()))));
        List<VrrpScript> scripts = new ArrayList<>();
        int nScripts = between(0, 2);
        for (int i = 0; i < nScripts; i++) {
            Duration interval = timer(0.001, 100);
            scripts.add(vrrpScript("chk_" + i + plain(), script(), interval, coin() ? interval : timer(0.001, 100),
                    between(-253, 253), coin(), between(1, 100), between(1, 100), coin()));
        }
        List<String> scriptNames = scripts.stream().map(VrrpScript::name).toList();
        List<VrrpInstance> instances = new ArrayList<>();
        int nInstances = between(0, 3);
        for (int i = 0; i < nInstances; i++) instances.add(instance(i, scriptNames));
        List<VrrpSyncGroup> groups = new ArrayList<>();
        if (!instances.isEmpty() && coin()) {
            List<String> members = instances.stream().map(VrrpInstance::name).filter(x -> coin()).toList();
            groups.add(syncGroup("SG_" + text(), members, notifyScripts(), maybe(this::coin), trackInterfaces(),
                    trackScripts(scriptNames)));
        }
        List<VirtualServerGroup> serverGroups = new ArrayList<>();
        int nGroups = between(0, 2);
        for (int i = 0; i < nGroups; i++) serverGroups.add(serverGroup("VSG_" + i + text(), list(3, this::member)));
        List<VirtualServer> servers = new ArrayList<>();
        int nServers = between(0, 3);
        // With connection sync the virtual server's own address is a SNAT target only if it floats.
        boolean synced = global.lvsSyncDaemon().isPresent()
                || instances.stream().anyMatch(i -> i.lvsSyncDaemonInterface().isPresent());
        Set<InetAddress> floating = new java.util.HashSet<>();
        instances.forEach(i -> {
            i.virtualIps().forEach(v -> floating.add(v.address()));
            i.excludedVirtualIps().forEach(v -> floating.add(v.address()));
        });
        for (int i = 0; i < nServers; i++) servers.add(virtualServer(serverGroups, synced, floating));
        return ConfigModels.config(global, scripts, instances, groups, serverGroups, servers);
    }

    private VirtualServerGroup.Member member() {
        if (coin()) return fwmark(between(0, Integer.MAX_VALUE));
        InetAddress first = address();
        Optional<InetAddress> last = Optional.empty();
        if (coin()) {
            byte[] b = first.getAddress();
            b[b.length - 1] = (byte) 0xff;
            try {
                last = Optional.of(InetAddress.getByAddress(b));
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
        return range(first, last, between(0, 65535));
    }

    private Notify notifyScripts() {
        return new Notify(maybe(this::script), maybe(this::script), maybe(this::script), maybe(this::script),
                maybe(this::script));
    }

    private List<VrrpInstance.TrackInterface> trackInterfaces() {
        return list(2, () -> new VrrpInstance.TrackInterface(text(), between(-253, 253), coin()));
    }

    private List<VrrpInstance.TrackScript> trackScripts(List<String> names) {
        if (names.isEmpty()) return List.of();
        return list(2, () -> {
            Optional<Integer> w = maybe(() -> between(-253, 253));
            return new VrrpInstance.TrackScript(pick(names), w, w.isPresent() && coin());
        });
    }

    private VirtualIp vip(boolean v6) {
        InetAddress a = v6 ? ipv6() : ipv4();
        return ConfigModels.vip(a, between(0, a.getAddress().length * 8), maybe(() -> v6 ? ipv6() : ipv4()),
                maybe(this::text), maybe(() -> pick(List.of("host", "link", "global"))), maybe(this::text));
    }

    private VrrpInstance instance(int index, List<String> scriptNames) {
        boolean v6 = coin();
        VrrpInstance.InitialState state = pick(List.of(VrrpInstance.InitialState.values()));
        int priority = between(1, 255);
        // keepalived's rules, which the parser applies: MASTER and priority 255 always preempt at once
        boolean master = state == VrrpInstance.InitialState.MASTER;
        boolean preempt = master || priority == 255 || coin();
        Duration preemptDelay = master ? Duration.ZERO : timer(0, 1000);
        return ConfigModels.instance("VI_" + index + text(), state,
                text(), index + 1, priority, timer(0.01, 40.95), between(2, 3),
                maybe(() -> new VrrpInstance.Authentication(pick(List.of(VrrpInstance.AuthType.values())),
                        word(PLAIN, 1, 8))),
                list(3, () -> vip(v6)), list(2, () -> vip(coin())), preempt, preemptDelay, maybe(this::address),
                list(3, this::address), maybe(this::address), trackInterfaces(), trackScripts(scriptNames),
                notifyScripts(), maybe(this::coin), garp(), maybe(this::plain), coin(), coin(), coin());
    }

    private Optional<CheckTiming> partialTiming() {
        return Optional.of(ConfigModels.timing(maybe(() -> timer(0.000001, 100)), maybe(() -> between(0, 10)),
                maybe(() -> timer(0, 100)), maybe(() -> timer(0, 100)), maybe(() -> timer(0.000001, 100)),
                maybe(this::coin)));
    }

    private CheckTiming fullTiming() {
        return ConfigModels.timing(timer(0.000001, 100), between(0, 10), timer(0, 100), timer(0, 100),
                timer(0.000001, 100), coin());
    }

    private Checker.Connection connection() {
        return new Checker.Connection(maybe(this::address), maybe(() -> between(0, 65535)), maybe(this::address),
                maybe(() -> between(0, 65535)));
    }

    private Checker checker() {
        return switch (between(0, 4)) {
            case 0 -> tcp(connection(), fullTiming());
            case 1 -> http(coin(), connection(), fullTiming(), urls(), maybe(this::text),
                    pick(List.of("1.0", "1.0C", "1.1")), coin(), maybe(this::text),
                    maybe(() -> Path.of("/etc/vigil/" + plain())), coin());
            case 2 -> smtp(connection(), fullTiming(), maybe(this::text));
            case 3 -> {
                Script s = script();
                Optional<GlobalDefs.ScriptUser> user = s.user().isPresent() || coin() ? Optional.of(
                        s.user().isPresent() && coin() ? s.user().get() : user()) : Optional.empty();
                yield misc(s, maybe(() -> Duration.ofSeconds(between(1, 86400))), coin(), user, fullTiming());
            }
            default -> {
                List<Checker.ExchangeService> all = new ArrayList<>(List.of(Checker.ExchangeService.values()));
                for (int i = all.size() - 1; i > 0; i--) java.util.Collections.swap(all, i, between(0, i)); // a shuffle
                List<Checker.ExchangeService> services = all.subList(0, between(1, all.size()));
                Checker.ExchangeCheck.Policy policy = pick(List.of(Checker.ExchangeCheck.Policy.values()));
                List<Checker.ExchangeService> required = services.subList(0,
                        between(policy == Checker.ExchangeCheck.Policy.LIST ? 1 : 0, services.size()));
                yield exchange(connection(), fullTiming(), services, between(1, 100), policy, required,
                        maybe(this::plain), maybe(() -> Path.of("/etc/vigil/" + plain())));
            }
        };
    }

    private List<Checker.Url> urls() {
        List<Checker.Url> urls = new ArrayList<>();
        int n = between(1, 2);
        for (int i = 0; i < n; i++) {
            List<Checker.StatusRange> codes = new ArrayList<>();
            int k = between(1, 3);
            for (int j = 0; j < k; j++) {
                int lo = between(100, 599);
                codes.add(new Checker.StatusRange(lo, coin() ? lo : between(lo, 599)));
            }
            urls.add(url("/" + text(), maybe(() -> word("0123456789abcdef", 32, 32)), codes, maybe(this::text),
                    maybe(this::plain), coin()));
        }
        return urls;
    }

    private RealServer realServer() {
        return ConfigModels.realServer(address(), between(0, 65535), between(0, 65535),
                maybe(() -> pick(List.of(ForwardingMethod.values()))), maybe(this::script), maybe(this::script),
                between(0, 100000), between(0, 100000), maybe(this::coin), maybe(this::text), maybe(this::coin),
                partialTiming().orElseThrow(), list(3, this::checker));
    }

    private VirtualServer virtualServer(List<VirtualServerGroup> groups, boolean synced, Set<InetAddress> floating) {
        VirtualServer.Key key = switch (between(0, 2)) {
            case 0 -> new VirtualServer.ByFwmark(between(1, Integer.MAX_VALUE));
            case 1 -> groups.isEmpty() ? new VirtualServer.ByAddress(address(), between(0, 65535))
                    : new VirtualServer.ByGroup(pick(groups).name());
            default -> new VirtualServer.ByAddress(address(), between(0, 65535));
        };
        Set<SchedulerFlag> flags = EnumSet.noneOf(SchedulerFlag.class);
        for (SchedulerFlag f : SchedulerFlag.values()) if (coin()) flags.add(f);
        Protocol protocol = pick(List.of(Protocol.values()));
        // What the parser refuses stays out: the proxy for UDP or a mark, SNAT to an address that does not float.
        boolean proxyCan = protocol == Protocol.TCP && key instanceof VirtualServer.ByAddress(var a, int port) && port != 0;
        Optional<Engine> engine = maybe(() -> proxyCan ? pick(List.of(Engine.values())) : Engine.KERNEL);
        Optional<InetAddress> snat = key instanceof VirtualServer.ByAddress(InetAddress a, int p)
                && !engine.equals(Optional.of(Engine.PROXY)) && (!synced || floating.contains(a)) && coin()
                ? Optional.of(a) : Optional.empty();
        return ConfigModels.virtualServer(key, pick(List.of(Scheduler.values())), flags,
                pick(List.of(ForwardingMethod.values())), protocol,
                maybe(() -> Duration.ofSeconds(between(1, 2_678_400))), maybe(this::address),
                maybe(() -> new InetSocketAddress(address(), between(0, 65535))), coin(), between(0, 1000),
                between(0, 1000), maybe(this::script), maybe(this::script), coin(), coin(), coin(), maybe(this::text),
                maybe(this::coin), partialTiming().orElseThrow(),
                new VirtualServer.ProxySettings(timer(0.001, 3600), timer(0.001, 604800), maybe(this::address), coin(),
                        coin(), coin() ? 0 : between(1, 1_000_000), coin() ? 0 : between(1, 1000), timer(0.001, 604800)),
                new VirtualServer.EngineSettings(engine, snat), list(3, this::realServer));
    }
}
