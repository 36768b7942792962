package dev.vigil.vrrp;

import java.util.List;

/**
 * Effective priority and fault of an instance from its tracked scripts and interfaces, as keepalived's
 * {@code vrrp_set_effective_priority}: a positive weight is added while the tracked thing is up, a
 * negative one while it is down ({@code reverse} flips the sign); the result is clamped to 1..254 and
 * an address owner (255) is never adjusted. A weight-0 track that is down (or up, with reverse) is a FAULT.
 */
public final class TrackedPriority {

    /** One tracked script or interface: its weight and reverse flag and whether it is up now. */
    public record Track(String name, int weight, boolean reverse, boolean up) {}

    /** The outcome: the priority to advertise and whether the instance must be in FAULT. */
    public record Result(int priority, boolean fault) {}

    private TrackedPriority() {}

    public static Result compute(int configuredPriority, List<Track> tracks) {
        boolean fault = false;
        int priority = configuredPriority;
        for (Track t : tracks) {
            int multiplier = t.reverse() ? -1 : 1;
            if (t.weight() == 0) {
                if (t.up() == t.reverse()) fault = true;
            } else if ((t.up() && t.weight() > 0) || (!t.up() && t.weight() < 0)) {
                priority += t.weight() * multiplier;
            }
        }
        if (configuredPriority == VrrpParameters.OWNER_PRIORITY) return new Result(configuredPriority, fault);
        return new Result(Math.clamp(priority, 1, 254), fault);
    }
}
