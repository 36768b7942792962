package dev.vigil.report;

import java.time.Instant;
import java.util.Objects;

/** A VRRP instance or sync group changed state. {@code priority} is the one keepalived passes to notify. */
public record VrrpTransition(Scope scope, String name, VrrpState from, VrrpState to, int priority, Instant time) {

    /** keepalived's first notify argument. */
    public enum Scope { INSTANCE, GROUP }

    public VrrpTransition {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(time, "time");
    }
}
