package dev.vigil.linux;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RtnetlinkMessagesTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void newAddressCarriesHeaderIfaddrmsgAndAttributesInHostOrder() throws Exception {
        InterfaceAddress vip = InterfaceAddress.of(7, InetAddress.getByName("10.1.2.3"), 24)
                .withBroadcast(InetAddress.getByName("10.1.2.255")).withLabel("eth0:vip");
        byte[] m = RtnetlinkMessages.newAddress(0x01020304, vip);
        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).isEqualTo(m.length);
        assertThat(b.getShort(4)).isEqualTo((short) 20);                      // RTM_NEWADDR
        assertThat(b.getShort(6)).isEqualTo((short) (1 | 4 | 0x400 | 0x200)); // REQUEST|ACK|CREATE|EXCL
        assertThat(b.getInt(8)).isEqualTo(0x01020304);
        // ifaddrmsg: AF_INET, /24, flags 0, scope 0, ifindex 7
        assertThat(HEX.formatHex(m, 16, 24)).isEqualTo("0218000007000000");
        // IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST, IFA_LABEL "eth0:vip\0" padded to 4, IFA_FLAGS 0
        assertThat(HEX.formatHex(m, 24, m.length)).isEqualTo(
                "080002000a010203" + "080001000a010203" + "080004000a0102ff"
                        + "0d000300" + HEX.formatHex("eth0:vip".getBytes()) + "00" + "000000"
                        + "0800080000000000");
        assertThat(m.length % 4).isZero();
    }

    @Test
    void ipv6AddressGetsNodadFlagAndDeprecationCacheInfo() throws Exception {
        InterfaceAddress vip = InterfaceAddress.of(3, InetAddress.getByName("fd00::5"), 128)
                .withFlags(InterfaceAddress.NODAD | InterfaceAddress.DEPRECATED);
        byte[] m = RtnetlinkMessages.newAddress(9, vip);
        assertThat(HEX.formatHex(m, 16, 24)).isEqualTo("0a80220003000000"); // AF_INET6, /128, NODAD|DEPRECATED
        String attrs = HEX.formatHex(m, 24, m.length);
        assertThat(attrs).startsWith("14000200fd000000000000000000000000000005");
        assertThat(attrs).contains("0800080022000000");                        // IFA_FLAGS
        assertThat(attrs).endsWith("14000600" + "00000000" + "ffffffff" + "0000000000000000"); // IFA_CACHEINFO
        assertThat(attrs).doesNotContain("0300");                              // no label for IPv6
    }

    @Test
    void deleteAddressAsksForAnAckWithoutCreateFlags() throws Exception {
        byte[] m = RtnetlinkMessages.deleteAddress(5, InterfaceAddress.of(2, InetAddress.getByName("10.0.0.1"), 32));
        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getShort(4)).isEqualTo((short) 21);
        assertThat(b.getShort(6)).isEqualTo((short) 5);
        assertThat(m.length).isEqualTo(16 + 8 + 8 + 8);
    }

    @Test
    void dumpAndGetLinkRequests() {
        byte[] dump = RtnetlinkMessages.dumpAddresses(1, 10);
        assertThat(HEX.formatHex(dump)).isEqualTo("18000000" + "1600" + "0103" + "01000000" + "00000000" + "0a000000" + "00000000");
        byte[] link = RtnetlinkMessages.getLink(2, 42);
        assertThat(HEX.formatHex(link)).isEqualTo("20000000" + "1200" + "0100" + "02000000" + "00000000"
                + "00000000" + "2a000000" + "00000000" + "00000000");
    }

    @Test
    void parsesAnAddressTheKernelSentIncludingItsOwnFlagsAttribute() throws Exception {
        InterfaceAddress original = InterfaceAddress.of(4, InetAddress.getByName("192.168.3.110"), 24)
                .withBroadcast(InetAddress.getByName("192.168.3.255")).withLabel("eth0:1").withScope(InterfaceAddress.SCOPE_HOST)
                .withFlags(InterfaceAddress.SECONDARY | 0x100);
        byte[] m = RtnetlinkMessages.newAddress(1, original);
        List<RtnetlinkMessages.Message> messages = RtnetlinkMessages.split(ByteBuffer.wrap(m));
        assertThat(messages).hasSize(1);
        Optional<InterfaceAddress> parsed = RtnetlinkMessages.parseAddress(messages.getFirst());
        assertThat(parsed).contains(original); // 0x100 survives only through IFA_FLAGS (u32)
        assertThat(parsed.get().isSecondary()).isTrue();
    }

    @Test
    void splitWalksSeveralAlignedMessagesAndStopsAtGarbage() {
        byte[] one = RtnetlinkMessages.getLink(1, 1);
        byte[] two = RtnetlinkMessages.dumpAddresses(2, 2);
        ByteBuffer d = ByteBuffer.allocate(one.length + two.length + 10).put(one).put(two).put(new byte[] {(byte) 0xff, 0, 0, 0});
        d.flip();
        List<RtnetlinkMessages.Message> messages = RtnetlinkMessages.split(d);
        assertThat(messages).extracting(RtnetlinkMessages.Message::seq).containsExactly(1, 2);
    }

    @Test
    void ackErrnoIsTheNegatedErrorField() {
        ByteBuffer ack = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        ack.putInt(0, 36).putShort(4, (short) 2).putInt(8, 77).putInt(16, -17);
        RtnetlinkMessages.Message m = RtnetlinkMessages.split(ack).getFirst();
        assertThat(RtnetlinkMessages.ackErrno(m)).isEqualTo(Errno.EEXIST);
        assertThatThrownBy(() -> RtnetlinkMessages.ackErrno(RtnetlinkMessages.split(ByteBuffer.wrap(RtnetlinkMessages.getLink(1, 1))).getFirst()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesLinkFlagsNameAndMac() {
        ByteBuffer b = ByteBuffer.allocate(16 + 16 + 12 + 12).order(ByteOrder.nativeOrder());
        b.putInt(b.capacity()).putShort((short) 16).putShort((short) 0).putInt(0).putInt(0);
        b.put((byte) 0).put((byte) 0).putShort((short) 1).putInt(5).putInt(0x1 | 0x40 | 0x1000).putInt(0);
        b.putShort((short) 9).putShort((short) 3).put("eth0".getBytes()).put((byte) 0).put(new byte[3]);
        b.putShort((short) 10).putShort((short) 1).put(new byte[] {2, 0, 0, 0, 0, 9}).put(new byte[2]);
        b.flip();
        LinkState state = RtnetlinkMessages.parseLink(RtnetlinkMessages.split(b).getFirst()).orElseThrow();
        assertThat(state.index()).isEqualTo(5);
        assertThat(state.name()).isEqualTo("eth0");
        assertThat(state.usable()).isTrue();
        assertThat(state.macString()).isEqualTo("02:00:00:00:00:09");
    }

    @Test
    void truncatedOrForeignAddressMessagesParseToEmpty() {
        ByteBuffer shortBody = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder()).putInt(0, 20).putShort(4, (short) 20);
        assertThat(RtnetlinkMessages.parseAddress(RtnetlinkMessages.split(shortBody).getFirst())).isEmpty();
        ByteBuffer noAddress = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder()).putInt(0, 24).putShort(4, (short) 20).put(16, (byte) 2);
        assertThat(RtnetlinkMessages.parseAddress(RtnetlinkMessages.split(noAddress).getFirst())).isEmpty();
    }

    @Test
    void scopeNamesFollowIproute2() {
        assertThat(InterfaceAddress.scopeNamed("host")).isEqualTo(254);
        assertThat(InterfaceAddress.scopeNamed("LINK")).isEqualTo(253);
        assertThat(InterfaceAddress.scopeNamed("global")).isZero();
        assertThat(InterfaceAddress.scopeNamed("17")).isEqualTo(17);
        assertThatThrownBy(() -> InterfaceAddress.scopeNamed("galaxy")).hasMessageContaining("unknown scope 'galaxy'");
    }
}
