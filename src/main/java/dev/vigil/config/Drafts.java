package dev.vigil.config;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Mutable drafts of the model records, filled keyword by keyword while a block is read and turned into
 * records once the whole configuration is known (defaults may come from other blocks). A null field is a
 * keyword the block did not have; the name, key or address and the {@code source} are set by the parser as
 * soon as it creates the draft on opening the block.
 */
final class Drafts {
    private Drafts() {
    }

    /** A draft that holds checker timing keywords. */
    interface Timed {
        Timing timing();
    }

    /** A draft that holds checker connection keywords. */
    interface Connected extends Timed {
        Connection connection();
    }

    static final class Timing {
        @Nullable Duration connectTimeout;
        @Nullable Integer retry;
        @Nullable Duration delayBeforeRetry;
        @Nullable Duration warmup;
        @Nullable Duration delayLoop;
        @Nullable Boolean alpha;

        CheckTiming build() {
            return new CheckTiming(Optional.ofNullable(connectTimeout), Optional.ofNullable(retry),
                    Optional.ofNullable(delayBeforeRetry), Optional.ofNullable(warmup), Optional.ofNullable(delayLoop),
                    Optional.ofNullable(alpha));
        }
    }

    static final class Connection {
        @Nullable InetAddress connectIp;
        @Nullable Integer connectPort;
        @Nullable InetAddress bindTo;
        @Nullable Integer bindPort;

        Checker.Connection build() {
            return new Checker.Connection(Optional.ofNullable(connectIp), Optional.ofNullable(connectPort),
                    Optional.ofNullable(bindTo), Optional.ofNullable(bindPort));
        }
    }

    static final class Config {
        @Nullable Global global;
        final List<VrrpScriptDraft> scripts = new ArrayList<>();
        final List<Instance> instances = new ArrayList<>();
        final List<SyncGroup> syncGroups = new ArrayList<>();
        final List<VirtualServerGroup> virtualServerGroups = new ArrayList<>();
        final List<VirtualServerDraft> virtualServers = new ArrayList<>();
    }

    static final class Global {
        Source source = Source.BUILT_IN;
        final List<String> notificationEmail = new ArrayList<>();
        @Nullable String notificationEmailFrom;
        @Nullable InetSocketAddress smtpServer;
        @Nullable String smtpHeloName;
        Duration smtpConnectTimeout = GlobalDefs.DEFAULT_SMTP_CONNECT_TIMEOUT;
        boolean smtpAlert;
        @Nullable String routerId;
        boolean enableScriptSecurity;
        GlobalDefs.@Nullable ScriptUser scriptUser;
        final GarpDraft garp = new GarpDraft();
        int vrrpVersion = 2;
        boolean vrrpStrict;
        GlobalDefs.@Nullable LvsSyncDaemon lvsSyncDaemon;
        @Nullable InetAddress syncPeer;
        @Nullable String notifyFifo;
        @Nullable String vrrpNotifyFifo;
        @Nullable String lvsNotifyFifo;
        @Nullable InetAddress mcastGroup4;
        @Nullable InetAddress mcastGroup6;
        @Nullable InetSocketAddress adminAddress;
        @Nullable String adminToken;
        final List<String> adminHostNames = new ArrayList<>();
        int proxyMaxconn;
        @Nullable Engine engine;
        boolean v3ChecksumAsV2;
        boolean checkUnicastSrc;

        GlobalDefs build() {
            return new GlobalDefs(notificationEmail, Optional.ofNullable(notificationEmailFrom),
                    Optional.ofNullable(smtpServer), Optional.ofNullable(smtpHeloName), smtpConnectTimeout, smtpAlert,
                    Optional.ofNullable(routerId), enableScriptSecurity, Optional.ofNullable(scriptUser),
                    garp.build(Garp.DEFAULTS), vrrpVersion, vrrpStrict, Optional.ofNullable(lvsSyncDaemon),
                    Optional.ofNullable(syncPeer),                    Optional.ofNullable(notifyFifo), Optional.ofNullable(vrrpNotifyFifo),
                    Optional.ofNullable(lvsNotifyFifo), Optional.ofNullable(mcastGroup4),
                    Optional.ofNullable(mcastGroup6), Optional.ofNullable(adminAddress),
                    Optional.ofNullable(adminToken), adminHostNames, proxyMaxconn, Optional.ofNullable(engine), source);
        }
    }

