package dev.vigil.vrrp;

import dev.vigil.config.Garp;
import dev.vigil.config.VrrpInstance;
import dev.vigil.config.VrrpSyncGroup;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.vigil.vrrp.VrrpTestModel.instance;
import static dev.vigil.vrrp.VrrpTestModel.syncGroup;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A reload, on the virtual clock: a running instance takes what it can without leaving its state, and
 * {@link VrrpReloadPlan} decides which instances must restart.
 */
class VrrpReloadTest {
    static final long S = 1_000_000_000L;
    static final long MS = 1_000_000L;

    /** The review's case: priority 100 -> 101 on a master took its VIP away for 3.6 s (a restart). */
    @Test
    void aMasterWhosePriorityRisesStaysMasterWithItsVipAndTheBackupHearsTheNewPriority() {
        var wire = new VirtualWire();
        var a = wire.node("10.199.0.1", instance().priority(100));
        var b = wire.node("10.199.0.2", instance().priority(90));
        a.machine.onStart(0);
        b.machine.onStart(0);
        wire.runUntil(10 * S);
        assertThat(a.machine.state()).isEqualTo(VrrpState.MASTER);
        a.log.clear();
        b.log.clear();

        wire.runUntil(10 * S + 300 * MS);
        a.reload(instance().priority(101));
        assertThat(a.lastAdvert).as("the master tells the backup at once, not at its next advert").isEqualTo(10 * S + 300 * MS);
        wire.runUntil(30 * S);

        assertThat(a.log).as("VIP changes or state changes on the master after the reload").isEmpty();
        assertThat(b.log).as("state changes on the backup").isEmpty();
        assertThat(a.machine.state()).isEqualTo(VrrpState.MASTER);
        assertThat(a.machine.effectivePriority()).isEqualTo(101);
        assertThat(a.machine.stateSince()).isLessThan(10 * S);
        assertThat(b.machine.masterAddress()).isEqualTo(a.address);
    }

    @Test
    void aMasterWhosePriorityDropsBelowTheBackupsHandsOverThroughTheProtocol() {
        var wire = new VirtualWire();
        var a = wire.node("10.199.0.1", instance().priority(150));
        var b = wire.node("10.199.0.2", instance().priority(100));
        a.machine.onStart(0);
        b.machine.onStart(0);
        wire.runUntil(10 * S);
        long lastHigherAdvert = a.lastAdvert;
        a.log.clear();

        a.reload(instance().priority(50));
        wire.runUntil(20 * S);

        assertThat(b.machine.state()).isEqualTo(VrrpState.MASTER);
        assertThat(a.machine.state()).isEqualTo(VrrpState.BACKUP);
        // b ignores the lower adverts and preempts one master down interval (3.609 s) after the last higher one
        long preempted = lastHigherAdvert + 3_609_375_000L;
        assertThat(b.machine.stateSince()).isEqualTo(preempted);
        assertThat(a.log).containsExactly(preempted / MS + " ms remove", preempted / MS + " ms MASTER->BACKUP");
    }

    @Test
    void aBackupKeepsItsTimerAndANewAdvertIntervalTakesEffectOnTheMaster() {
        var wire = new VirtualWire();
        var fast = Duration.ofMillis(100);
        var a = wire.node("10.199.0.1", instance().version(3).advertInterval(fast).priority(150));
        var b = wire.node("10.199.0.2", instance().version(3).advertInterval(fast).priority(100));
        a.machine.onStart(0);
        b.machine.onStart(0);
        wire.runUntil(5 * S);
        a.log.clear();
        b.log.clear();

        b.reload(instance().version(3).advertInterval(Duration.ofMillis(200)).priority(120));
        a.reload(instance().version(3).advertInterval(Duration.ofMillis(200)).priority(150));
        wire.runUntil(6 * S);
        long advert = a.lastAdvert;
        wire.runUntil(advert + 199 * MS);
        assertThat(a.lastAdvert).as("no advert within the new 200 ms interval").isEqualTo(advert);
        wire.runUntil(advert + 200 * MS);
        assertThat(a.lastAdvert).isEqualTo(advert + 200 * MS);
        wire.runUntil(15 * S);
        assertThat(a.log).isEmpty();
        assertThat(b.log).isEmpty();
        assertThat(b.machine.effectivePriority()).isEqualTo(120);
        assertThat(b.machine.masterAdvertIntervalNanos()).as("v3: a backup adopts the master's interval").isEqualTo(200 * MS);
    }

