package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Native memory that {@link NonBlockingTcp#read} fills and {@link NonBlockingTcp#send} empties by address,
 * so the proxy's data path needs no type of the Foreign Function &amp; Memory API. The memory is freed once
 * the buffer is unreachable: keep the buffer for as long as its address is passed to system calls.
 */
public final class NativeBuffer {
    private final MemorySegment segment;

    public NativeBuffer(long size, long alignment) {
        segment = Arena.ofAuto().allocate(size, alignment);
    }

    public long address() {
        return segment.address();
    }

    /** {@code length} bytes from {@code offset}, as a view for copying them out (what a send left over). */
    public ByteBuffer slice(long offset, long length) {
        return segment.asSlice(offset, length).asByteBuffer();
    }

    /** The address of a direct buffer's byte at its position, to pass that buffer to a system call. */
    public static long addressOf(ByteBuffer direct) {
        return MemorySegment.ofBuffer(direct).address();
    }
}
