package dev.vigil.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The one place tests build model records, so a record that gains a component changes only here. */
final class ConfigModels {
    private ConfigModels() {
    }

    static final Source NOWHERE = Source.BUILT_IN;

    static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }

    static Script script(String commandLine, Optional<GlobalDefs.ScriptUser> user) {
        return new Script(commandLine, ScriptArgv.split(commandLine), user, NOWHERE);
    }

    static Script script(String commandLine) {
        return script(commandLine, Optional.empty());
    }

    static CheckTiming timing(Duration connectTimeout, int retry, Duration delayBeforeRetry, Duration warmup,
                              Duration delayLoop, boolean alpha) {
        return new CheckTiming(Optional.of(connectTimeout), Optional.of(retry), Optional.of(delayBeforeRetry),
                Optional.of(warmup), Optional.of(delayLoop), Optional.of(alpha));
    }

    static CheckTiming timing(Optional<Duration> connectTimeout, Optional<Integer> retry,
                              Optional<Duration> delayBeforeRetry, Optional<Duration> warmup,
                              Optional<Duration> delayLoop, Optional<Boolean> alpha) {
        return new CheckTiming(connectTimeout, retry, delayBeforeRetry, warmup, delayLoop, alpha);
    }

    static NodeConfig config(GlobalDefs global, List<VrrpScript> scripts, List<VrrpInstance> instances,
                             List<VrrpSyncGroup> groups, List<VirtualServerGroup> serverGroups,
                             List<VirtualServer> servers) {
        return new NodeConfig(global, scripts, instances, groups, serverGroups, servers);
    }

    static GlobalDefs global(List<String> emails, Optional<String> from, Optional<java.net.InetSocketAddress> smtp,
                             Optional<String> helo, Duration smtpTimeout, boolean smtpAlert, Optional<String> routerId,
                             boolean scriptSecurity, Optional<GlobalDefs.ScriptUser> scriptUser, Garp garp,
                             int vrrpVersion, boolean strict, Optional<GlobalDefs.LvsSyncDaemon> sync,
                             Optional<InetAddress> syncPeer,
                             Optional<String> fifo, Optional<String> vrrpFifo, Optional<String> lvsFifo,
                             Optional<InetAddress> group4, Optional<InetAddress> group6,
                             Optional<java.net.InetSocketAddress> admin, Optional<String> token,
                             List<String> adminHostNames, int proxyMaxconn, Optional<Engine> engine) {
        return new GlobalDefs(emails, from, smtp, helo, smtpTimeout, smtpAlert, routerId, scriptSecurity, scriptUser,
                garp, vrrpVersion, strict, sync, syncPeer, fifo, vrrpFifo, lvsFifo, group4, group6, admin, token, adminHostNames,
                proxyMaxconn, engine, NOWHERE);
    }

    static VrrpScript vrrpScript(String name, Script script, Duration interval, Duration timeout, int weight,
                                 boolean reverse, int rise, int fall, boolean initFail) {
        return new VrrpScript(name, script, interval, timeout, weight, reverse, rise, fall, initFail, NOWHERE);
    }

    static VirtualIp vip(InetAddress a, int prefix, Optional<InetAddress> brd, Optional<String> dev,
                         Optional<String> scope, Optional<String> label) {
        return new VirtualIp(a, prefix, brd, dev, scope, label, NOWHERE);
    }

    static VrrpInstance instance(String name, VrrpInstance.InitialState state, String iface, int vrid, int priority,
                                 Duration advert, int version, Optional<VrrpInstance.Authentication> auth,
                                 List<VirtualIp> vips, List<VirtualIp> excluded, boolean preempt,
                                 Duration preemptDelay, Optional<InetAddress> unicastSrc, List<InetAddress> peers,
                                 Optional<InetAddress> mcastSrc, List<VrrpInstance.TrackInterface> trackIfs,
                                 List<VrrpInstance.TrackScript> trackScripts, Notify notify,
                                 Optional<Boolean> smtpAlert, Garp garp, Optional<String> lvsSync,
                                 boolean dontTrackPrimary, boolean v3AsV2, boolean checkUnicastSrc) {
        return new VrrpInstance(name, state, iface, vrid, priority, advert, version, auth, vips, excluded, preempt,
                preemptDelay, unicastSrc, peers, mcastSrc, trackIfs, trackScripts, notify, smtpAlert, garp, lvsSync,
                dontTrackPrimary, v3AsV2, checkUnicastSrc, NOWHERE);
    }

    static VrrpSyncGroup syncGroup(String name, List<String> instances, Notify notify, Optional<Boolean> smtpAlert,
                                   List<VrrpInstance.TrackInterface> trackIfs,
                                   List<VrrpInstance.TrackScript> trackScripts) {
        return new VrrpSyncGroup(name, instances, notify, smtpAlert, trackIfs, trackScripts, NOWHERE);
    }

    static VirtualServerGroup serverGroup(String name, List<VirtualServerGroup.Member> members) {
        return new VirtualServerGroup(name, members, NOWHERE);
    }

    static VirtualServerGroup.AddressRange range(InetAddress first, Optional<InetAddress> last, int port) {
        return new VirtualServerGroup.AddressRange(first, last, port, NOWHERE);
    }

    static VirtualServerGroup.Fwmark fwmark(int mark) {
        return new VirtualServerGroup.Fwmark(mark, NOWHERE);
    }

    static VirtualServer virtualServer(VirtualServer.Key key, Scheduler scheduler, java.util.Set<SchedulerFlag> flags,
                                       ForwardingMethod method, Protocol protocol, Optional<Duration> persistence,
                                       Optional<InetAddress> granularity,
                                       Optional<java.net.InetSocketAddress> sorry, boolean sorryInhibit, int quorum,
                                       int hysteresis, Optional<Script> quorumUp, Optional<Script> quorumDown,
                                       boolean omega, boolean inhibit, boolean haSuspend,
                                       Optional<String> virtualhost, Optional<Boolean> smtpAlert, CheckTiming timing,
                                       VirtualServer.ProxySettings proxy, VirtualServer.EngineSettings engine,
                                       List<RealServer> reals) {
        return new VirtualServer(key, scheduler, flags, method, protocol, persistence, granularity, sorry, sorryInhibit,
                quorum, hysteresis, quorumUp, quorumDown, omega, inhibit, haSuspend, virtualhost, smtpAlert, timing,
                proxy, engine, reals, NOWHERE);
    }

    static RealServer realServer(InetAddress address, int port, int weight, Optional<ForwardingMethod> method,
                                 Optional<Script> up, Optional<Script> down, int upper, int lower,
                                 Optional<Boolean> smtpAlert, Optional<String> virtualhost, Optional<Boolean> inhibit,
                                 CheckTiming timing, List<Checker> checkers) {
        return new RealServer(address, port, weight, method, up, down, upper, lower, smtpAlert, virtualhost, inhibit,
                timing, checkers, NOWHERE);
    }

    static Checker.TcpCheck tcp(Checker.Connection c, CheckTiming t) {
        return new Checker.TcpCheck(c, t, NOWHERE);
    }

    static Checker.HttpCheck http(boolean tls, Checker.Connection c, CheckTiming t, List<Checker.Url> urls,
                                  Optional<String> vhost, String protocol, boolean sni, Optional<String> sniName,
                                  Optional<java.nio.file.Path> ca, boolean fastRecovery) {
        return new Checker.HttpCheck(tls, c, t, urls, vhost, protocol, sni, sniName, ca, fastRecovery, NOWHERE);
    }

    static Checker.Url url(String path, Optional<String> digest, List<Checker.StatusRange> codes, Optional<String> vhost,
                           Optional<String> regex, boolean noMatch) {
        return new Checker.Url(path, digest, codes, vhost, regex, noMatch, NOWHERE);
    }

    static Checker.SmtpCheck smtp(Checker.Connection c, CheckTiming t, Optional<String> helo) {
        return new Checker.SmtpCheck(c, t, helo, NOWHERE);
    }

    static Checker.MiscCheck misc(Script s, Optional<Duration> timeout, boolean dynamic,
                                  Optional<GlobalDefs.ScriptUser> user, CheckTiming t) {
        return new Checker.MiscCheck(s, timeout, dynamic, user, t, NOWHERE);
    }

    static Checker.ExchangeCheck exchange(Checker.Connection c, CheckTiming t, List<Checker.ExchangeService> services,
                                          int attempts, Checker.ExchangeCheck.Policy policy,
                                          List<Checker.ExchangeService> required, Optional<String> host,
                                          Optional<java.nio.file.Path> ca) {
        return new Checker.ExchangeCheck(c, t, services, attempts, policy, required, host, ca, NOWHERE);
    }
}