    @Test
    void garpRefreshFollowsTheReload() {
        var wire = new VirtualWire();
        var a = wire.node("10.199.0.1", instance().priority(255));
        a.machine.onStart(0);
        assertThat(a.machine.nextDeadline()).isEqualTo(1 * S);
        a.reload(instance().priority(255).garp(new Garp(Duration.ZERO, 5, Duration.ofMillis(300), 1)));
        assertThat(a.machine.nextDeadline()).isEqualTo(300 * MS);
    }

    @Test
    void theStateMachineRefusesAChangeOfIdentity() {
        var m = new VrrpStateMachine(instance().parameters(), VrrpTestModel.ip("10.199.0.1"), new RecordingActions());
        m.onStart(0);
        assertThatThrownBy(() -> m.reconfigure(instance().vrid(52).parameters(), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a restart");
    }

    @Test
    void whatARunningInstanceTakesAndWhatRestartsIt() {
        VrrpInstance base = instance().build();
        assertThat(VrrpInstanceChange.between(base, instance().priority(101).build()))
                .isEqualTo(new VrrpInstanceChange(List.of(), List.of("priority 100 -> 101")));
        assertThat(VrrpInstanceChange.between(base, instance().advertInterval(Duration.ofMillis(1500)).nopreempt()
                .trackScript("chk", 10).build()).changes())
                .containsExactly("advert_int 1 -> 1.5", "nopreempt", "track_script changed");
        assertThat(VrrpInstanceChange.between(base, instance().iface("eth1").build()).restartBecause())
                .containsExactly("interface changed");
        assertThat(VrrpInstanceChange.between(base, instance().vips("192.168.3.111").vrid(9).build()).restartBecause())
                .containsExactly("virtual_router_id changed", "virtual_ipaddress changed");
        assertThat(VrrpInstanceChange.between(base, instance().priority(255).build()).restartBecause())
                .containsExactly("address owner (priority 255) changed");
        assertThat(VrrpInstanceChange.between(base, instance().build()).none()).isTrue();
    }

    @Test
    void thePlanKeepsRestartsAddsAndRemovesInstanceByInstance() {
        List<VrrpInstance> before = List.of(instance().name("VI_1").build(), instance().name("VI_2").vrid(52).build(),
                instance().name("VI_3").vrid(53).build());
        List<VrrpInstance> after = List.of(instance().name("VI_1").priority(101).build(),
                instance().name("VI_2").vrid(52).iface("eth1").build(), instance().name("VI_4").vrid(54).build());
        VrrpReloadPlan plan = VrrpReloadPlan.of(before, List.of(), after, List.of());
        assertThat(plan.kept()).containsOnlyKeys("VI_1");
        assertThat(plan.restarted()).containsExactlyEntriesOf(java.util.Map.of("VI_2", "interface changed"));
        assertThat(plan.added()).containsExactly("VI_4");
        assertThat(plan.removed()).containsExactly("VI_3");
    }

    @Test
    void aSyncGroupRestartsTogetherWhenItsMembersChangeOrOneOfThemRestarts() {
        List<VrrpInstance> three = List.of(instance().name("VI_1").build(), instance().name("VI_2").vrid(52).build(),
                instance().name("VI_3").vrid(53).build());
        List<VrrpSyncGroup> g12 = List.of(syncGroup("G", "VI_1", "VI_2"));
        List<VrrpSyncGroup> g123 = List.of(syncGroup("G", "VI_1", "VI_2", "VI_3"));

        VrrpReloadPlan regrouped = VrrpReloadPlan.of(three, g12, three, g123);
        assertThat(regrouped.kept()).isEmpty();
        assertThat(regrouped.restarted()).containsOnlyKeys("VI_1", "VI_2", "VI_3")
                .containsEntry("VI_3", "sync group G changed its members");
        assertThat(regrouped.carriedGroups()).isEmpty();

        List<VrrpInstance> vi2Moved = List.of(three.get(0), instance().name("VI_2").vrid(52).iface("eth1").build(),
                three.get(2));
        VrrpReloadPlan dragged = VrrpReloadPlan.of(three, g12, vi2Moved, g12);
        assertThat(dragged.restarted()).containsEntry("VI_2", "interface changed").containsEntry("VI_1", "with sync group G");
        assertThat(dragged.kept()).containsOnlyKeys("VI_3");

        List<VrrpInstance> prioritiesOnly = List.of(instance().name("VI_1").priority(120).build(),
                instance().name("VI_2").vrid(52).priority(120).build(), three.get(2));
        VrrpReloadPlan carried = VrrpReloadPlan.of(three, g12, prioritiesOnly, g12);
        assertThat(carried.restarted()).isEmpty();
        assertThat(carried.carriedGroups()).containsExactly("G");
    }
}
