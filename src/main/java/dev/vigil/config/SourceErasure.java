package dev.vigil.config;

import java.util.List;
import java.util.Optional;

/**
 * The same configuration with every {@link Source} replaced by {@link Source#BUILT_IN}, so two models can
 * be compared for meaning alone (a reload that only moved lines changes nothing).
 */
public final class SourceErasure {
    private static final Source S = Source.BUILT_IN;

    private SourceErasure() {
    }

    public static NodeConfig erase(NodeConfig c) {
        return new NodeConfig(global(c.global()), map(c.vrrpScripts(), SourceErasure::script),
                map(c.vrrpInstances(), SourceErasure::instance), map(c.syncGroups(), SourceErasure::syncGroup),
                map(c.virtualServerGroups(), SourceErasure::group), map(c.virtualServers(), SourceErasure::server));
    }

    /** True when {@code a} and {@code b} differ at most in where things were written. */
    public static boolean sameMeaning(NodeConfig a, NodeConfig b) {
        return erase(a).equals(erase(b));
    }

    private static <T> List<T> map(List<T> list, java.util.function.UnaryOperator<T> f) {
        return list.stream().map(f).toList();
    }

    private static Optional<Script> script(Optional<Script> s) {
        return s.map(SourceErasure::script);
    }

    private static Script script(Script s) {
        return new Script(s.commandLine(), s.argv(), s.user(), S);
    }

    private static GlobalDefs global(GlobalDefs g) {
        return new GlobalDefs(g.notificationEmail(), g.notificationEmailFrom(), g.smtpServer(), g.smtpHeloName(),
                g.smtpConnectTimeout(), g.smtpAlert(), g.routerId(), g.enableScriptSecurity(), g.scriptUser(),
                g.vrrpGarp(), g.vrrpVersion(), g.vrrpStrict(),
                g.lvsSyncDaemon().map(l -> new GlobalDefs.LvsSyncDaemon(l.interfaceName(), l.instance(), l.syncId(),
                        l.port(), l.group(), S)),
                g.syncPeer(),
                g.notifyFifo(), g.vrrpNotifyFifo(), g.lvsNotifyFifo(), g.vrrpMcastGroup4(), g.vrrpMcastGroup6(),
                g.adminAddress(), g.adminToken(), g.adminHostNames(), g.proxyMaxconn(), g.engine(), S);
    }

    public static VrrpScript script(VrrpScript s) {
        return new VrrpScript(s.name(), script(s.script()), s.interval(), s.timeout(), s.weight(), s.weightReverse(),
                s.rise(), s.fall(), s.initFail(), S);
    }

    private static Notify notify(Notify n) {
        return new Notify(script(n.master()), script(n.backup()), script(n.fault()), script(n.stop()), script(n.any()));
    }

    private static VirtualIp vip(VirtualIp v) {
        return new VirtualIp(v.address(), v.prefixLength(), v.broadcast(), v.device(), v.scope(), v.label(), S);
    }

    public static VrrpInstance instance(VrrpInstance i) {
        return new VrrpInstance(i.name(), i.initialState(), i.interfaceName(), i.virtualRouterId(), i.priority(),
                i.advertInterval(), i.version(), i.authentication(), map(i.virtualIps(), SourceErasure::vip),
                map(i.excludedVirtualIps(), SourceErasure::vip), i.preempt(), i.preemptDelay(), i.unicastSrcIp(),
                i.unicastPeers(), i.mcastSrcIp(), i.trackInterfaces(), i.trackScripts(), notify(i.notifyScripts()),
                i.smtpAlert(), i.garp(), i.lvsSyncDaemonInterface(), i.dontTrackPrimary(), i.v3ChecksumAsV2(),
                i.checkUnicastSrc(), S);
    }

    public static VrrpSyncGroup syncGroup(VrrpSyncGroup g) {
        return new VrrpSyncGroup(g.name(), g.instances(), notify(g.notifyScripts()), g.smtpAlert(),
                g.trackInterfaces(), g.trackScripts(), S);
    }

    private static VirtualServerGroup group(VirtualServerGroup g) {
        return new VirtualServerGroup(g.name(), g.members().stream().map(m -> switch (m) {
            case VirtualServerGroup.AddressRange r -> (VirtualServerGroup.Member)
                    new VirtualServerGroup.AddressRange(r.first(), r.last(), r.port(), S);
            case VirtualServerGroup.Fwmark f -> new VirtualServerGroup.Fwmark(f.mark(), S);
        }).toList(), S);
    }

    public static VirtualServer server(VirtualServer v) {
        return new VirtualServer(v.key(), v.scheduler(), v.schedulerFlags(), v.forwardingMethod(), v.protocol(),
                v.persistenceTimeout(), v.persistenceGranularity(), v.sorryServer(), v.sorryServerInhibit(), v.quorum(),
                v.hysteresis(), script(v.quorumUp()), script(v.quorumDown()), v.omega(), v.inhibitOnFailure(),
                v.haSuspend(), v.virtualhost(), v.smtpAlert(), v.checkTiming(), v.proxy(), v.engine(),
                map(v.realServers(), SourceErasure::real), S);
    }

    public static RealServer real(RealServer r) {
        return new RealServer(r.address(), r.port(), r.weight(), r.forwardingMethod(), script(r.notifyUp()),
                script(r.notifyDown()), r.upperThreshold(), r.lowerThreshold(), r.smtpAlert(), r.virtualhost(),
                r.inhibitOnFailure(), r.checkTiming(), map(r.checkers(), SourceErasure::checker), S);
    }

    private static Checker checker(Checker c) {
        return switch (c) {
            case Checker.TcpCheck t -> new Checker.TcpCheck(t.connection(), t.timing(), S);
            case Checker.HttpCheck h -> new Checker.HttpCheck(h.tls(), h.connection(), h.timing(),
                    h.urls().stream().map(u -> new Checker.Url(u.path(), u.digest(), u.statusCodes(), u.virtualhost(),
                            u.regex(), u.regexNoMatch(), S)).toList(),
                    h.virtualhost(), h.httpProtocol(), h.enableSni(), h.sniName(), h.caFile(), h.fastRecovery(), S);
            case Checker.SmtpCheck s -> new Checker.SmtpCheck(s.connection(), s.timing(), s.heloName(), S);
            case Checker.MiscCheck m -> new Checker.MiscCheck(script(m.script()), m.timeout(), m.dynamic(), m.user(),
                    m.timing(), S);
            case Checker.ExchangeCheck e -> new Checker.ExchangeCheck(e.connection(), e.timing(), e.services(),
                    e.attempts(), e.policy(), e.required(), e.host(), e.caFile(), S);
        };
    }
}
