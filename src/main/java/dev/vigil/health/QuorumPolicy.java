package dev.vigil.health;

/**
 * keepalived's quorum of a virtual server, pure: the quorum is lost when the total weight of live real
 * servers falls below {@code quorum - hysteresis} (or to 0), and regained only at
 * {@code quorum + hysteresis} or more, so a weight hovering at the threshold does not flap. For the side
 * that knows every real server's weight of a virtual server (the balancer); {@link HealthMonitor} does not
 * judge quorums nor run {@code quorum_up}/{@code quorum_down}.
 */
public final class QuorumPolicy {

    private final int quorum;
    private final int hysteresis;
    private boolean up = true;

    public QuorumPolicy(int quorum, int hysteresis) {
        this.quorum = quorum;
        this.hysteresis = hysteresis;
    }

    public boolean up() {
        return up;
    }

    /** Takes the live weight; returns true when the quorum state changed. */
    public boolean update(long liveWeight) {
        if (up && (liveWeight == 0 || liveWeight < (long) quorum - hysteresis)) {
            up = false;
            return true;
        }
        if (!up && liveWeight > 0 && liveWeight >= (long) quorum + hysteresis) {
            up = true;
            return true;
        }
        return false;
    }
}
