package dev.vigil.vrrp;

import org.jspecify.annotations.Nullable;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code vrrp_sync_group}: its instances change state together. One member in FAULT puts every
 * member in FAULT until no member has a fault of its own; one member becoming MASTER makes the others
 * master; one master falling back to BACKUP takes the others with it. Pure; call {@link #memberChanged}
 * from each member's {@link VrrpActions#stateChanged} and {@link #refreshFaults} after a member's fault changed.
 */
public final class SyncGroup {

    private final String name;
    private final Map<String, VrrpStateMachine> members = new LinkedHashMap<>();
    private boolean propagating;
    private VrrpState groupState = VrrpState.INIT;

    public SyncGroup(String name) {
        this.name = name;
    }

    public void add(String instance, VrrpStateMachine machine) {
        members.put(instance, machine);
    }

    public String name() {
        return name;
    }

    public List<String> instances() {
        return List.copyOf(members.keySet());
    }

    /**
     * A member changed state; returns the group's new state if the group as a whole changed, else null.
     */
    public @Nullable VrrpState memberChanged(String instance, VrrpState from, VrrpState to, long now) {
        if (propagating) return null;
        propagating = true;
        try {
            for (var e : members.entrySet()) {
                if (e.getKey().equals(instance)) continue;
                if (to == VrrpState.MASTER) e.getValue().forceMaster(now, "sync group " + name + ": " + instance + " became master");
                else if (to == VrrpState.BACKUP && from == VrrpState.MASTER) {
                    e.getValue().forceBackup(now, "sync group " + name + ": " + instance + " went backup");
                }
            }
        } finally {
            propagating = false;
        }
        if (to != groupState && (to == VrrpState.MASTER || to == VrrpState.BACKUP || to == VrrpState.FAULT
                || (to == VrrpState.STOP && members.values().stream().allMatch(m -> m.state() == VrrpState.STOP)))) {
            groupState = to;
            return to;
        }
        return null;
    }

    /** Re-evaluates the group fault after any member's own fault changed. */
    public void refreshFaults(long now) {
        boolean any = members.values().stream().anyMatch(VrrpStateMachine::ownFault);
        for (VrrpStateMachine m : members.values()) m.onGroupFault(any, now);
    }

    public VrrpState state() {
        return groupState;
    }
}
