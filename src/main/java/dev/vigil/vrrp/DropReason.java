package dev.vigil.vrrp;

/** Why a received packet was not taken as an advertisement for an instance. */
public enum DropReason {
    SHORT("shorter than a VRRP header"),
    WRONG_VERSION("wrong VRRP version"),
    WRONG_TYPE("not an ADVERTISEMENT"),
    COUNT_MISMATCH("length does not match the address count"),
    BAD_CHECKSUM("bad checksum"),
    WRONG_TTL("TTL/hop limit is not 255"),
    NO_TTL("TTL/hop limit not received with the packet"),
    WRONG_VRID("no instance with this VRID"),
    AUTH_MISMATCH("authentication type or password mismatch"),
    INTERVAL_MISMATCH("advert interval differs from ours (v2)"),
    VIP_MISMATCH("virtual IP set differs from ours"),
    WRONG_FAMILY("address family differs from the instance's"),
    NOT_A_PEER("source is not a unicast_peer (check_unicast_src)"),
    QUEUE_FULL("too many adverts waiting for the state machine (flood)");

    private final String description;

    DropReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
