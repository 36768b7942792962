package dev.vigil.vrrp;

import java.util.ArrayList;
import java.util.List;

/** Records what a state machine asked for, as short strings: "advert 100", "add", "remove", "garp 5", "BACKUP->MASTER". */
class RecordingActions implements VrrpActions {
    final List<String> log = new ArrayList<>();
    /** What {@link #readyToPreempt} answers; each question is logged as "ready?". */
    boolean ready = true;

    @Override public void sendAdvertisement(int priority) { log.add("advert " + priority); }
    @Override public void addVirtualIps() { log.add("add"); }
    @Override public void removeVirtualIps() { log.add("remove"); }
    @Override public void sendGratuitousArps(int count) { log.add("garp " + count); }
    @Override public boolean readyToPreempt() { log.add("ready?"); return ready; }
    @Override public void stateChanged(VrrpState from, VrrpState to, String reason) { log.add(from + "->" + to); }

    List<String> take() {
        var copy = List.copyOf(log);
        log.clear();
        return copy;
    }
}
