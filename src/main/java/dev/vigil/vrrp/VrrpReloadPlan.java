package dev.vigil.vrrp;

import dev.vigil.config.VrrpInstance;
import dev.vigil.config.VrrpSyncGroup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a reload does to each VRRP instance, from the running configuration and the new one. An instance
 * that only changed what a running instance can take ({@link VrrpInstanceChange}) is kept, in its state;
 * one whose identity changed restarts; so do all members of a sync group whose members changed, or one of
 * whose members restarts, since a group's instances change state together. Pure.
 *
 * @param kept          instances that carry on, with what changed in them (possibly nothing)
 * @param restarted     instances that stop and start again, with why ("interface changed")
 * @param added         instances that start
 * @param removed       instances that stop
 * @param carriedGroups sync groups that carry on with their state (no member restarts)
 */
public record VrrpReloadPlan(Map<String, VrrpInstanceChange> kept, Map<String, String> restarted, List<String> added,
                             List<String> removed, Set<String> carriedGroups) {

    public VrrpReloadPlan {
        kept = Collections.unmodifiableMap(new LinkedHashMap<>(kept));
        restarted = Collections.unmodifiableMap(new LinkedHashMap<>(restarted));
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        carriedGroups = Set.copyOf(carriedGroups);
    }

    public static VrrpReloadPlan of(List<VrrpInstance> before, List<VrrpSyncGroup> groupsBefore,
                                    List<VrrpInstance> after, List<VrrpSyncGroup> groupsAfter) {
        Map<String, VrrpInstance> running = new LinkedHashMap<>();
        before.forEach(i -> running.put(i.name(), i));
        Map<String, VrrpInstanceChange> kept = new LinkedHashMap<>();
        Map<String, String> restarted = new LinkedHashMap<>();
        List<String> added = new ArrayList<>();
        for (VrrpInstance i : after) {
            VrrpInstance was = running.remove(i.name());
            if (was == null) {
                added.add(i.name());
                continue;
            }
            VrrpInstanceChange change = VrrpInstanceChange.between(was, i);
            if (change.needsRestart()) restarted.put(i.name(), String.join(", ", change.restartBecause()));
            else kept.put(i.name(), change);
        }
        Map<String, List<String>> membersBefore = new HashMap<>();
        groupsBefore.forEach(g -> membersBefore.put(g.name(), g.instances()));
        Set<String> regrouped = new HashSet<>(membersBefore.keySet());
        for (VrrpSyncGroup g : groupsAfter) {
            if (g.instances().equals(membersBefore.get(g.name()))) regrouped.remove(g.name());
            else regrouped.add(g.name());
        }
        for (VrrpSyncGroup g : groupsBefore) {
            if (regrouped.contains(g.name())) restart(g.instances(), kept, restarted, "sync group " + g.name() + " changed its members");
        }
        for (VrrpSyncGroup g : groupsAfter) {
            if (regrouped.contains(g.name())) restart(g.instances(), kept, restarted, "sync group " + g.name() + " changed its members");
        }
        Set<String> carried = new HashSet<>();
        for (VrrpSyncGroup g : groupsAfter) {
            if (regrouped.contains(g.name())) continue;
            if (g.instances().stream().anyMatch(n -> restarted.containsKey(n) || added.contains(n))) {
                restart(g.instances(), kept, restarted, "with sync group " + g.name());
            } else {
                carried.add(g.name());
            }
        }
        return new VrrpReloadPlan(kept, restarted, added, new ArrayList<>(running.keySet()), carried);
    }

    private static void restart(List<String> members, Map<String, VrrpInstanceChange> kept, Map<String, String> restarted,
                                String why) {
        for (String name : members) {
            if (kept.remove(name) != null) restarted.put(name, why);
        }
    }
}
