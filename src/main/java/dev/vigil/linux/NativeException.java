package dev.vigil.linux;

import java.io.IOException;

/**
 * A failed system call or netlink request, with a message an operator can act on: the call,
 * its subject (interface, address), libc's text and, for the usual causes (no privileges, no
 * such interface), what to do about it.
 */
public final class NativeException extends IOException {
    private final String operation;
    private final int errno;

    public NativeException(String operation, String subject, int errno) {
        super(message(operation, subject, errno, Errno.describe(errno)));
        this.operation = operation;
        this.errno = errno;
    }

    /** A failed call whose message the caller words itself (it names the call and {@link Errno#name}). */
    public NativeException(String operation, int errno, String message) {
        super(message);
        this.operation = operation;
        this.errno = errno;
    }

    /** A failure that has no errno, e.g. the wrong operating system; {@link #errno()} is 0. */
    public NativeException(String message) {
        super(message);
        this.operation = "";
        this.errno = 0;
    }

    /** The call or request that failed, e.g. {@code socket(AF_INET, SOCK_RAW, 112)}. */
    public String operation() {
        return operation;
    }

    public int errno() {
        return errno;
    }

    /** True for EPERM/EACCES: the process lacks root or CAP_NET_RAW/CAP_NET_ADMIN. */
    public boolean isPermissionDenied() {
        return errno == Errno.EPERM || errno == Errno.EACCES;
    }

    /** Builds the text; pure so the wording is unit-tested without a failing call. */
    static String message(String operation, String subject, int errno, String libcText) {
        String what = operation + (subject == null || subject.isEmpty() ? "" : " for " + subject)
                + " failed: " + libcText + " (" + Errno.name(errno) + ")";
        return switch (errno) {
            case Errno.EPERM, Errno.EACCES -> what + ". Vigil's VRRP needs root, or the capabilities CAP_NET_RAW "
                    + "(raw VRRP and ARP sockets) and CAP_NET_ADMIN (adding virtual IPs): run it as root, or grant "
                    + "them, e.g. systemd AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN.";
            case Errno.ENODEV -> what + ". The interface does not exist in this network namespace: check the "
                    + "'interface' and 'dev' names in the configuration against `ip link`.";
            case Errno.EADDRNOTAVAIL -> what + ". The address is not configured on the interface (or an IPv6 "
                    + "link-local address is still tentative while duplicate address detection runs).";
            default -> what + ".";
        };
    }
}