    static final class GarpDraft {
        @Nullable Duration delay;
        @Nullable Integer repeat;
        @Nullable Duration refresh;
        @Nullable Integer refreshRepeat;

        Garp build(Garp outer) {
            return new Garp(delay != null ? delay : outer.delay(), repeat != null ? repeat : outer.repeat(),
                    refresh != null ? refresh : outer.refresh(),
                    refreshRepeat != null ? refreshRepeat : outer.refreshRepeat());
        }
    }

    static final class VrrpScriptDraft {
        @Nullable String name;
        Source source = Source.BUILT_IN;
        @Nullable Script script;
        boolean scriptSeen;
        Duration interval = VrrpScript.DEFAULT_INTERVAL;
        @Nullable Duration timeout;
        int weight;
        boolean reverse;
        int rise = 1;
        int fall = 1;
        boolean initFail;
        GlobalDefs.@Nullable ScriptUser user;

        @Nullable VrrpScript build(Diagnostics d) {
            String name = Objects.requireNonNull(this.name);
            if (script == null) {
                if (!scriptSeen) d.error(source, "vrrp_script '" + name + "' has no 'script'");
                return null;
            }
            Script s = user == null ? script : new Script(script.commandLine(), script.argv(), Optional.of(user),
                    script.source());
            return new VrrpScript(name, s, interval, timeout != null ? timeout : interval, weight, reverse, rise, fall,
                    initFail, source);
        }
    }

    static final class NotifyDraft {
        @Nullable Script master;
        @Nullable Script backup;
        @Nullable Script fault;
        @Nullable Script stop;
        @Nullable Script any;

        Notify build() {
            return new Notify(Optional.ofNullable(master), Optional.ofNullable(backup), Optional.ofNullable(fault),
                    Optional.ofNullable(stop), Optional.ofNullable(any));
        }
    }

    static final class Instance {
        @Nullable String name;
        Source source = Source.BUILT_IN;
        VrrpInstance.InitialState state = VrrpInstance.InitialState.BACKUP;
        @Nullable String interfaceName;
        @Nullable Integer vrid;
        boolean vridSeen;
        int priority = VrrpInstance.DEFAULT_PRIORITY;
        Duration advertInterval = VrrpInstance.DEFAULT_ADVERT_INTERVAL;
        @Nullable Source advertSource;
        @Nullable Integer version;
        VrrpInstance.@Nullable AuthType authType;
        boolean authTypeSeen;
        @Nullable String authPass;
        @Nullable Source authSource;
        final List<VirtualIp> vips = new ArrayList<>();
        final List<VirtualIp> excluded = new ArrayList<>();
        boolean preempt = true;
        @Nullable Source nopreemptSource;
        Duration preemptDelay = Duration.ZERO;
        @Nullable Source preemptDelaySource;
        @Nullable InetAddress unicastSrcIp;
        final List<InetAddress> unicastPeers = new ArrayList<>();
        @Nullable InetAddress mcastSrcIp;
        final List<VrrpInstance.TrackInterface> trackInterfaces = new ArrayList<>();
        final List<VrrpInstance.TrackScript> trackScripts = new ArrayList<>();
        final List<Source> trackScriptSources = new ArrayList<>();
        final NotifyDraft notify = new NotifyDraft();
        @Nullable Boolean smtpAlert;
        final GarpDraft garp = new GarpDraft();
        @Nullable String lvsSyncDaemonInterface;
        boolean dontTrackPrimary;
        @Nullable Boolean v3ChecksumAsV2;
        @Nullable Boolean checkUnicastSrc;

