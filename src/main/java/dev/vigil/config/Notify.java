package dev.vigil.config;

import java.util.Optional;

/** The notify scripts of a VRRP instance or sync group. */
public record Notify(Optional<Script> master, Optional<Script> backup, Optional<Script> fault,
                     Optional<Script> stop, Optional<Script> any) {
    public static final Notify NONE = new Notify(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());
}
