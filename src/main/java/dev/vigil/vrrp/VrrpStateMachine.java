package dev.vigil.vrrp;

import dev.vigil.config.Garp;
import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * The VRRP state machine of one instance, RFC 3768 (v2) and RFC 5798 (v3) with keepalived's habits:
 * FAULT, an immediate answer to a lower-priority advert with gratuitous ARPs (at most one per advert
 * interval), a last advert from a master that steps down, VIPs removed at start, two bursts of gratuitous
 * ARPs. Pure: no threads, sockets or clock; time comes in as nanoseconds on any monotonic scale, effects go
 * out through {@link VrrpActions}. Not thread safe: drive it from one thread.
 */
public final class VrrpStateMachine {

    /** {@link #nextDeadline()} when nothing is scheduled. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private VrrpParameters parameters;
    private final VrrpActions actions;
    private final InetAddress localAddress;

    private VrrpState state = VrrpState.INIT;
    private int effectivePriority;
    private long masterAdvertIntervalNanos;
    private long masterDownAt = NO_DEADLINE;
    private long advertAt = NO_DEADLINE;
    private long garpDelayAt = NO_DEADLINE;
    private long garpRefreshAt = NO_DEADLINE;
    private long preemptAt = NO_DEADLINE;
    /** When we last discarded a lower-priority master's advert in order to preempt it. */
    private long lowerAdvertAt = NO_DEADLINE;
    private long answerAllowedAt = Long.MIN_VALUE;
    private boolean ownFault;
    private boolean groupFault;
    private boolean ownerDemoted;
    private @Nullable InetAddress masterAddress;
    private long stateSince;

    /**
     * @param localAddress the primary address adverts are sent from; breaks ties between equal priorities
     */
    public VrrpStateMachine(VrrpParameters parameters, InetAddress localAddress, VrrpActions actions) {
        this.parameters = parameters;
        this.actions = actions;
        this.localAddress = localAddress;
        this.effectivePriority = parameters.priority();
        this.masterAdvertIntervalNanos = parameters.advertIntervalNanos();
    }

    // ---- events ----

    /** Start: VIPs left on the interface are removed; an owner becomes master at once, others backup. */
    public void onStart(long now) {
        if (state != VrrpState.INIT) return;
        actions.removeVirtualIps();
        if (parameters.preemptDelayNanos() > 0) preemptAt = now + parameters.preemptDelayNanos();
        if (faulted()) {
            enterFault(now, "starting with a fault");
        } else if (owner()) {
            becomeMaster(now, "priority 255, address owner");
        } else {
            becomeBackup(now, parameters.initialState() == dev.vigil.config.VrrpInstance.InitialState.MASTER
                    ? "starting (state MASTER waits one master down interval)" : "starting");
        }
    }

    /** An advertisement that the decoder accepted for this instance, sent by {@code source}. */
    public void onAdvertisement(VrrpAdvertisement advert, InetAddress source, long now) {
        switch (state) {
            case BACKUP -> backupReceived(advert, source, now);
            case MASTER -> masterReceived(advert, source, now);
            default -> { } // INIT, FAULT and STOP ignore adverts, as keepalived
        }
    }

    /** Call at or after {@link #nextDeadline()}; runs every timer that is due. */
    public void onTimer(long now) {
        if (state == VrrpState.BACKUP && now >= masterDownAt) {
            if (preempting(now) && !actions.readyToPreempt()) {
                // A live lower-priority master keeps the VIPs a little longer: the check comes again soon, and
                // if that master dies meanwhile its adverts stop and this is a takeover, never held.
                masterDownAt = now + Math.min(parameters.advertIntervalNanos(), PREEMPT_RECHECK_NANOS);
            } else {
                becomeMaster(now, preempting(now) ? "preempting a lower priority master" : "master down interval expired");
            }
        }
        if (state != VrrpState.MASTER) return;
        if (now >= advertAt) {
            actions.sendAdvertisement(effectivePriority);
            advertAt = now + parameters.advertIntervalNanos();
        }
        Garp garp = parameters.garp();
        if (now >= garpDelayAt) {
            garpDelayAt = NO_DEADLINE;
            actions.sendGratuitousArps(garp.repeat());
        }
        if (now >= garpRefreshAt) {
            garpRefreshAt = now + garp.refresh().toNanos();
            actions.sendGratuitousArps(garp.refreshRepeat());
        }
    }

