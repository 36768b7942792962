package dev.vigil.health;

import dev.vigil.config.CheckTiming;
import dev.vigil.config.Checker;
import dev.vigil.config.Checker.Connection;
import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.config.ForwardingMethod;
import dev.vigil.config.GlobalDefs;
import dev.vigil.config.Protocol;
import dev.vigil.config.RealServer;
import dev.vigil.config.Scheduler;
import dev.vigil.config.Script;
import dev.vigil.config.Source;
import dev.vigil.config.VirtualServer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The one place tests build configuration model records, so a new record component changes only this file. */
public final class ConfigFixtures {

    private ConfigFixtures() {}

    public static final Source SRC = new Source("test.conf", 1, 1);

    public static Script script(String... argv) {
        return new Script(String.join(" ", argv), Arrays.asList(argv), Optional.empty(), SRC);
    }

    public static Script scriptAs(GlobalDefs.ScriptUser user, String... argv) {
        return new Script(String.join(" ", argv), Arrays.asList(argv), Optional.of(user), SRC);
    }

    public static CheckTiming timing(Duration connectTimeout, Integer retry, Duration delayBeforeRetry,
                                     Duration warmup, Duration delayLoop, Boolean alpha) {
        return new CheckTiming(Optional.ofNullable(connectTimeout), Optional.ofNullable(retry),
                Optional.ofNullable(delayBeforeRetry), Optional.ofNullable(warmup), Optional.ofNullable(delayLoop),
                Optional.ofNullable(alpha));
    }

    public static Connection connectTo(InetAddress ip, int port) {
        return new Connection(Optional.of(ip), Optional.of(port), Optional.empty(), Optional.empty());
    }

    public static Checker.TcpCheck tcp(Connection c, CheckTiming t) {
        return new Checker.TcpCheck(c, t, SRC);
    }

    public static Checker.Url url(String path, String digest, Checker.StatusRange... codes) {
        return new Checker.Url(path, Optional.ofNullable(digest),
                codes.length == 0 ? Checker.Url.DEFAULT_STATUS : List.of(codes), Optional.empty(), Optional.empty(),
                false, SRC);
    }

    public static Checker.HttpCheck http(boolean tls, Connection c, CheckTiming t, List<Checker.Url> urls,
                                         String virtualhost, boolean sni, String sniName, Path caFile) {
        return new Checker.HttpCheck(tls, c, t, urls, Optional.ofNullable(virtualhost), "1.0", sni,
                Optional.ofNullable(sniName), Optional.ofNullable(caFile), false, SRC);
    }

    public static Checker.SmtpCheck smtp(Connection c, CheckTiming t, String helo) {
        return new Checker.SmtpCheck(c, t, Optional.ofNullable(helo), SRC);
    }

    public static Checker.MiscCheck misc(Script s, Duration timeout, boolean dynamic, CheckTiming t) {
        return new Checker.MiscCheck(s, Optional.ofNullable(timeout), dynamic, Optional.empty(), t, SRC);
    }

    public static Checker.ExchangeCheck exchange(Connection c, CheckTiming t, List<ExchangeService> services,
                                                 int attempts, Checker.ExchangeCheck.Policy policy,
                                                 List<ExchangeService> required, String host) {
        return new Checker.ExchangeCheck(c, t, services, attempts, policy, required, Optional.ofNullable(host),
                Optional.empty(), SRC);
    }

    public static RealServer realServer(String ip, int port, int weight, Boolean inhibit, CheckTiming t,
                                        Script notifyUp, Script notifyDown, Checker... checkers) {
        return new RealServer(addr(ip), port, weight, Optional.empty(), Optional.ofNullable(notifyUp),
                Optional.ofNullable(notifyDown), 0, 0, Optional.empty(), Optional.empty(),
                Optional.ofNullable(inhibit), t, List.of(checkers), SRC);
    }

    public static RealServer realServer(String ip, int port, Checker... checkers) {
        return realServer(ip, port, 1, null, CheckTiming.INHERIT, null, null, checkers);
    }

    public static VirtualServer virtualServer(String ip, int port, CheckTiming t, boolean inhibit,
                                              RealServer... realServers) {
        return virtualServer(ip, port, t, inhibit, 1, 0, null, null, false, realServers);
    }

    public static VirtualServer virtualServer(String ip, int port, CheckTiming t, boolean inhibit, int quorum,
                                              int hysteresis, Script quorumUp, Script quorumDown, boolean omega,
                                              RealServer... realServers) {
        return new VirtualServer(new VirtualServer.ByAddress(addr(ip), port), Scheduler.WLC, Set.of(),
                ForwardingMethod.NAT, Protocol.TCP, Optional.empty(), Optional.empty(), Optional.empty(), false, quorum,
                hysteresis, Optional.ofNullable(quorumUp), Optional.ofNullable(quorumDown), omega, inhibit, false,
                Optional.empty(), Optional.empty(), t, VirtualServer.ProxySettings.DEFAULTS,
                VirtualServer.EngineSettings.DEFAULTS, List.of(realServers), SRC);
    }

    public static InetAddress addr(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }
}
