package dev.vigil.wire;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class InternetChecksumTest {
    @Test
    void checksumMatchesRfc1071Example() {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d
        byte[] data = HexFormat.of().parseHex("0001f203f4f5f6f7");
        assertThat(InternetChecksum.of(data, 0, data.length)).isEqualTo(0x220d);
        byte[] odd = HexFormat.of().parseHex("0001f203f4f5f6f7ab");
        assertThat(InternetChecksum.of(odd, 0, odd.length)).isEqualTo(InternetChecksum.finish(0xddf2L + 0xab00));
    }

    @Test
    void aMessageCarryingItsChecksumSumsToZero() {
        // What a receiver checks: the sum over the message with the checksum in place verifies as zero.
        byte[] message = HexFormat.of().parseHex("0001f203f4f5f6f70000");
        int checksum = InternetChecksum.of(message, 0, message.length);
        message[8] = (byte) (checksum >>> 8);
        message[9] = (byte) checksum;
        assertThat(InternetChecksum.of(message, 0, message.length)).isZero();
    }
}