    /** A tracked interface went down or a weight-0 track script failed. */
    public void onFault(long now) {
        boolean was = faulted();
        ownFault = true;
        if (!was && state != VrrpState.INIT && state != VrrpState.STOP) enterFault(now, "tracked interface or script failed");
    }

    /** The instance's own fault is gone (the group's may remain). */
    public void onFaultCleared(long now) {
        ownFault = false;
        leaveFaultIfClear(now, "fault cleared");
    }

    /** Set by the sync group while another member is in fault. */
    public void onGroupFault(boolean fault, long now) {
        boolean was = faulted();
        groupFault = fault;
        if (fault && !was && state != VrrpState.INIT && state != VrrpState.STOP) {
            enterFault(now, "sync group member in fault");
        } else if (!fault) {
            leaveFaultIfClear(now, "sync group fault cleared");
        }
    }

    /** The effective priority after track weights changed (ignored for an address owner). */
    public void onPriorityChange(int effective, long now) {
        if (owner()) return;
        int clamped = Math.clamp(effective, 1, 254);
        if (clamped == effectivePriority) return;
        effectivePriority = clamped;
        // a master tells the backups at once so a now-higher backup can preempt without waiting an interval
        if (state == VrrpState.MASTER) {
            actions.sendAdvertisement(effectivePriority);
            advertAt = now + parameters.advertIntervalNanos();
        }
    }

    /**
     * A reload changed what an instance may change while it runs (priority, advert_int, preemption,
     * gratuitous ARP): the state, the VIPs and the timers running now carry on; a master uses the new
     * interval from its next advert. The new configured priority takes effect through
     * {@link #onPriorityChange}, as track weights do. What identifies the instance on the wire (interface,
     * VRID, version, addresses, peers, authentication, address owner) must be the same: the caller
     * restarts the instance when it is not.
     */
    public void reconfigure(VrrpParameters next, long now) {
        if (!sameIdentity(parameters, next)) {
            throw new IllegalArgumentException(parameters.name() + ": a change of interface, VRID, version, addresses,"
                    + " peers, authentication or address ownership needs a restart");
        }
        Garp before = parameters.garp();
        parameters = next;
        if (next.version() == 2) masterAdvertIntervalNanos = next.advertIntervalNanos(); // v3 backups keep the master's
        if (state != VrrpState.MASTER) return;
        advertAt = Math.min(advertAt, now + next.advertIntervalNanos());
        if (!before.refresh().equals(next.garp().refresh())) {
            garpRefreshAt = next.garp().refresh().isPositive() ? now + next.garp().refresh().toNanos() : NO_DEADLINE;
        }
    }

    private static boolean sameIdentity(VrrpParameters a, VrrpParameters b) {
        return a.interfaceName().equals(b.interfaceName()) && a.version() == b.version()
                && a.virtualRouterId() == b.virtualRouterId() && a.owner() == b.owner() && a.authType() == b.authType()
                && Arrays.equals(a.password(), b.password()) && a.addresses().equals(b.addresses())
                && a.unicastSrcIp().equals(b.unicastSrcIp()) && a.unicastPeers().equals(b.unicastPeers())
                && a.v3ChecksumAsV2() == b.v3ChecksumAsV2();
    }

    /**
     * A VIP of this master was deleted from outside: as keepalived, send priority 0 so a backup can take
     * over, drop to BACKUP and become master again after our own skew time if nobody else does.
     */
    public void onVirtualIpLost(long now) {
        if (state != VrrpState.MASTER) return;
        actions.sendAdvertisement(0);
        actions.removeVirtualIps();
        becomeBackup(now, "a virtual IP was removed from outside");
        masterDownAt = now + VrrpTimers.skewNanos(effectivePriority, masterAdvertIntervalNanos);
    }

