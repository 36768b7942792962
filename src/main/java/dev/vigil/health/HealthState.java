package dev.vigil.health;

/** A real server's health as the balancer and the status page see it. */
public enum HealthState {
    UP,
    /** Failed: crashed, refusing, timing out, or answering wrongly. */
    DOWN,
    /** Down because every failing check says the server is drained on purpose (Exchange: all services 503). */
    MAINTENANCE
}
