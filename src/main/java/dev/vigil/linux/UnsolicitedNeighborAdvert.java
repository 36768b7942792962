package dev.vigil.linux;

import dev.vigil.wire.InternetChecksum;

import java.net.Inet6Address;

/**
 * Unsolicited neighbour advertisement for a virtual IPv6 address (RFC 4861 7.2.6), as keepalived
 * sends it on takeover: Ethernet to 33:33:00:00:00:01 from the interface MAC, IPv6 from the VIP to
 * ff02::1 with hop limit 255, ICMPv6 type 136 with the Override flag (and Router when asked), and a
 * target link-layer address option. The ICMPv6 checksum is computed here.
 */
public final class UnsolicitedNeighborAdvert implements AutoCloseable {
    static final int FRAME_LENGTH = 14 + 40 + 32;
    private static final byte[] ALL_NODES = {(byte) 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private final PacketSocket socket;
    private final byte[] mac;
    private final boolean router;

    private UnsolicitedNeighborAdvert(PacketSocket socket, byte[] mac, boolean router) {
        this.socket = socket;
        this.mac = mac;
        this.router = router;
    }

    /**
     * Opens the announcer on {@code interfaceName}.
     *
     * @param router set the Router flag (keepalived does when the host forwards IPv6)
     */
    public static UnsolicitedNeighborAdvert open(String interfaceName, boolean router) throws NativeException {
        LinuxPlatform.check();
        int index = NetworkInterfaces.indexOf(interfaceName);
        byte[] mac;
        try (Netlink netlink = Netlink.open()) {
            mac = netlink.link(index).mac();
        }
        if (mac.length != 6) throw new NativeException("interface " + interfaceName + " has no Ethernet address; neighbour advertisements need one");
        return new UnsolicitedNeighborAdvert(new PacketSocket(interfaceName, index), mac, router);
    }

    /** Sends one unsolicited neighbour advertisement for {@code vip}. */
    public void send(Inet6Address vip) throws NativeException {
        socket.send(frame(mac, vip, router));
    }

    static byte[] frame(byte[] mac, Inet6Address vip, boolean router) {
        byte[] f = new byte[FRAME_LENGTH];
        f[0] = 0x33; f[1] = 0x33; f[5] = 0x01;   // 33:33:00:00:00:01, all-nodes multicast MAC
        System.arraycopy(mac, 0, f, 6, 6);
        f[12] = (byte) 0x86; f[13] = (byte) 0xdd;
        int ip = 14;
        f[ip] = 0x60;                            // version 6, traffic class 0, flow 0
        f[ip + 5] = 32;                          // payload length
        f[ip + 6] = 58;                          // ICMPv6
        f[ip + 7] = (byte) 255;                  // hop limit: receivers drop anything else
        System.arraycopy(vip.getAddress(), 0, f, ip + 8, 16);
        System.arraycopy(ALL_NODES, 0, f, ip + 24, 16);
        int icmp = ip + 40;
        f[icmp] = (byte) 136;
        f[icmp + 4] = (byte) ((router ? 0x80 : 0) | 0x20); // Router?, not Solicited, Override
        System.arraycopy(vip.getAddress(), 0, f, icmp + 8, 16);
        f[icmp + 24] = 2;                        // option: target link-layer address
        f[icmp + 25] = 1;                        // length in units of 8 bytes
        System.arraycopy(mac, 0, f, icmp + 26, 6);
        long sum = InternetChecksum.add(0, f, ip + 8, 32); // pseudo-header: source and destination
        sum += 32 + 58;                          // upper-layer length and next header
        int checksum = InternetChecksum.finish(InternetChecksum.add(sum, f, icmp, 32));
        f[icmp + 2] = (byte) (checksum >>> 8);
        f[icmp + 3] = (byte) checksum;
        return f;
    }

    @Override
    public void close() {
        socket.close();
    }
}