        @Nullable VrrpInstance build(GlobalDefs global, boolean globalV3ChecksumAsV2, boolean globalCheckUnicastSrc, Diagnostics d) {
            String name = Objects.requireNonNull(this.name);
            boolean ok = true;
            if (interfaceName == null) {
                d.error(source, "vrrp_instance '" + name + "' has no 'interface'");
                ok = false;
            }
            if (vrid == null) {
                if (!vridSeen) d.error(source, "vrrp_instance '" + name + "' has no 'virtual_router_id'");
                ok = false;
            }
            Optional<VrrpInstance.Authentication> auth = Optional.empty();
            if (authSource != null) {
                if (authType == null) {
                    if (!authTypeSeen) d.error(authSource, "authentication has no 'auth_type'");
                    ok = false;
                } else if (authPass == null) {
                    d.error(authSource, "authentication has no 'auth_pass'");
                    ok = false;
                } else {
                    auth = Optional.of(new VrrpInstance.Authentication(authType, authPass));
                }
            }
            boolean ipv6 = !vips.isEmpty() && vips.getFirst().address().getAddress().length == 16;
            for (VirtualIp vip : vips) {
                if ((vip.address().getAddress().length == 16) != ipv6) {
                    d.error(vip.source(), "virtual_ipaddress mixes IPv4 and IPv6 (VRRP adverts carry one family; "
                            + "put the other family in virtual_ipaddress_excluded)");
                    ok = false;
                    break;
                }
            }
            int v = version != null ? version : ipv6 ? 3 : global.vrrpVersion();
            if (v == 3 && advertSource != null && advertInterval.compareTo(Duration.ofMillis(40_950)) > 0) {
                d.error(advertSource, "'advert_int' must be at most 40.95 seconds with VRRP version 3");
                ok = false;
            }
            if (!ok || interfaceName == null || vrid == null) return null;
            // keepalived's rules: an address owner or a MASTER-at-start instance always preempts at once
            if (!preempt && priority == 255) {
                d.warning(nopreemptSource != null ? nopreemptSource : source, "'nopreempt' does not apply with priority 255 (address owner); ignored, "
                        + "as keepalived does");
                preempt = true;
            }
            if (state == VrrpInstance.InitialState.MASTER) {
                if (!preempt) {
                    d.warning(nopreemptSource != null ? nopreemptSource : source, "'nopreempt' does not work with 'state MASTER'; ignored, as keepalived does");
                    preempt = true;
                }
                if (!preemptDelay.isZero()) {
                    d.warning(preemptDelaySource != null ? preemptDelaySource : source, "'preempt_delay' does not work with 'state MASTER'; ignored, "
                            + "as keepalived does");
                    preemptDelay = Duration.ZERO;
                }
            }
            return new VrrpInstance(name, state, interfaceName, vrid, priority, advertInterval, v, auth, vips, excluded,
                    preempt, preemptDelay, Optional.ofNullable(unicastSrcIp), unicastPeers,
                    Optional.ofNullable(mcastSrcIp), trackInterfaces, trackScripts, notify.build(),
                    Optional.ofNullable(smtpAlert), garp.build(global.vrrpGarp()),
                    Optional.ofNullable(lvsSyncDaemonInterface), dontTrackPrimary,
                    v3ChecksumAsV2 != null ? v3ChecksumAsV2 : globalV3ChecksumAsV2,
                    checkUnicastSrc != null ? checkUnicastSrc : globalCheckUnicastSrc, source);
        }
    }

    static final class SyncGroup {
        @Nullable String name;
        Source source = Source.BUILT_IN;
        final List<String> instances = new ArrayList<>();
        final List<Source> instanceSources = new ArrayList<>();
        final NotifyDraft notify = new NotifyDraft();
        @Nullable Boolean smtpAlert;
        final List<VrrpInstance.TrackInterface> trackInterfaces = new ArrayList<>();
        final List<VrrpInstance.TrackScript> trackScripts = new ArrayList<>();
        final List<Source> trackScriptSources = new ArrayList<>();

