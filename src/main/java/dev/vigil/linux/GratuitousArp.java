package dev.vigil.linux;

import java.net.Inet4Address;

/**
 * Gratuitous ARP for a virtual IPv4 address, as keepalived sends it on takeover: an Ethernet
 * broadcast from the interface's MAC carrying an ARP request whose sender and target address are
 * both the VIP and whose target hardware address is ff:ff:ff:ff:ff:ff. Neighbours that already know
 * the VIP move it to our MAC. Timing (garp_master_delay/repeat/refresh) is the caller's.
 */
public final class GratuitousArp implements AutoCloseable {
    static final int FRAME_LENGTH = 42;

    private final PacketSocket socket;
    private final byte[] mac;

    private GratuitousArp(PacketSocket socket, byte[] mac) {
        this.socket = socket;
        this.mac = mac;
    }

    /** Opens an AF_PACKET socket on the interface (caller's namespace) and reads its MAC. */
    public static GratuitousArp open(String interfaceName) throws NativeException {
        LinuxPlatform.check();
        int index = NetworkInterfaces.indexOf(interfaceName);
        byte[] mac;
        try (Netlink netlink = Netlink.open()) {
            mac = netlink.link(index).mac();
        }
        if (mac.length != 6) throw new NativeException("interface " + interfaceName + " has no Ethernet address; gratuitous ARP needs one");
        return new GratuitousArp(new PacketSocket(interfaceName, index), mac);
    }

    /** Sends one gratuitous ARP for {@code vip}. */
    public void send(Inet4Address vip) throws NativeException {
        socket.send(frame(mac, vip));
    }

    /** The interface MAC the frames carry. */
    public byte[] mac() {
        return mac.clone();
    }

    static byte[] frame(byte[] mac, Inet4Address vip) {
        byte[] f = new byte[FRAME_LENGTH];
        for (int i = 0; i < 6; i++) f[i] = (byte) 0xff;
        System.arraycopy(mac, 0, f, 6, 6);
        f[12] = 0x08; f[13] = 0x06;             // EtherType ARP
        f[14] = 0x00; f[15] = 0x01;             // hardware type Ethernet
        f[16] = 0x08; f[17] = 0x00;             // protocol type IPv4
        f[18] = 6; f[19] = 4;                   // address lengths
        f[20] = 0x00; f[21] = 0x01;             // request
        System.arraycopy(mac, 0, f, 22, 6);     // sender hardware address
        System.arraycopy(vip.getAddress(), 0, f, 28, 4);
        for (int i = 32; i < 38; i++) f[i] = (byte) 0xff; // target hardware address, as keepalived
        System.arraycopy(vip.getAddress(), 0, f, 38, 4);
        return f;
    }

    @Override
    public void close() {
        socket.close();
    }
}
