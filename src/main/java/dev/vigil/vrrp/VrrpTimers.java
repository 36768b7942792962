package dev.vigil.vrrp;

/**
 * The timer formulas of RFC 3768 §6.1 and RFC 5798 §6.1, in nanoseconds. For v2 the master advert
 * interval is always the configured one; v3 backups adopt the master's.
 */
public final class VrrpTimers {

    /** keepalived's {@code down_timer_adverts}. */
    public static final int DOWN_TIMER_ADVERTS = 3;

    private VrrpTimers() {}

    /** Skew_Time = ((256 - priority) * Master_Adver_Interval) / 256. */
    public static long skewNanos(int priority, long masterAdvertIntervalNanos) {
        return masterAdvertIntervalNanos * (256 - priority) / 256;
    }

    /** Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time. */
    public static long masterDownIntervalNanos(int priority, long masterAdvertIntervalNanos) {
        return DOWN_TIMER_ADVERTS * masterAdvertIntervalNanos + skewNanos(priority, masterAdvertIntervalNanos);
    }

    public static long centisToNanos(int centis) {
        return centis * 10_000_000L;
    }
}
