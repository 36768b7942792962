package dev.vigil.config;

import java.util.List;

/** The kinds of block a keyword may be written in; a block also accepts the keywords of those it extends. */
enum Block {
    TOP("top level", "outside any block"),
    GLOBAL_DEFS("global_defs", "global_defs { }"),
    VRRP_SCRIPT("vrrp_script", "vrrp_script NAME { }"),
    VRRP_INSTANCE("vrrp_instance", "vrrp_instance NAME { }"),
    AUTHENTICATION("authentication", "authentication { } inside vrrp_instance"),
    VRRP_SYNC_GROUP("vrrp_sync_group", "vrrp_sync_group NAME { }"),
    CHECK_TIMING("checker timing", "virtual_server, real_server and every checker"),
    VIRTUAL_SERVER("virtual_server", "virtual_server IP PORT | fwmark N | group NAME { }"),
    REAL_SERVER("real_server", "real_server IP [PORT] { } inside virtual_server"),
    CHECKER("checker connection", "TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK, EXCHANGE_CHECK"),
    TCP_CHECK("TCP_CHECK", "TCP_CHECK { } inside real_server"),
    HTTP_CHECK("HTTP_GET", "HTTP_GET { } and SSL_GET { } inside real_server"),
    URL("url", "url { } inside HTTP_GET / SSL_GET"),
    SMTP_CHECK("SMTP_CHECK", "SMTP_CHECK { } inside real_server"),
    MISC_CHECK("MISC_CHECK", "MISC_CHECK { } inside real_server"),
    EXCHANGE_CHECK("EXCHANGE_CHECK", "EXCHANGE_CHECK { } inside real_server (Vigil's own)");

    private final String label;
    private final String where;

    Block(String label, String where) {
        this.label = label;
        this.where = where;
    }

    /** How diagnostics name the block. */
    String label() {
        return label;
    }

    /** Where the block is written, for the reference. */
    String where() {
        return where;
    }

    /** Blocks whose keywords are accepted here too. */
    List<Block> extended() {
        return switch (this) {
            case VIRTUAL_SERVER, REAL_SERVER, MISC_CHECK, CHECKER -> List.of(CHECK_TIMING);
            case TCP_CHECK, HTTP_CHECK, SMTP_CHECK, EXCHANGE_CHECK -> List.of(CHECKER, CHECK_TIMING);
            default -> List.of();
        };
    }
}
