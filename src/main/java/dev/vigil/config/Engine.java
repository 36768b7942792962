package dev.vigil.config;

import java.util.Locale;
import java.util.Optional;

/** Vigil's {@code vigil_engine}: which forwarding engine carries a virtual server's connections. */
public enum Engine {
    /** Vigil's user-space proxy: TCP only, no root needed; real servers see the balancer's address. */
    PROXY,
    /** nftables NAT in the kernel: TCP and UDP, root needed; real servers see the client's address. */
    KERNEL;

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Engine> fromKeyword(String word) {
        for (Engine e : values()) if (e.keyword().equals(word)) return Optional.of(e);
        return Optional.empty();
    }
}
