package dev.vigil.linux;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Run by {@link PrivilegeSystemTest} in a child JVM without capabilities: tries each privileged
 * operation on eth0 and prints one line per operation, {@code NAME errno message}.
 */
public final class PrivilegeProbe {
    private PrivilegeProbe() {}

    public static void main(String[] args) throws Exception {
        int index = NetworkInterfaces.indexOf("eth0");
        probe("SOCKET", () -> VrrpSocket.multicast("eth0", VrrpSocket.Family.IPV4).close());
        probe("NETLINK", () -> {
            try (Netlink netlink = Netlink.open()) {
                netlink.addAddress(InterfaceAddress.of(index, InetAddress.getByName("10.199.0.77"), 24));
            }
        });
        probe("GARP", () -> GratuitousArp.open("eth0").send((Inet4Address) InetAddress.getByName("10.199.0.77")));
    }

    private interface Operation {
        void run() throws Exception;
    }

    private static void probe(String name, Operation operation) {
        try {
            operation.run();
            System.out.println(name + " succeeded");
        } catch (NativeException e) {
            System.out.println(name + " " + e.errno() + " " + e.getMessage());
        } catch (Exception e) {
            System.out.println(name + " unexpected " + e);
        }
    }
}
