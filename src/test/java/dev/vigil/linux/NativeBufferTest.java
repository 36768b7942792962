package dev.vigil.linux;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class NativeBufferTest {
    @Test
    void isAlignedAndItsSlicesAndAddressesPointIntoTheSameMemory() {
        NativeBuffer buffer = new NativeBuffer(128, 64);
        assertThat(buffer.address() % 64).isZero();

        ByteBuffer written = buffer.slice(16, 8);
        assertThat(written.isDirect()).isTrue();
        assertThat(written.remaining()).isEqualTo(8);
        for (int i = 0; i < 8; i++) written.put((byte) (0xa0 + i));
        assertThat(NativeBuffer.addressOf(written.flip())).isEqualTo(buffer.address() + 16);

        ByteBuffer read = buffer.slice(20, 4);
        byte[] bytes = new byte[4];
        read.get(bytes);
        assertThat(bytes).containsExactly(0xa4, 0xa5, 0xa6, 0xa7);
    }
}