        VrrpSyncGroup build() {
            return new VrrpSyncGroup(Objects.requireNonNull(name), instances, notify.build(), Optional.ofNullable(smtpAlert), trackInterfaces,
                    trackScripts, source);
        }
    }

    static final class VirtualServerDraft implements Timed {
        VirtualServer.@Nullable Key key;
        Source source = Source.BUILT_IN;
        Scheduler scheduler = Scheduler.WLC;
        final Set<SchedulerFlag> flags = EnumSet.noneOf(SchedulerFlag.class);
        ForwardingMethod forwardingMethod = ForwardingMethod.NAT;
        Protocol protocol = Protocol.TCP;
        @Nullable Duration persistenceTimeout;
        @Nullable InetAddress persistenceGranularity;
        @Nullable InetSocketAddress sorryServer;
        boolean sorryServerInhibit;
        int quorum = 1;
        int hysteresis;
        @Nullable Script quorumUp;
        @Nullable Script quorumDown;
        boolean omega;
        boolean inhibitOnFailure;
        boolean haSuspend;
        @Nullable String virtualhost;
        @Nullable Boolean smtpAlert;
        final Timing timing = new Timing();
        Duration proxyConnectTimeout = VirtualServer.ProxySettings.DEFAULTS.connectTimeout();
        Duration proxyIdleTimeout = VirtualServer.ProxySettings.DEFAULTS.idleTimeout();
        @Nullable InetAddress proxySourceAddress;
        boolean proxyTcpNodelay = VirtualServer.ProxySettings.DEFAULTS.tcpNodelay();
        boolean proxyTcpKeepalive = VirtualServer.ProxySettings.DEFAULTS.tcpKeepalive();
        int proxyMaxconn = VirtualServer.ProxySettings.DEFAULTS.maxconn();
        int proxyMaxconnPerSource = VirtualServer.ProxySettings.DEFAULTS.maxconnPerSource();
        Duration proxyHalfCloseTimeout = VirtualServer.ProxySettings.DEFAULTS.halfCloseTimeout();
        @Nullable Engine engine;
        @Nullable Source engineSource;
        @Nullable InetAddress snat;
        @Nullable Source snatSource;
        final List<RealServerDraft> realServers = new ArrayList<>();

        @Override
        public Timing timing() {
            return timing;
        }

        int port() {
            return key instanceof VirtualServer.ByAddress a ? a.port() : 0;
        }

        VirtualServer build(Diagnostics d) {
            if (engine == Engine.PROXY && protocol != Protocol.TCP && engineSource != null) {
                d.error(engineSource, "vigil_engine proxy cannot forward protocol " + protocol
                        + ": only the kernel engine forwards it (write vigil_engine kernel, or leave vigil_engine out)");
            }
            if (engine == Engine.PROXY && key instanceof VirtualServer.ByFwmark && engineSource != null) {
                d.error(engineSource, "vigil_engine proxy cannot forward a firewall mark: only the kernel engine "
                        + "sees marks (write vigil_engine kernel, or leave vigil_engine out)");
            }
            if (engine == Engine.PROXY && key instanceof VirtualServer.ByAddress a && a.port() == 0 && engineSource != null) {
                d.error(engineSource, "vigil_engine proxy cannot forward port 0 (every port): only the kernel engine "
                        + "does (write vigil_engine kernel, or leave vigil_engine out)");
            }
            if (snat != null && engine == Engine.PROXY && snatSource != null) {
                d.error(snatSource, "vigil_snat is the kernel engine's; the proxy engine connects to real servers "
                        + "from its own address (proxy_source_address)");
            }
            CheckTiming vsTiming = timing.build();
            List<RealServer> reals = new ArrayList<>();
            for (RealServerDraft r : realServers) {
                RealServer built = r.build(vsTiming, d);
                if (built != null) reals.add(built);
            }
            return new VirtualServer(Objects.requireNonNull(key), scheduler, flags, forwardingMethod, protocol,
                    Optional.ofNullable(persistenceTimeout), Optional.ofNullable(persistenceGranularity),
                    Optional.ofNullable(sorryServer), sorryServerInhibit, quorum, hysteresis,
                    Optional.ofNullable(quorumUp), Optional.ofNullable(quorumDown), omega, inhibitOnFailure, haSuspend,
                    Optional.ofNullable(virtualhost), Optional.ofNullable(smtpAlert), vsTiming,
                    new VirtualServer.ProxySettings(proxyConnectTimeout, proxyIdleTimeout,
                            Optional.ofNullable(proxySourceAddress), proxyTcpNodelay, proxyTcpKeepalive,
                            proxyMaxconn, proxyMaxconnPerSource, proxyHalfCloseTimeout),
                    new VirtualServer.EngineSettings(Optional.ofNullable(engine), Optional.ofNullable(snat)),
                    reals, source);
        }
    }

