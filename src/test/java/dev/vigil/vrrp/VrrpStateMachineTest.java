package dev.vigil.vrrp;

import dev.vigil.config.Garp;
import dev.vigil.config.VrrpInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static dev.vigil.vrrp.VrrpTestModel.instance;
import static dev.vigil.vrrp.VrrpTestModel.ip;
import static org.assertj.core.api.Assertions.assertThat;

class VrrpStateMachineTest {

    static final long S = 1_000_000_000L;
    static final long MS = 1_000_000L;
    static final InetAddress LOCAL = ip("10.199.0.1");
    static final InetAddress PEER_HIGHER_IP = ip("10.199.0.2");
    static final InetAddress PEER_LOWER_IP = ip("10.199.0.0");

    final RecordingActions actions = new RecordingActions();

    VrrpStateMachine machine(VrrpTestModel.Instance i) {
        return new VrrpStateMachine(i.parameters(), LOCAL, actions);
    }

    static VrrpAdvertisement advert(VrrpTestModel.Instance i, int priority) {
        return i.parameters().advertisement(priority);
    }

    /** Runs timers up to {@code until} the way the driver does, returning the time of the last one run. */
    static void runUntil(VrrpStateMachine m, long until) {
        while (m.nextDeadline() <= until) m.onTimer(m.nextDeadline());
    }

    @ParameterizedTest(name = "v{0} prio {1} interval {2} cs: skew {3} ns, MDI {4} ns")
    @CsvSource({
            // version, priority, interval cs, skew ns, master down interval ns
            "2, 150, 100, 414062500, 3414062500",  // 3 + 106/256 s
            "2, 100, 100, 609375000, 3609375000",
            "2, 254, 100,   7812500, 3007812500",
            "2, 1,   300, 2988281250, 11988281250",
            "3, 120,  50, 265625000, 1765625000",  // 1.5 + 0.266 s (vrrp.md)
            "3, 100,  10,  60937500,  360937500",  // 0.3 + 0.061 s
            "3, 110, 100, 570312500, 3570312500",
    })
    void timerFormulas(int version, int priority, int centis, long skew, long mdi) {
        long interval = VrrpTimers.centisToNanos(centis);
        assertThat(VrrpTimers.skewNanos(priority, interval)).isEqualTo(skew);
        assertThat(VrrpTimers.masterDownIntervalNanos(priority, interval)).isEqualTo(mdi);
        // and the state machine uses exactly that: a silent start becomes master after one MDI
        var i = instance().version(version).priority(priority).advertInterval(Duration.ofMillis(centis * 10L));
        var m = machine(i);
        m.onStart(0);
        assertThat(m.nextDeadline()).isEqualTo(mdi);
        m.onTimer(mdi - 1);
        assertThat(m.state()).isEqualTo(VrrpState.BACKUP);
        m.onTimer(mdi);
        assertThat(m.state()).isEqualTo(VrrpState.MASTER);
    }

    @Test
    void startRemovesVipsThenWaitsOneMasterDownIntervalEvenWithStateMaster() {
        var m = machine(instance().state(VrrpInstance.InitialState.MASTER).priority(150));
        m.onStart(0);
        assertThat(actions.take()).containsExactly("remove", "INIT->BACKUP");
        m.onTimer(3 * S);
        assertThat(m.state()).isEqualTo(VrrpState.BACKUP);
        m.onTimer(3_414_062_500L);
        assertThat(actions.take()).containsExactly("advert 150", "add", "garp 5", "BACKUP->MASTER");
    }

    @Test
    void ownerBecomesMasterAtOnce() {
        var m = machine(instance().priority(255));
        m.onStart(0);
        assertThat(actions.take()).containsExactly("remove", "advert 255", "add", "garp 5", "INIT->MASTER");
        assertThat(m.nextDeadline()).isEqualTo(1 * S);
    }

    @Test
    void masterAdvertisesEveryIntervalAndRepeatsGarpsAfterTheDelay() {
        var m = machine(instance().priority(255));
        m.onStart(0);
        actions.take();
        runUntil(m, 6 * S);
        assertThat(actions.take()).containsExactly("advert 255", "advert 255", "advert 255", "advert 255", "advert 255",
                "garp 5", "advert 255");
    }

