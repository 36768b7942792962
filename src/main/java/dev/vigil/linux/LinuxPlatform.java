package dev.vigil.linux;

/** The guard every native entry point passes first: Vigil's VRRP and address handling need Linux. */
public final class LinuxPlatform {
    private LinuxPlatform() {}

    /** True on Linux. */
    public static boolean isLinux() {
        return isLinux(System.getProperty("os.name", ""));
    }

    static boolean isLinux(String osName) {
        return osName.toLowerCase(java.util.Locale.ROOT).startsWith("linux");
    }

    /** Throws a plain explanation on any other operating system. */
    public static void check() throws NativeException {
        String os = System.getProperty("os.name", "unknown");
        if (!isLinux(os)) throw new NativeException(unsupportedMessage(os, System.getProperty("os.arch", "")));
    }

    static String unsupportedMessage(String os, String arch) {
        return "Vigil's VRRP (raw sockets, rtnetlink, gratuitous ARP) needs Linux; this is " + os
                + (arch.isEmpty() ? "" : " " + arch) + ". Load balancing without VRRP works elsewhere; "
                + "run the VRRP part on a Linux host.";
    }
}