    /** SIGTERM: a master sends priority 0 and removes its VIPs; then the instance is stopped. */
    public void onShutdown(long now) {
        if (state == VrrpState.STOP) return;
        if (state == VrrpState.MASTER) {
            actions.sendAdvertisement(0);
            actions.removeVirtualIps();
        }
        clearTimers();
        change(VrrpState.STOP, now, "shutdown");
    }

    /** Sync group: another member became master, so this one follows (from BACKUP only). */
    public void forceMaster(long now, String reason) {
        if (state == VrrpState.BACKUP) becomeMaster(now, reason);
    }

    /** Sync group: another member fell back to backup, so this master follows. */
    public void forceBackup(long now, String reason) {
        if (state == VrrpState.MASTER) {
            actions.removeVirtualIps();
            becomeBackup(now, reason);
        }
    }

    /** How often a held preemption asks again. */
    static final long PREEMPT_RECHECK_NANOS = 100_000_000L;

    /** Whether the master down timer ran out because we discard a live lower-priority master's adverts. */
    private boolean preempting(long now) {
        return lowerAdvertAt != NO_DEADLINE
                && now - lowerAdvertAt < VrrpTimers.masterDownIntervalNanos(effectivePriority, masterAdvertIntervalNanos);
    }

    // ---- RFC receive rules ----

    private void backupReceived(VrrpAdvertisement advert, InetAddress source, long now) {
        int priority = advert.priority();
        if (priority == 0) {
            masterDownAt = now + VrrpTimers.skewNanos(effectivePriority, masterAdvertIntervalNanos);
            return;
        }
        boolean preemptHeld = parameters.preemptDelayNanos() > 0 && priority < effectivePriority
                && (preemptAt == NO_DEADLINE || now < preemptAt);
        if (!parameters.preempt() || priority >= effectivePriority || preemptHeld) {
            if (parameters.preemptDelayNanos() > 0) {
                if (priority > effectivePriority) preemptAt = NO_DEADLINE;
                else if (priority < effectivePriority && preemptAt == NO_DEADLINE) preemptAt = now + parameters.preemptDelayNanos();
            }
            adoptInterval(advert);
            masterAddress = source;
            masterDownAt = now + VrrpTimers.masterDownIntervalNanos(effectivePriority, masterAdvertIntervalNanos);
        }
        // otherwise discard: the master down timer runs out and we preempt
        else lowerAdvertAt = now;
    }

    private void masterReceived(VrrpAdvertisement advert, InetAddress source, long now) {
        int priority = advert.priority();
        if (priority == 0) {
            if (answer(now)) advertAt = now + parameters.advertIntervalNanos();
            return;
        }
        if (priority == VrrpParameters.OWNER_PRIORITY && owner() && !source.equals(localAddress)) {
            // two address owners is a configuration error; keepalived lowers the local one to 254 so one wins
            ownerDemoted = true;
            effectivePriority = VrrpParameters.OWNER_PRIORITY - 1;
        }
        if (priority > effectivePriority
                || (priority == effectivePriority && compareUnsigned(source, localAddress) > 0)) {
            // After a split brain the other master may never hear from us otherwise (its advert can reach us
            // first), and only our advert makes it refresh the neighbour caches that still point at us.
            // keepalived does this with higher_prio_send_advert.
            actions.sendAdvertisement(effectivePriority);
            adoptInterval(advert);
            masterAddress = source;
            actions.removeVirtualIps();
            becomeBackup(now, "higher priority advert (" + priority + " from " + source.getHostAddress()
                    + ", ours " + effectivePriority + ")");
            return;
        }
        // keepalived: "forcing new election" so a lower-priority master backs off at once. That master has been
        // sending gratuitous ARPs of its own (a split brain, or a peer that came up deaf), so ours go out again
        // to point the neighbours back here, as keepalived's garp_lower_prio_repeat and _delay default to.
        if (answer(now)) {
            Garp garp = parameters.garp();
            if (garp.repeat() > 0) {
                actions.sendGratuitousArps(garp.repeat());
                if (garp.delay().isPositive()) garpDelayAt = now + garp.delay().toNanos();
            }
        }
    }