    @Test
    void garpRefreshSendsRefreshRepeatEveryRefresh() {
        var m = machine(instance().priority(255).garp(new Garp(Duration.ZERO, 2, Duration.ofSeconds(10), 3)));
        m.onStart(0);
        assertThat(actions.take()).contains("garp 2");
        runUntil(m, 20 * S);
        assertThat(actions.take().stream().filter(s -> s.startsWith("garp"))).containsExactly("garp 3", "garp 3");
    }

    @Test
    void backupResetsTheTimerOnHigherOrEqualPriority() {
        var i = instance().priority(100);
        var m = machine(i);
        m.onStart(0);
        m.onAdvertisement(advert(i, 200), PEER_HIGHER_IP, 2 * S);
        assertThat(m.nextDeadline()).isEqualTo(2 * S + 3_609_375_000L);
        m.onAdvertisement(advert(i, 100), PEER_LOWER_IP, 3 * S);  // equal: a backup stays backup
        assertThat(m.nextDeadline()).isEqualTo(3 * S + 3_609_375_000L);
        assertThat(m.masterAddress()).isEqualTo(PEER_LOWER_IP);
    }

    @Test
    void backupWithPreemptIgnoresLowerPriorityAndTakesOver() {
        var i = instance().priority(150);
        var m = machine(i);
        m.onStart(0);
        m.onAdvertisement(advert(i, 100), PEER_HIGHER_IP, 1 * S);
        m.onAdvertisement(advert(i, 100), PEER_HIGHER_IP, 2 * S);
        assertThat(m.nextDeadline()).isEqualTo(3_414_062_500L);
        m.onTimer(3_414_062_500L);
        assertThat(m.state()).isEqualTo(VrrpState.MASTER);
    }

    @Test
    void nopreemptBackupStaysBehindALowerPriorityMaster() {
        var i = instance().priority(150).nopreempt();
        var m = machine(i);
        m.onStart(0);
        for (long t = 1; t < 20; t++) {
            m.onAdvertisement(advert(i, 100), PEER_HIGHER_IP, t * S);
            runUntil(m, t * S);
        }
        assertThat(m.state()).isEqualTo(VrrpState.BACKUP);
    }

    @Test
    void preemptDelayHoldsPreemptionForTheDelay() {
        var i = instance().priority(150).preemptDelay(Duration.ofSeconds(10));
        var m = machine(i);
        m.onStart(0);
        long t = 0;
        while (m.state() == VrrpState.BACKUP && t < 30 * S) {
            t += S;
            m.onAdvertisement(advert(i, 100), PEER_HIGHER_IP, t);
            runUntil(m, t + S - 1);
        }
        assertThat(m.state()).isEqualTo(VrrpState.MASTER);
        // accepted until 10 s, then discarded: master at the MDI after the last accepted advert
        assertThat(m.stateSince()).isEqualTo(9 * S + 3_414_062_500L);
    }

    @Test
    void aPreemptionWaitsWhileTheNodeIsNotReadyAndATakeoverNever() {
        var i = instance().priority(150);
        var m = machine(i);
        m.onStart(0);
        actions.ready = false;
        // A live master of priority 100 advertises every second; we would preempt at 3.414 s, but are not ready.
        for (long t = 1; t <= 8; t++) {
            m.onAdvertisement(advert(i, 100), PEER_HIGHER_IP, t * S);
            runUntil(m, t * S + S - 1);
        }
        assertThat(m.state()).isEqualTo(VrrpState.BACKUP);
        assertThat(actions.take()).contains("ready?").doesNotContain("BACKUP->MASTER");
        // Ready: the next check, at most 100 ms later, preempts.
        actions.ready = true;
        m.onAdvertisement(advert(i, 100), PEER_HIGHER_IP, 9 * S);
        runUntil(m, 9 * S + 100 * MS);
        assertThat(m.state()).isEqualTo(VrrpState.MASTER);

        // A master that dies while we are not ready is taken over at the master down interval, never held.
        var j = instance().priority(150);
        var n = new VrrpStateMachine(j.parameters(), LOCAL, actions);
        n.onStart(0);
        actions.ready = false;
        n.onAdvertisement(advert(j, 100), PEER_HIGHER_IP, S);
        n.onAdvertisement(advert(j, 200), PEER_HIGHER_IP, 2 * S); // a higher one, then silence
        runUntil(n, 2 * S + 3_414_062_500L);
        assertThat(n.state()).isEqualTo(VrrpState.MASTER);
    }

