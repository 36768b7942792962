package dev.vigil.config;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/** A {@code real_server ADDR PORT} block inside a virtual server. */
public record RealServer(
        InetAddress address,
        int port,
        int weight,
        Optional<ForwardingMethod> forwardingMethod,
        Optional<Script> notifyUp,
        Optional<Script> notifyDown,
        int upperThreshold,
        int lowerThreshold,
        Optional<Boolean> smtpAlert,
        Optional<String> virtualhost,
        Optional<Boolean> inhibitOnFailure,
        CheckTiming checkTiming,
        List<Checker> checkers,
        Source source) {

    public static final int DEFAULT_WEIGHT = 1;

    public RealServer {
        checkers = List.copyOf(checkers);
    }

    /** {@code 192.0.2.1:443} or {@code [2001:db8::1]:443}. */
    public String endpoint() {
        return address.getAddress().length == 16
                ? "[" + address.getHostAddress() + "]:" + port
                : address.getHostAddress() + ":" + port;
    }
}
