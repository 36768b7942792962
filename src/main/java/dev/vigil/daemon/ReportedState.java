package dev.vigil.daemon;

import dev.vigil.health.HealthState;
import dev.vigil.report.RealServerState;
import dev.vigil.report.VrrpState;

/**
 * The states VRRP and the checkers decide, in report's words. report keeps enums of its own because it
 * names states no decider has (a deleted instance or group, a drained real server) and reads them back from
 * the status JSON; the pure core cannot use report's. The switches have no default: a state added to vrrp or
 * health fails compilation here, where mapping by name would fail at run time.
 */
final class ReportedState {
    private ReportedState() {
    }

    static VrrpState of(dev.vigil.vrrp.VrrpState state) {
        return switch (state) {
            case INIT -> VrrpState.INIT;
            case BACKUP -> VrrpState.BACKUP;
            case MASTER -> VrrpState.MASTER;
            case FAULT -> VrrpState.FAULT;
            case STOP -> VrrpState.STOP;
        };
    }

    static RealServerState of(HealthState state) {
        return switch (state) {
            case UP -> RealServerState.UP;
            case DOWN -> RealServerState.DOWN;
            case MAINTENANCE -> RealServerState.MAINTENANCE;
        };
    }
}