    @Test
    void priorityZeroMakesTheBackupTakeOverAfterSkew() {
        var i = instance().priority(150);
        var m = machine(i);
        m.onStart(0);
        m.onAdvertisement(advert(i, 200), PEER_HIGHER_IP, S);
        m.onAdvertisement(advert(i, 0), PEER_HIGHER_IP, 2 * S);
        assertThat(m.nextDeadline()).isEqualTo(2 * S + 414_062_500L);
        m.onTimer(2 * S + 414_062_500L);
        assertThat(m.state()).isEqualTo(VrrpState.MASTER);
    }

    @Test
    void masterStepsDownForHigherPriority() {
        var i = instance().priority(255);
        var m = new VrrpStateMachine(instance().priority(100).parameters(), LOCAL, actions);
        m.onStart(0);
        m.onTimer(m.nextDeadline());
        actions.take();
        m.onAdvertisement(advert(i, 200), PEER_LOWER_IP, 5 * S);
        // the last advert tells the winner, which may have been master too, to refresh the neighbours' caches
        assertThat(actions.take()).containsExactly("advert 100", "remove", "MASTER->BACKUP");
        assertThat(m.nextDeadline()).isEqualTo(5 * S + 3_609_375_000L);
    }

    @Test
    void masterAnswersALowerPriorityAtOnceWithGratuitousArpsAndStaysMaster() {
        var i = instance().priority(150);
        var m = machine(i);
        m.onStart(0);
        m.onTimer(m.nextDeadline());
        runUntil(m, 20 * S);
        actions.take();
        // the other master's ARPs pointed the neighbours at it: ours go out at once and again after garp_master_delay
        m.onAdvertisement(advert(i, 100), PEER_HIGHER_IP, 20 * S);
        assertThat(actions.take()).containsExactly("advert 150", "garp 5");
        runUntil(m, 25 * S - 1);
        assertThat(actions.take()).containsOnly("advert 150");
        runUntil(m, 25 * S);
        assertThat(actions.take()).containsExactly("garp 5");
        assertThat(m.state()).isEqualTo(VrrpState.MASTER);
    }

    @Test
    void aFloodOfLowerPriorityAdvertsGetsOneImmediateAnswerPerInterval() {
        var i = instance().priority(150);
        var m = machine(i);
        m.onStart(0);
        m.onTimer(m.nextDeadline());
        actions.take();
        long start = m.nextDeadline() - 1; // just before a periodic advert is due, to leave it out of the count
        runUntil(m, start);
        actions.take();
        long interval = i.parameters().advertIntervalNanos();
        m.onAdvertisement(advert(i, 100), PEER_HIGHER_IP, start);
        assertThat(actions.take()).as("the first answer is immediate").containsExactly("advert 150", "garp 5");
        for (int k = 1; k < 1000; k++) {
            long at = start + k * (interval / 1000);
            runUntil(m, at);
            m.onAdvertisement(advert(i, k % 2 == 0 ? 100 : 0), PEER_HIGHER_IP, at);
        }
        runUntil(m, start + interval - 1);
        assertThat(actions.take()).as("1000 lower-priority adverts in one interval: the periodic advert only")
                .containsExactly("advert 150");
        assertThat(m.state()).isEqualTo(VrrpState.MASTER);
        m.onAdvertisement(advert(i, 100), PEER_HIGHER_IP, start + interval);
        assertThat(actions.take()).as("a new interval, a new immediate answer").containsExactly("advert 150", "garp 5");
    }