    /**
     * Sends our advert in answer to a lower-priority (or priority 0) one, unless we already answered within
     * the last advert interval: a flood of such adverts must not make us send one per packet, and the
     * periodic advert reaches the sender within one interval anyway. Returns whether it was sent.
     */
    private boolean answer(long now) {
        if (now < answerAllowedAt) return false;
        answerAllowedAt = now + parameters.advertIntervalNanos();
        actions.sendAdvertisement(effectivePriority);
        return true;
    }

    private void adoptInterval(VrrpAdvertisement advert) {
        if (parameters.version() == 3 && advert.advertIntervalCentis() > 0) {
            masterAdvertIntervalNanos = VrrpTimers.centisToNanos(advert.advertIntervalCentis());
        }
    }

    // ---- transitions ----

    private void becomeMaster(long now, String reason) {
        clearTimers();
        masterAddress = localAddress;
        actions.sendAdvertisement(effectivePriority);
        actions.addVirtualIps();
        Garp garp = parameters.garp();
        if (garp.repeat() > 0) actions.sendGratuitousArps(garp.repeat());
        advertAt = now + parameters.advertIntervalNanos();
        if (garp.repeat() > 0 && garp.delay().isPositive()) garpDelayAt = now + garp.delay().toNanos();
        if (garp.refresh().isPositive()) garpRefreshAt = now + garp.refresh().toNanos();
        change(VrrpState.MASTER, now, reason);
    }

    private void becomeBackup(long now, String reason) {
        clearTimers();
        if (parameters.version() == 2) masterAdvertIntervalNanos = parameters.advertIntervalNanos();
        masterDownAt = now + VrrpTimers.masterDownIntervalNanos(effectivePriority, masterAdvertIntervalNanos);
        change(VrrpState.BACKUP, now, reason);
    }

    private void enterFault(long now, String reason) {
        if (state == VrrpState.MASTER) {
            actions.sendAdvertisement(0);
            actions.removeVirtualIps();
        }
        clearTimers();
        masterAddress = null;
        change(VrrpState.FAULT, now, reason);
    }

    private void leaveFaultIfClear(long now, String reason) {
        if (state != VrrpState.FAULT || faulted()) return;
        masterAdvertIntervalNanos = parameters.advertIntervalNanos();
        if (owner()) becomeMaster(now, reason + ", priority 255");
        else becomeBackup(now, reason);
    }

    private void clearTimers() {
        masterDownAt = advertAt = garpDelayAt = garpRefreshAt = lowerAdvertAt = NO_DEADLINE;
    }

    private void change(VrrpState to, long now, String reason) {
        VrrpState from = state;
        state = to;
        stateSince = now;
        if (from != to) actions.stateChanged(from, to, reason);
    }

    /** Unsigned big-endian comparison, as keepalived's {@code inet_inaddrcmp}. */
    static int compareUnsigned(InetAddress a, InetAddress b) {
        return Arrays.compareUnsigned(a.getAddress(), b.getAddress());
    }

    private boolean owner() {
        return parameters.priority() == VrrpParameters.OWNER_PRIORITY && !ownerDemoted;
    }

    // ---- queries ----

    public long nextDeadline() {
        return switch (state) {
            case BACKUP -> masterDownAt;
            case MASTER -> Math.min(advertAt, Math.min(garpDelayAt, garpRefreshAt));
            default -> NO_DEADLINE;
        };
    }

    public VrrpState state() {
        return state;
    }

    public boolean faulted() {
        return ownFault || groupFault;
    }

    public boolean ownFault() {
        return ownFault;
    }

    public int effectivePriority() {
        return effectivePriority;
    }

    public VrrpParameters parameters() {
        return parameters;
    }

    /** The interval the backup timers use: v3 adopts the master's. */
    public long masterAdvertIntervalNanos() {
        return masterAdvertIntervalNanos;
    }

    /** The current master as far as we know (ourselves when master), or null. */
    public @Nullable InetAddress masterAddress() {
        return masterAddress;
    }

    /** When the current state was entered. */
    public long stateSince() {
        return stateSince;
    }
}
