package dev.vigil.vrrp;

import dev.vigil.config.SourceErasure;
import dev.vigil.config.VrrpInstance;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a reload changed in one {@code vrrp_instance}, and whether the running instance can take it. What
 * the instance is on the wire and the link (interface, VRID, version, addresses, peers, authentication,
 * being the address owner) needs a restart: the old instance leaves with priority 0 and a new one starts.
 * Everything else (priority, timers, preemption, tracking, notify, mail, gratuitous ARP) is applied to the
 * running instance, which keeps its state and VIPs. Pure.
 *
 * @param restartBecause why the instance must restart ("interface changed"), empty when it need not
 * @param changes        what changed that the running instance takes, for the log ("priority 100 -> 101")
 */
public record VrrpInstanceChange(List<String> restartBecause, List<String> changes) {

    public VrrpInstanceChange {
        restartBecause = List.copyOf(restartBecause);
        changes = List.copyOf(changes);
    }

    public static VrrpInstanceChange between(VrrpInstance before, VrrpInstance after) {
        VrrpInstance a = SourceErasure.instance(before);
        VrrpInstance b = SourceErasure.instance(after);
        List<String> identity = new ArrayList<>();
        differs(a, b, VrrpInstance::interfaceName, "interface", identity);
        differs(a, b, VrrpInstance::virtualRouterId, "virtual_router_id", identity);
        differs(a, b, VrrpInstance::version, "version", identity);
        differs(a, b, VrrpInstance::authentication, "authentication", identity);
        differs(a, b, VrrpInstance::virtualIps, "virtual_ipaddress", identity);
        differs(a, b, VrrpInstance::excludedVirtualIps, "virtual_ipaddress_excluded", identity);
        differs(a, b, VrrpInstance::unicastSrcIp, "unicast_src_ip", identity);
        differs(a, b, VrrpInstance::unicastPeers, "unicast_peer", identity);
        differs(a, b, VrrpInstance::mcastSrcIp, "mcast_src_ip", identity);
        differs(a, b, VrrpInstance::v3ChecksumAsV2, "v3_checksum_as_v2", identity);
        // the address owner is master at once and never adjusts its priority: another kind of instance
        differs(a, b, i -> i.priority() == VrrpParameters.OWNER_PRIORITY, "address owner (priority 255)", identity);

        List<String> changes = new ArrayList<>();
        if (a.priority() != b.priority()) changes.add("priority " + a.priority() + " -> " + b.priority());
        if (!a.advertInterval().equals(b.advertInterval())) {
            changes.add("advert_int " + seconds(a.advertInterval()) + " -> " + seconds(b.advertInterval()));
        }
        if (a.preempt() != b.preempt()) changes.add(b.preempt() ? "preempt" : "nopreempt");
        if (!a.preemptDelay().equals(b.preemptDelay())) {
            changes.add("preempt_delay " + seconds(a.preemptDelay()) + " -> " + seconds(b.preemptDelay()));
        }
        if (a.initialState() != b.initialState()) {
            changes.add("state " + a.initialState() + " -> " + b.initialState() + " (used at the next start)");
        }
        differs(a, b, VrrpInstance::trackInterfaces, "track_interface changed", changes);
        differs(a, b, VrrpInstance::trackScripts, "track_script changed", changes);
        differs(a, b, VrrpInstance::dontTrackPrimary, "dont_track_primary changed", changes);
        differs(a, b, VrrpInstance::notifyScripts, "notify scripts changed", changes);
        differs(a, b, VrrpInstance::smtpAlert, "smtp_alert changed", changes);
        differs(a, b, VrrpInstance::garp, "garp_master_* changed", changes);
        differs(a, b, VrrpInstance::lvsSyncDaemonInterface, "lvs_sync_daemon_interface changed", changes);

        // a part of the block this class does not know yet: restarting is always safe
        if (identity.isEmpty() && changes.isEmpty() && !a.equals(b)) identity.add("its block");
        return new VrrpInstanceChange(identity.stream().map(what -> what + " changed").toList(), changes);
    }

    public boolean needsRestart() {
        return !restartBecause.isEmpty();
    }

    public boolean none() {
        return restartBecause.isEmpty() && changes.isEmpty();
    }

    private static <T> void differs(VrrpInstance a, VrrpInstance b, Function<VrrpInstance, T> part, String what,
                                    List<String> into) {
        if (!Objects.equals(part.apply(a), part.apply(b))) into.add(what);
    }

    private static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
    }
}