    @Test
    void equalPriorityIsWonByTheHigherAddressComparedUnsigned() {
        var i = instance().priority(150);
        var m = machine(i);
        m.onStart(0);
        m.onTimer(m.nextDeadline());
        m.onAdvertisement(advert(i, 150), PEER_LOWER_IP, 5 * S);
        assertThat(m.state()).isEqualTo(VrrpState.MASTER);
        m.onAdvertisement(advert(i, 150), PEER_HIGHER_IP, 6 * S);
        assertThat(m.state()).isEqualTo(VrrpState.BACKUP);
        // 200.x > 10.x only when bytes compare unsigned
        assertThat(VrrpStateMachine.compareUnsigned(ip("200.0.0.1"), ip("10.0.0.1"))).isPositive();
        assertThat(VrrpStateMachine.compareUnsigned(ip("fe80::1"), ip("fd00::1"))).isPositive();
    }

    @Test
    void twoAddressOwnersMeetingDemoteTheLocalOneTo254() {
        var i = instance().priority(255);
        var m = machine(i);
        m.onStart(0);
        actions.take();
        m.onAdvertisement(advert(i, 255), PEER_LOWER_IP, S);
        assertThat(m.effectivePriority()).isEqualTo(254);
        assertThat(actions.take()).containsExactly("advert 254", "remove", "MASTER->BACKUP");
    }

    @Test
    void masterAnswersPriorityZeroWithAnAdvertAtOnce() {
        var i = instance().priority(150);
        var m = machine(i);
        m.onStart(0);
        m.onTimer(m.nextDeadline());
        actions.take();
        m.onAdvertisement(advert(i, 0), PEER_HIGHER_IP, 5 * S);
        assertThat(actions.take()).containsExactly("advert 150");
    }

    @Test
    void v3BackupAdoptsTheMastersInterval() {
        var mine = instance().version(3).priority(100);
        var theirs = instance().version(3).priority(200).advertInterval(Duration.ofMillis(500));
        var m = machine(mine);
        m.onStart(0);
        m.onAdvertisement(advert(theirs, 200), PEER_HIGHER_IP, S);
        assertThat(m.masterAdvertIntervalNanos()).isEqualTo(500 * MS);
        assertThat(m.nextDeadline()).isEqualTo(S + 3 * 500 * MS + 500 * MS * 156 / 256);
        // v2 never adopts (and a different v2 interval is dropped by the decoder)
        var v2 = machine(instance().priority(100));
        v2.onStart(0);
        v2.onAdvertisement(advert(instance().priority(200), 200), PEER_HIGHER_IP, S);
        assertThat(v2.masterAdvertIntervalNanos()).isEqualTo(S);
    }

    @Test
    void masterInFaultSendsPriorityZeroRemovesVipsAndGoesSilent() {
        var i = instance().priority(150);
        var m = machine(i);
        m.onStart(0);
        m.onTimer(m.nextDeadline());
        actions.take();
        m.onFault(10 * S);
        assertThat(actions.take()).containsExactly("advert 0", "remove", "MASTER->FAULT");
        assertThat(m.nextDeadline()).isEqualTo(VrrpStateMachine.NO_DEADLINE);
        m.onAdvertisement(advert(i, 200), PEER_HIGHER_IP, 11 * S);
        m.onTimer(100 * S);
        assertThat(actions.take()).isEmpty();
        m.onFaultCleared(200 * S);
        assertThat(actions.take()).containsExactly("FAULT->BACKUP");
        assertThat(m.nextDeadline()).isEqualTo(200 * S + 3_414_062_500L);
    }

    @Test
    void aVipDeletedFromOutsideMeansPriorityZeroThenMasterAgainAfterSkew() {
        var m = machine(instance().priority(150));
        m.onStart(0);
        m.onTimer(m.nextDeadline());
        actions.take();
        m.onVirtualIpLost(10 * S);
        assertThat(actions.take()).containsExactly("advert 0", "remove", "MASTER->BACKUP");
        assertThat(m.nextDeadline()).isEqualTo(10 * S + 414_062_500L);
        m.onTimer(10 * S + 414_062_500L);
        assertThat(actions.take()).containsExactly("advert 150", "add", "garp 5", "BACKUP->MASTER");
    }

    @Test
    void faultBeforeStartStartsInFault() {
        var m = machine(instance());
        m.onFault(0);
        m.onStart(0);
        assertThat(actions.take()).containsExactly("remove", "INIT->FAULT");
    }

