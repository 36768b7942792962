package dev.vigil.vrrp;

import java.net.InetAddress;

/** What the decoder made of a received packet: an advertisement to act on, or a drop with its reason. */
public sealed interface DecodeResult {

    /** A valid advertisement for the instance, from {@code source}. */
    record Accepted(VrrpAdvertisement advertisement, InetAddress source) implements DecodeResult {}

    /** A packet not taken, with a reason for the counter and a detail for the log. */
    record Dropped(DropReason reason, String detail) implements DecodeResult {}
}
