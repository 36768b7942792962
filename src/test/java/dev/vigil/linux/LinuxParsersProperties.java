package dev.vigil.linux;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Parsers of kernel and wire input never throw, and what we encode parses back to itself. */
class LinuxParsersProperties {

    @Property
    void netlinkParsersNeverThrowOnRandomBytes(@ForAll @Size(max = 300) byte[] bytes) {
        for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()))) {
            RtnetlinkMessages.parseAddress(m);
            RtnetlinkMessages.parseLink(m);
        }
    }

    @Property
    void netlinkParsersNeverThrowOnPlausibleHeaders(@ForAll @Size(min = 16, max = 300) byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        b.putInt(0, bytes.length).putShort(4, (short) (bytes[5] % 2 == 0 ? 20 : 16)); // a real type and length
        for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(b)) {
            RtnetlinkMessages.parseAddress(m);
            RtnetlinkMessages.parseLink(m);
        }
    }

    @Property
    void rawIpv4ParserNeverThrows(@ForAll @Size(max = 80) byte[] bytes, @ForAll boolean consistent) {
        if (bytes.length > 0) bytes[0] = (byte) (0x40 | (bytes[0] & 0x0f));
        if (consistent && bytes.length >= 20) { // get past the cheap checks to the header-length arithmetic
            bytes[2] = 0;
            bytes[3] = (byte) bytes.length;
            bytes[9] = 112;
        }
        Optional<ReceivedPacket> p = VrrpSocket.parseIpv4(bytes, 1);
        p.ifPresent(packet -> assertThat(packet.vrrpPayload().length).isLessThanOrEqualTo(bytes.length - 20));
    }

    @Property
    void encodedAddressesParseBackUnchanged(@ForAll("addresses") InterfaceAddress address) {
        byte[] message = RtnetlinkMessages.newAddress(1, address);
        RtnetlinkMessages.Message m = RtnetlinkMessages.split(ByteBuffer.wrap(message)).getFirst();
        InterfaceAddress parsed = RtnetlinkMessages.parseAddress(m).orElseThrow();
        // labels and broadcasts exist only for IPv4
        InterfaceAddress expected = address.isIpv6()
                ? new InterfaceAddress(address.interfaceIndex(), address.address(), address.prefixLength(),
                Optional.empty(), Optional.empty(), address.scope(), address.flags())
                : address;
        assertThat(parsed).isEqualTo(expected);
    }

    @Provide
    Arbitrary<InterfaceAddress> addresses() {
        Arbitrary<InetAddress> ip = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofSize(4).map(LinuxParsersProperties::address),
                Arbitraries.bytes().array(byte[].class).ofSize(16).map(LinuxParsersProperties::address));
        return Combinators.combine(ip, Arbitraries.integers().between(1, 1 << 20), Arbitraries.integers().between(0, 128),
                        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(15).optional(),
                        Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 0xffff))
                .as((a, index, prefix, label, scope, flags) -> new InterfaceAddress(index, a,
                        Math.min(prefix, a.getAddress().length * 8),
                        a.getAddress().length == 4 ? Optional.of(address(new byte[] {10, 0, 0, (byte) 255})) : Optional.empty(),
                        label, scope, flags));
    }

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
