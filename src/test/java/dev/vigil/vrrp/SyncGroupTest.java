package dev.vigil.vrrp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.vigil.vrrp.VrrpTestModel.instance;
import static dev.vigil.vrrp.VrrpTestModel.ip;
import static org.assertj.core.api.Assertions.assertThat;

class SyncGroupTest {

    static final long S = 1_000_000_000L;

    final SyncGroup group = new SyncGroup("G1");
    final List<String> groupChanges = new ArrayList<>();
    long now;

    VrrpStateMachine member(String name, VrrpTestModel.Instance i) {
        var actions = new RecordingActions() {
            @Override public void stateChanged(VrrpState from, VrrpState to, String reason) {
                super.stateChanged(from, to, reason);
                VrrpState g = group.memberChanged(name, from, to, now);
                if (g != null) groupChanges.add(g.name());
            }
        };
        var m = new VrrpStateMachine(i.name(name).parameters(), ip("10.0.0.1"), actions);
        group.add(name, m);
        return m;
    }

    @Test
    void oneMemberBecomingMasterTakesTheOthersAlong() {
        var a = member("VI_A", instance().priority(150).vrid(1));
        var b = member("VI_B", instance().priority(100).vrid(2).vips("192.168.4.110"));
        a.onStart(0);
        b.onStart(0);
        now = a.nextDeadline();
        a.onTimer(now);  // a's MDI is shorter (higher priority)
        assertThat(a.state()).isEqualTo(VrrpState.MASTER);
        assertThat(b.state()).isEqualTo(VrrpState.MASTER);
        assertThat(groupChanges).containsExactly("BACKUP", "MASTER");

        // a higher-priority peer takes a back to backup: b follows
        now = 5 * S;
        a.onAdvertisement(instance().priority(200).vrid(1).parameters().advertisement(200), ip("10.0.0.9"), now);
        assertThat(a.state()).isEqualTo(VrrpState.BACKUP);
        assertThat(b.state()).isEqualTo(VrrpState.BACKUP);
    }

    @Test
    void oneMemberInFaultFaultsTheGroupUntilItClears() {
        var a = member("VI_A", instance().priority(150).vrid(1));
        var b = member("VI_B", instance().priority(100).vrid(2).vips("192.168.4.110"));
        a.onStart(0);
        b.onStart(0);
        now = S;
        b.onFault(now);
        group.refreshFaults(now);
        assertThat(a.state()).isEqualTo(VrrpState.FAULT);
        assertThat(b.state()).isEqualTo(VrrpState.FAULT);
        now = 2 * S;
        b.onFaultCleared(now);
        group.refreshFaults(now);
        assertThat(a.state()).isEqualTo(VrrpState.BACKUP);
        assertThat(b.state()).isEqualTo(VrrpState.BACKUP);
    }
}