    static final class RealServerDraft implements Timed {
        @Nullable InetAddress address;
        int port;
        Source source = Source.BUILT_IN;
        int weight = RealServer.DEFAULT_WEIGHT;
        @Nullable ForwardingMethod forwardingMethod;
        @Nullable Script notifyUp;
        @Nullable Script notifyDown;
        int upperThreshold;
        int lowerThreshold;
        @Nullable Boolean smtpAlert;
        @Nullable String virtualhost;
        @Nullable Boolean inhibitOnFailure;
        final Timing timing = new Timing();
        final List<CheckerDraft> checkers = new ArrayList<>();

        @Override
        public Timing timing() {
            return timing;
        }

        RealServer build(CheckTiming vsTiming, Diagnostics d) {
            CheckTiming rsTiming = timing.build();
            CheckTiming outer = rsTiming.over(vsTiming);
            List<Checker> built = new ArrayList<>();
            for (CheckerDraft c : checkers) {
                Checker checker = c.build(outer, d);
                if (checker != null) built.add(checker);
            }
            return new RealServer(Objects.requireNonNull(address), port, weight, Optional.ofNullable(forwardingMethod),
                    Optional.ofNullable(notifyUp), Optional.ofNullable(notifyDown), upperThreshold, lowerThreshold,
                    Optional.ofNullable(smtpAlert), Optional.ofNullable(virtualhost),
                    Optional.ofNullable(inhibitOnFailure), rsTiming, built, source);
        }
    }

    /** A checker draft; its timing is resolved against the real and virtual server and keepalived's defaults. */
    abstract static class CheckerDraft implements Connected {
        Source source = Source.BUILT_IN;
        final Timing timing = new Timing();
        final Connection connection = new Connection();

        @Override
        public Timing timing() {
            return timing;
        }

        @Override
        public Connection connection() {
            return connection;
        }

        int defaultRetry() {
            return 1;
        }

        Duration defaultDelayBeforeRetry() {
            return Duration.ofSeconds(1);
        }

        CheckTiming resolved(CheckTiming outer) {
            CheckTiming t = timing.build().over(outer);
            Duration loop = t.delayLoop().orElse(CheckTiming.DEFAULT_DELAY_LOOP);
            return new CheckTiming(Optional.of(t.connectTimeout().orElse(CheckTiming.DEFAULT_CONNECT_TIMEOUT)),
                    Optional.of(t.retry().orElse(defaultRetry())),
                    Optional.of(t.delayBeforeRetry().orElse(defaultDelayBeforeRetry())),
                    Optional.of(t.warmup().orElse(loop)), Optional.of(loop), Optional.of(t.alpha().orElse(false)));
        }

        abstract @Nullable Checker build(CheckTiming outer, Diagnostics d);
    }

    static final class TcpCheckDraft extends CheckerDraft {
        @Override
        Checker build(CheckTiming outer, Diagnostics d) {
            return new Checker.TcpCheck(connection.build(), resolved(outer), source);
        }
    }

