package dev.vigil.vrrp;

import dev.vigil.config.Script;
import dev.vigil.config.Source;
import dev.vigil.config.VrrpScript;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

import static dev.vigil.vrrp.VrrpTestModel.instance;
import static dev.vigil.vrrp.VrrpTestModel.ip;
import static org.assertj.core.api.Assertions.assertThat;

/** The runtime on an in-memory segment, real threads and time, v3 with 100 ms adverts (MDI about 0.36 s). */
class VrrpNodeTest {

    final FakeSegment segment = new FakeSegment();
    final List<String> events = new CopyOnWriteArrayList<>();

    VrrpNode node(FakeSegment.FakeNetwork net, VrrpTestModel.Instance i, List<VrrpScript> scripts) {
        return new VrrpNode(List.of(i.build()), List.of(), scripts, net,
                (name, from, to, prio) -> events.add(net.primary.getHostAddress() + " " + name + " " + from + "->" + to + " " + prio));
    }

    static VrrpTestModel.Instance fast(int priority) {
        return instance().version(3).priority(priority).advertInterval(Duration.ofMillis(100));
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void masterHoldsTheVipBackupTakesOverOnCrashAndOnCleanStop() throws Exception {
        var netA = segment.node("10.0.0.1");
        var netB = segment.node("10.0.0.2");
        var a = node(netA, fast(150), List.of());
        var b = node(netB, fast(100), List.of());
        try {
            a.start();
            b.start();
            await(() -> a.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "A master");
            Thread.sleep(300);
            assertThat(b.status("VI_1").orElseThrow().state()).isEqualTo(VrrpState.BACKUP);
            assertThat(netA.addresses).containsExactly(ip("192.168.3.110"));
            assertThat(netB.addresses).isEmpty();
            assertThat(netA.garps.get()).isEqualTo(5);
            var status = a.status("VI_1").orElseThrow();
            assertThat(status.masterSince()).isPresent();
            assertThat(status.advertsSent()).isPositive();
            assertThat(b.status("VI_1").orElseThrow().advertsReceived()).isPositive();
            assertThat(b.status("VI_1").orElseThrow().currentMaster()).contains(ip("10.0.0.1"));

            long crashed = System.nanoTime();
            a.crash();
            await(() -> netB.addresses.contains(ip("192.168.3.110")), "B holds the VIP");
            double seconds = (System.nanoTime() - crashed) / 1e9;
            System.out.printf("fake segment: takeover after crash %.3f s (MDI 0.361 s)%n", seconds);
            assertThat(seconds).isBetween(0.15, 2.0);

            // A comes back with a higher priority and preempts
            var a2 = node(netA, fast(150), List.of());
            a2.start();
            await(() -> a2.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "A master again");
            await(() -> b.status("VI_1").orElseThrow().state() == VrrpState.BACKUP, "B backup again");
            assertThat(netB.addresses).isEmpty();

            long stopped = System.nanoTime();
            a2.shutdown();
            assertThat(netA.addresses).isEmpty();
            await(() -> netB.addresses.contains(ip("192.168.3.110")), "B takes over after the priority 0 advert");
            double skew = (System.nanoTime() - stopped) / 1e9;
            System.out.printf("fake segment: takeover after clean stop %.3f s (skew 0.061 s)%n", skew);
            assertThat(skew).isLessThan(0.3);
            await(() -> events.stream().anyMatch(e -> e.startsWith("10.0.0.1 VI_1 MASTER->STOP")), "STOP notification");
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    @Test
    void aFailingWeightZeroScriptMeansFaultAndAWeightMovesTheMaster() throws Exception {
        var script = new VrrpScript("chk", new Script("/bin/true", List.of("/bin/true"), Optional.empty(), Source.BUILT_IN),
                Duration.ofSeconds(1), Duration.ofSeconds(1), 0, false, 1, 1, false, Source.BUILT_IN);
        var netA = segment.node("10.0.0.1");
        var netB = segment.node("10.0.0.2");
        var a = node(netA, fast(150).trackScript("chk", null), List.of(script));
        var b = node(netB, fast(100).trackScript("chk", 30), List.of(script));
        try {
            a.start();
            b.start();
            await(() -> a.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "A master");
            a.reportScriptResult("chk", false);
            await(() -> a.status("VI_1").orElseThrow().state() == VrrpState.FAULT, "A in FAULT");
            assertThat(netA.addresses).isEmpty();
            await(() -> b.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "B master");
            a.reportScriptResult("chk", true);
            await(() -> a.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "A master again (preempts)");
            await(() -> b.status("VI_1").orElseThrow().state() == VrrpState.BACKUP, "B backup again");
            // B's script weight 30 counts while the script is OK
            assertThat(b.status("VI_1").orElseThrow().effectivePriority()).isEqualTo(130);
            b.reportScriptResult("chk", false);
            await(() -> b.status("VI_1").orElseThrow().effectivePriority() == 100, "B's weight gone");
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }

    @Test
    void syncGroupMembersFollowEachOtherIntoFaultAndBack() throws Exception {
        var script = new VrrpScript("chk", new Script("/bin/true", List.of("/bin/true"), Optional.empty(), Source.BUILT_IN),
                Duration.ofSeconds(1), Duration.ofSeconds(1), 0, false, 1, 1, false, Source.BUILT_IN);
        var net = segment.node("10.0.0.1");
        List<String> groupEvents = new CopyOnWriteArrayList<>();
        var listener = new VrrpListener() {
            @Override public void onStateChange(String name, VrrpState from, VrrpState to, int prio) {}
            @Override public void onSyncGroupStateChange(String group, VrrpState from, VrrpState to) {
                groupEvents.add(group + " " + to);
            }
        };
        var node = new VrrpNode(List.of(fast(150).name("VI_A").vrid(1).trackScript("chk", null).build(),
                fast(150).name("VI_B").vrid(2).vips("192.168.4.110").build()),
                List.of(VrrpTestModel.syncGroup("G", "VI_A", "VI_B")), List.of(script), net, listener);
        try {
            node.start();
            await(() -> node.status().stream().allMatch(s -> s.state() == VrrpState.MASTER), "both master");
            node.reportScriptResult("chk", false);
            await(() -> node.status().stream().allMatch(s -> s.state() == VrrpState.FAULT), "both in FAULT");
            assertThat(net.addresses).isEmpty();
            node.reportScriptResult("chk", true);
            await(() -> node.status().stream().allMatch(s -> s.state() == VrrpState.MASTER), "both master again");
            // The group's notification follows its members' states: wait for it rather than race it.
            await(() -> groupEvents.contains("G FAULT") && groupEvents.getLast().equals("G MASTER"),
                    "group notified back to MASTER");
            assertThat(groupEvents).containsSubsequence("G BACKUP", "G MASTER", "G FAULT", "G BACKUP", "G MASTER");
        } finally {
            node.shutdown();
        }
    }

    @Test
    void aVipRemovedFromOutsideComesBack() throws Exception {
        var netA = segment.node("10.0.0.1");
        var a = node(netA, fast(150), List.of());
        try {
            a.start();
            await(() -> a.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "A master");
            long before = a.status("VI_1").orElseThrow().becameMaster();
            netA.addresses.clear();
            await(() -> a.status("VI_1").orElseThrow().becameMaster() > before, "A master again");
            await(() -> netA.addresses.contains(ip("192.168.3.110")), "the VIP back");
        } finally {
            a.shutdown();
        }
    }

    @Test
    void linkDownOnTheInstanceInterfaceIsAFault() throws Exception {
        var netA = segment.node("10.0.0.1");
        var a = node(netA, fast(150), List.of());
        try {
            a.start();
            await(() -> a.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "A master");
            netA.linkUp = false;
            await(() -> a.status("VI_1").orElseThrow().state() == VrrpState.FAULT, "A in FAULT");
            assertThat(netA.addresses).isEmpty();
            netA.linkUp = true;
            await(() -> a.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "A master after the link is back");
            assertThat(events).contains("10.0.0.1 VI_1 MASTER->FAULT 150", "10.0.0.1 VI_1 FAULT->BACKUP 150");
        } finally {
            a.shutdown();
        }
    }

    @Test
    void aFloodOfAdvertsWhileTheDriverIsBusyIsCutAtTheQueueBoundAndCounted() throws Exception {
        var netA = segment.node("10.0.0.1");
        var a = node(netA, fast(150), List.of());
        var busy = new CountDownLatch(1);
        try {
            a.start();
            var inbox = segment.channels.getFirst().inbox;
            InetAddress peer = ip("10.0.0.9");
            byte[] lower = fast(100).parameters().advertisement(100).encode(peer, VirtualWire.GROUP, false);
            a.submit(now -> {
                try {
                    busy.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            int flood = 5_000;
            for (int k = 0; k < flood; k++) inbox.add(new ReceivedPacket(lower, peer, VirtualWire.GROUP, 255));
            await(() -> {
                var s = a.status("VI_1").orElseThrow();
                return s.advertsReceived() + s.drops().get(DropReason.QUEUE_FULL) == flood;
            }, "the receive thread to take the whole flood");
            var s = a.status("VI_1").orElseThrow();
            assertThat(s.drops().get(DropReason.QUEUE_FULL)).as("adverts beyond the bound dropped and counted")
                    .isEqualTo(flood - VrrpInstanceRunner.MAX_QUEUED_ADVERTS);
            assertThat(s.advertsReceived()).isEqualTo(VrrpInstanceRunner.MAX_QUEUED_ADVERTS);

            busy.countDown();
            await(() -> a.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "A master once the driver is free");
            inbox.add(new ReceivedPacket(lower, peer, VirtualWire.GROUP, 255));
            await(() -> a.status("VI_1").orElseThrow().advertsReceived() == VrrpInstanceRunner.MAX_QUEUED_ADVERTS + 1,
                    "a drained queue to take adverts again");
            assertThat(a.status("VI_1").orElseThrow().drops().get(DropReason.QUEUE_FULL))
                    .isEqualTo(flood - VrrpInstanceRunner.MAX_QUEUED_ADVERTS);
        } finally {
            busy.countDown();
            a.shutdown();
        }
    }

    private static List<dev.vigil.config.VrrpInstance> instances(VrrpTestModel.Instance... i) {
        return java.util.Arrays.stream(i).map(VrrpTestModel.Instance::build).toList();
    }

    @Test
    void aReloadKeepsRestartsAddsAndRemovesInstanceByInstanceAndSaysSo() throws Exception {
        var net = segment.node("10.0.0.1");
        var node = new VrrpNode(instances(fast(150), fast(150).name("VI_2").vrid(52).vips("192.168.4.110"),
                fast(150).name("VI_3").vrid(53).vips("192.168.5.110")), List.of(), List.of(), net, VrrpListener.NONE);
        try {
            node.start();
            await(() -> node.status().stream().allMatch(s -> s.state() == VrrpState.MASTER), "all master");
            var before = node.status("VI_1").orElseThrow();

            var change = node.prepare(instances(fast(160), fast(150).name("VI_2").vrid(52).iface("eth1").vips("192.168.4.110"),
                    fast(150).name("VI_4").vrid(54).vips("192.168.6.110")), List.of(), List.of());
            List<String> done = change.apply();

            assertThat(done).containsExactly("VI_1: priority 150 -> 160, kept MASTER", "VI_2: restarted (interface changed)",
                    "VI_4: added", "VI_3: removed");
            assertThat(node.status()).extracting(VrrpInstanceStatus::name).containsExactly("VI_1", "VI_2", "VI_4");
            assertThat(net.addresses).doesNotContain(ip("192.168.4.110"), ip("192.168.5.110")).contains(ip("192.168.3.110"));
            await(() -> node.status().stream().allMatch(s -> s.state() == VrrpState.MASTER), "VI_2 and VI_4 master");
            assertThat(net.addresses).containsExactlyInAnyOrder(ip("192.168.3.110"), ip("192.168.4.110"), ip("192.168.6.110"));
            var after = node.status("VI_1").orElseThrow();
            assertThat(after.becameMaster()).isEqualTo(before.becameMaster());
            assertThat(after.masterSince()).isEqualTo(before.masterSince());
            assertThat(after.configuredPriority()).isEqualTo(160);
            await(() -> node.status("VI_1").orElseThrow().effectivePriority() == 160, "VI_1 at 160");
        } finally {
            node.shutdown();
        }
    }

    @Test
    void aReloadWhoseNewInstanceCannotOpenLeavesTheRunningOnesAlone() throws Exception {
        var net = segment.node("10.0.0.1");
        net.missing.add("nosuch0");
        var node = new VrrpNode(instances(fast(150)), List.of(), List.of(), net, VrrpListener.NONE);
        try {
            node.start();
            await(() -> node.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "VI_1 master");
            long masters = node.status("VI_1").orElseThrow().becameMaster();

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> node.prepare(instances(fast(150).iface("nosuch0"),
                    fast(150).name("VI_2").vrid(52).vips("192.168.4.110")), List.of(), List.of()))
                    .isInstanceOf(java.io.IOException.class).hasMessageContaining("nosuch0");
            Thread.sleep(500);

            assertThat(node.status()).extracting(VrrpInstanceStatus::name).containsExactly("VI_1");
            assertThat(node.status("VI_1").orElseThrow().state()).isEqualTo(VrrpState.MASTER);
            assertThat(node.status("VI_1").orElseThrow().becameMaster()).isEqualTo(masters);
            assertThat(net.addresses).containsExactly(ip("192.168.3.110"));
            assertThat(segment.channels).as("the channel of VI_2 was closed again").hasSize(1);
        } finally {
            node.shutdown();
        }
    }

    @Test
    void aScriptKeepsItsVerdictAcrossAReloadUntilItsCommandChanges() throws Exception {
        var script = new VrrpScript("chk", new Script("/bin/true", List.of("/bin/true"), Optional.empty(), Source.BUILT_IN),
                Duration.ofSeconds(1), Duration.ofSeconds(1), 0, false, 1, 1, false, Source.BUILT_IN);
        var net = segment.node("10.0.0.1");
        var node = new VrrpNode(instances(fast(150).trackScript("chk", -20)), List.of(), List.of(script), net, VrrpListener.NONE);
        try {
            node.start();
            await(() -> node.status("VI_1").orElseThrow().state() == VrrpState.MASTER, "VI_1 master");
            node.reportScriptResult("chk", false);
            await(() -> node.status("VI_1").orElseThrow().effectivePriority() == 130, "the failed script's weight");

            assertThat(node.prepare(instances(fast(160).trackScript("chk", -20)), List.of(), List.of(script)).apply())
                    .containsExactly("VI_1: priority 150 -> 160, kept MASTER");
            await(() -> node.status("VI_1").orElseThrow().effectivePriority() == 140, "still failed, from 160");

            var other = new VrrpScript("chk", new Script("/bin/false", List.of("/bin/false"), Optional.empty(), Source.BUILT_IN),
                    Duration.ofSeconds(1), Duration.ofSeconds(1), 0, false, 1, 1, false, Source.BUILT_IN);
            var change = node.prepare(instances(fast(160).trackScript("chk", -20)), List.of(), List.of(other));
            assertThat(change.scriptsChange()).isTrue();
            assertThat(change.apply()).containsExactly("vrrp_script chk: changed");
            await(() -> node.status("VI_1").orElseThrow().effectivePriority() == 160, "a new command starts OK");
        } finally {
            node.shutdown();
        }
    }

    @Test
    void aSyncGroupWhoseMembersOnlyChangePriorityCarriesOnInItsState() throws Exception {
        var net = segment.node("10.0.0.1");
        List<String> groupEvents = new CopyOnWriteArrayList<>();
        var listener = new VrrpListener() {
            @Override public void onStateChange(String name, VrrpState from, VrrpState to, int prio) {
                groupEvents.add(name + " " + to);
            }
            @Override public void onSyncGroupStateChange(String group, VrrpState from, VrrpState to) {
                groupEvents.add(group + " " + to);
            }
        };
        var groups = List.of(VrrpTestModel.syncGroup("G", "VI_A", "VI_B"));
        var node = new VrrpNode(instances(fast(150).name("VI_A").vrid(1), fast(150).name("VI_B").vrid(2).vips("192.168.4.110")),
                groups, List.of(), net, listener);
        try {
            node.start();
            await(() -> node.status().stream().allMatch(s -> s.state() == VrrpState.MASTER), "both master");
            await(() -> groupEvents.contains("G MASTER"), "the group master");
            Thread.sleep(200);
            groupEvents.clear();

            List<String> done = node.prepare(instances(fast(120).name("VI_A").vrid(1),
                    fast(130).name("VI_B").vrid(2).vips("192.168.4.110")), groups, List.of()).apply();
            Thread.sleep(1_000);

            assertThat(done).containsExactly("VI_A: priority 150 -> 120, kept MASTER", "VI_B: priority 150 -> 130, kept MASTER");
            assertThat(groupEvents).as("state changes after the reload").isEmpty();
            assertThat(node.status()).allMatch(s -> s.state() == VrrpState.MASTER);

            done = node.prepare(instances(fast(120).name("VI_A").vrid(1), fast(130).name("VI_B").vrid(2).vips("192.168.4.110")),
                    List.of(VrrpTestModel.syncGroup("G", "VI_A")), List.of()).apply();
            assertThat(done).containsExactly("sync group G: members changed", "VI_A: restarted (sync group G changed its members)",
                    "VI_B: restarted (sync group G changed its members)");
        } finally {
            node.shutdown();
        }
    }
}
