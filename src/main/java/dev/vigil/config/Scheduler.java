package dev.vigil.config;

import java.util.Locale;
import java.util.Optional;

/** IPVS scheduling algorithms, as named by {@code lb_algo}/{@code lvs_sched}. */
public enum Scheduler {
    RR, WRR, LC, WLC, LBLC, LBLCR, DH, SH, SED, NQ, MH, FO, OVF, TWOS;

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Scheduler> fromKeyword(String word) {
        for (Scheduler s : values()) if (s.keyword().equals(word)) return Optional.of(s);
        return Optional.empty();
    }
}