    static final class HttpCheckDraft extends CheckerDraft {
        boolean tls;
        final List<Checker.Url> urls = new ArrayList<>();
        @Nullable String virtualhost;
        String httpProtocol = "1.0";
        boolean enableSni;
        @Nullable String sniName;
        @Nullable Path caFile;
        boolean fastRecovery;

        @Override
        Duration defaultDelayBeforeRetry() {
            return Duration.ofSeconds(3);
        }

        @Override
        @Nullable Checker build(CheckTiming outer, Diagnostics d) {
            if (urls.isEmpty()) {
                d.error(source, (tls ? "SSL_GET" : "HTTP_GET") + " has no 'url'");
                return null;
            }
            return new Checker.HttpCheck(tls, connection.build(), resolved(outer), urls, Optional.ofNullable(virtualhost),
                    httpProtocol, enableSni, Optional.ofNullable(sniName), Optional.ofNullable(caFile), fastRecovery,
                    source);
        }
    }

    static final class UrlDraft {
        Source source = Source.BUILT_IN;
        @Nullable String path;
        boolean pathSeen;
        @Nullable String digest;
        final List<Checker.StatusRange> statusCodes = new ArrayList<>();
        @Nullable String virtualhost;
        @Nullable String regex;
        boolean regexNoMatch;

        Checker.@Nullable Url build(Diagnostics d) {
            if (path == null) {
                if (!pathSeen) d.error(source, "url has no 'path'");
                return null;
            }
            return new Checker.Url(path, Optional.ofNullable(digest),
                    statusCodes.isEmpty() ? Checker.Url.DEFAULT_STATUS : statusCodes, Optional.ofNullable(virtualhost),
                    Optional.ofNullable(regex), regexNoMatch, source);
        }
    }

    static final class SmtpCheckDraft extends CheckerDraft {
        @Nullable String heloName;

        @Override
        Checker build(CheckTiming outer, Diagnostics d) {
            return new Checker.SmtpCheck(connection.build(), resolved(outer), Optional.ofNullable(heloName), source);
        }
    }

    static final class MiscCheckDraft extends CheckerDraft {
        @Nullable Script script;
        boolean scriptSeen;
        @Nullable Duration timeout;
        boolean dynamic;
        GlobalDefs.@Nullable ScriptUser user;

        @Override
        int defaultRetry() {
            return 0;
        }

        @Override
        @Nullable Checker build(CheckTiming outer, Diagnostics d) {
            if (script == null) {
                if (!scriptSeen) d.error(source, "MISC_CHECK has no 'misc_path'");
                return null;
            }
            GlobalDefs.ScriptUser u = user != null ? user : script.user().orElse(null);
            return new Checker.MiscCheck(script, Optional.ofNullable(timeout), dynamic, Optional.ofNullable(u),
                    resolved(outer), source);
        }
    }

    static final class ExchangeCheckDraft extends CheckerDraft {
        final List<Checker.ExchangeService> services = new ArrayList<>();
        int attempts = 3;
        Checker.ExchangeCheck.Policy policy = Checker.ExchangeCheck.Policy.ALL;
        @Nullable Source policySource;
        final List<Checker.ExchangeService> required = new ArrayList<>();
        @Nullable String host;
        @Nullable Path caFile;

        @Override
        @Nullable Checker build(CheckTiming outer, Diagnostics d) {
            List<Checker.ExchangeService> svc = services.isEmpty() ? List.of(Checker.ExchangeService.RPC) : services;
            if (policy == Checker.ExchangeCheck.Policy.LIST && required.isEmpty()) {
                d.error(policySource != null ? policySource : source, "EXCHANGE_CHECK policy list needs 'require'");
                return null;
            }
            for (Checker.ExchangeService r : required) {
                if (!svc.contains(r)) {
                    d.error(source, "EXCHANGE_CHECK requires '" + r.keyword() + "' but does not check it in 'services'");
                    return null;
                }
            }
            return new Checker.ExchangeCheck(connection.build(), resolved(outer), svc, attempts, policy, required,
                    Optional.ofNullable(host), Optional.ofNullable(caFile), source);
        }
    }
}