    @Test
    void shutdownOfAMasterSendsPriorityZeroThenRemovesVips() {
        var m = machine(instance().priority(255));
        m.onStart(0);
        actions.take();
        m.onShutdown(S);
        assertThat(actions.take()).containsExactly("advert 0", "remove", "MASTER->STOP");
        m.onShutdown(2 * S);
        assertThat(actions.take()).isEmpty();
        var backup = machine(instance());
        backup.onStart(0);
        actions.take();
        backup.onShutdown(S);
        assertThat(actions.take()).containsExactly("BACKUP->STOP");
    }

    @Test
    void priorityChangeIsClampedAdvertisedAtOnceByAMasterAndIgnoredForAnOwner() {
        var m = machine(instance().priority(150));
        m.onStart(0);
        m.onTimer(m.nextDeadline());
        actions.take();
        m.onPriorityChange(300, 5 * S);
        assertThat(m.effectivePriority()).isEqualTo(254);
        assertThat(actions.take()).containsExactly("advert 254");
        m.onPriorityChange(-5, 5 * S);
        assertThat(m.effectivePriority()).isEqualTo(1);
        var owner = machine(instance().priority(255));
        owner.onPriorityChange(100, 0);
        assertThat(owner.effectivePriority()).isEqualTo(255);
    }

    @Test
    void twoMachinesOnAVirtualWireElectTheHigherPriorityAndFailOver() {
        var wire = new VirtualWire();
        var a = wire.node("10.199.0.1", instance().priority(150));
        var b = wire.node("10.199.0.2", instance().priority(100));
        a.machine.onStart(0);
        b.machine.onStart(0);
        wire.runUntil(10 * S);
        assertThat(a.machine.state()).isEqualTo(VrrpState.MASTER);
        assertThat(b.machine.state()).isEqualTo(VrrpState.BACKUP);
        // a dies silently at 10 s (its last advert was at 10 s at the latest): b takes over one MDI later
        long lastAdvert = wire.lastAdvertFrom(a);
        wire.kill(a);
        wire.runUntil(20 * S);
        assertThat(b.machine.state()).isEqualTo(VrrpState.MASTER);
        assertThat(b.machine.stateSince() - lastAdvert).isEqualTo(3_609_375_000L);
        // a comes back and preempts after its MDI
        wire.revive(a, 20 * S);
        wire.runUntil(30 * S);
        assertThat(a.machine.state()).isEqualTo(VrrpState.MASTER);
        assertThat(b.machine.state()).isEqualTo(VrrpState.BACKUP);
        // a clean stop of a hands over after b's skew
        a.machine.onShutdown(30 * S);
        wire.runUntil(40 * S);
        assertThat(b.machine.stateSince()).isEqualTo(30 * S + 609_375_000L);
    }

    /**
     * Whichever master's advert crosses the healed link first, the split heals at it and the winner sends
     * gratuitous ARPs at once: the loser's ARPs pointed the neighbours on its side at the loser's MAC.
     */
    @ParameterizedTest(name = "the link comes back {0} ms before the winner's next advert")
    @CsvSource({"1", "500", "999"})
    void splitBrainHealsToOneMasterAtTheNextAdvertAndTheWinnerRefreshesTheNeighbours(long millisBeforeWinnersAdvert) {
        var wire = new VirtualWire();
        var a = wire.node("10.199.0.1", instance().priority(150));
        var b = wire.node("10.199.0.2", instance().priority(100));
        a.machine.onStart(0);
        b.machine.onStart(0);
        wire.runUntil(10 * S);
        wire.cut = true;
        wire.runUntil(20 * S);
        assertThat(a.machine.state()).isEqualTo(VrrpState.MASTER);
        assertThat(b.machine.state()).isEqualTo(VrrpState.MASTER);
        long restore = a.machine.nextDeadline() - millisBeforeWinnersAdvert * MS;
        wire.runUntil(restore);
        a.garps.clear();
        wire.cut = false;
        wire.runUntil(restore + S);
        assertThat(a.machine.state()).isEqualTo(VrrpState.MASTER);
        assertThat(b.machine.state()).isEqualTo(VrrpState.BACKUP);
        assertThat(a.garps).as("the winner's gratuitous ARPs after the restore").isNotEmpty()
                .allSatisfy(t -> assertThat(t).isBetween(restore, restore + S));
    }
}
