package dev.vigil.config;

/** Scheduler flags of a virtual server ({@code -b} in ipvsadm). */
public enum SchedulerFlag {
    FLAG_1("flag-1"), FLAG_2("flag-2"), FLAG_3("flag-3"),
    SH_PORT("sh-port"), SH_FALLBACK("sh-fallback"), MH_PORT("mh-port"), MH_FALLBACK("mh-fallback"), OPS("ops");

    private final String keyword;

    SchedulerFlag(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }
}
