package dev.vigil.linux;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.strings;

/** Parsers of kernel and wire input never throw, and what we encode parses back to itself. */
class LinuxParsersProperties {

    private static Gen<byte[]> bytes(int minLength, int maxLength) {
        return Generate.byteArrays(integers().between(minLength, maxLength),
                Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
    }

    @Test
    void netlinkParsersNeverThrowOnRandomBytes() {
        qt().withExamples(1000).forAll(bytes(0, 300))
                .checkAssert(LinuxParsersProperties::netlinkParsersNeverThrowOnRandomBytes);
    }

    private static void netlinkParsersNeverThrowOnRandomBytes(byte[] bytes) {
        for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()))) {
            RtnetlinkMessages.parseAddress(m);
            RtnetlinkMessages.parseLink(m);
        }
    }

    @Test
    void netlinkParsersNeverThrowOnPlausibleHeaders() {
        qt().withExamples(1000).forAll(bytes(16, 300))
                .checkAssert(LinuxParsersProperties::netlinkParsersNeverThrowOnPlausibleHeaders);
    }

    private static void netlinkParsersNeverThrowOnPlausibleHeaders(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        b.putInt(0, bytes.length).putShort(4, (short) (bytes[5] % 2 == 0 ? 20 : 16)); // a real type and length
        for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(b)) {
            RtnetlinkMessages.parseAddress(m);
            RtnetlinkMessages.parseLink(m);
        }
    }

    @Test
    void rawIpv4ParserNeverThrows() {
        qt().withExamples(1000).forAll(bytes(0, 80), booleans().all())
                .checkAssert(LinuxParsersProperties::rawIpv4ParserNeverThrows);
    }

    private static void rawIpv4ParserNeverThrows(byte[] bytes, boolean consistent) {
        if (bytes.length > 0) bytes[0] = (byte) (0x40 | (bytes[0] & 0x0f));
        if (consistent && bytes.length >= 20) { // get past the cheap checks to the header-length arithmetic
            bytes[2] = 0;
            bytes[3] = (byte) bytes.length;
            bytes[9] = 112;
        }
        Optional<ReceivedPacket> p = VrrpSocket.parseIpv4(bytes, 1);
        p.ifPresent(packet -> assertThat(packet.vrrpPayload().length).isLessThanOrEqualTo(bytes.length - 20));
    }

    static final Gen<InterfaceAddress> ADDRESSES = in -> {
        InetAddress a = address(Generate.oneOf(bytes(4, 4), bytes(16, 16)).generate(in));
        int index = integers().between(1, 1 << 20).generate(in);
        int prefix = Math.min(integers().between(0, 128).generate(in), a.getAddress().length * 8);
        Optional<String> label = strings().betweenCodePoints('a', 'z').ofLengthBetween(1, 15).toOptionals(25)
                .generate(in);
        return new InterfaceAddress(index, a, prefix,
                a.getAddress().length == 4 ? Optional.of(address(new byte[] {10, 0, 0, (byte) 255})) : Optional.empty(),
                label, integers().between(0, 255).generate(in), integers().between(0, 0xffff).generate(in));
    };

    @Test
    void encodedAddressesParseBackUnchanged() {
        qt().withExamples(1000).forAll(ADDRESSES)
                .checkAssert(LinuxParsersProperties::encodedAddressesParseBackUnchanged);
    }

    private static void encodedAddressesParseBackUnchanged(InterfaceAddress address) {
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

    private static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
