package dev.vigil.bpf;

import dev.vigil.bpf.Assembler.Alu;
import dev.vigil.bpf.Assembler.Jump;
import dev.vigil.bpf.Assembler.Label;
import dev.vigil.bpf.Assembler.Reg;
import dev.vigil.bpf.Assembler.Size;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Encodings checked byte for byte against the instruction set document's layout (opcode, regs, offset, imm). */
class AssemblerTest {
    private static String hex(Assembler a) {
        return HexFormat.of().formatHex(a.assemble());
    }

    @Test
    void aluAndMovesEncodeOpcodeRegistersAndImmediate() {
        // mov r6, r1 = 0xbf (ALU64|MOV|X), dst 6, src 1
        assertThat(hex(new Assembler().mov(Reg.R6, Reg.R1))).isEqualTo("bf16000000000000");
        // mov r0, -1 = 0xb7, imm ffffffff
        assertThat(hex(new Assembler().mov(Reg.R0, -1))).isEqualTo("b7000000ffffffff");
        // r7 &= 0x0f = 0x57; r7 <<= 2 = 0x67; r2 += r3 = 0x0f; w1 += 5 (32-bit) = 0x04
        assertThat(hex(new Assembler().alu64(Alu.AND, Reg.R7, 0x0f))).isEqualTo("570700000f000000");
        assertThat(hex(new Assembler().alu64(Alu.LSH, Reg.R7, 2))).isEqualTo("6707000002000000");
        assertThat(hex(new Assembler().alu64(Alu.ADD, Reg.R2, Reg.R3))).isEqualTo("0f32000000000000");
        assertThat(hex(new Assembler().alu64(Alu.MUL, Reg.R3, Reg.R1))).isEqualTo("2f13000000000000");
        assertThat(hex(new Assembler().alu32(Alu.ADD, Reg.R1, 5))).isEqualTo("0401000005000000");
    }

    @Test
    void loadsAndStoresCarryASignedOffset() {
        // r2 = *(u32 *)(r6 + 16) = 0x61
        assertThat(hex(new Assembler().load(Size.W, Reg.R2, Reg.R6, 16))).isEqualTo("6162100000000000");
        // r1 = *(u8 *)(r10 - 64) = 0x71, offset 0xffc0
        assertThat(hex(new Assembler().load(Size.B, Reg.R1, Reg.FP, -64))).isEqualTo("71a1c0ff00000000");
        assertThat(hex(new Assembler().load(Size.H, Reg.R1, Reg.FP, -58))).isEqualTo("69a1c6ff00000000");
        assertThat(hex(new Assembler().load(Size.DW, Reg.R1, Reg.R0, 8))).isEqualTo("7901080000000000");
        // *(u32 *)(r6 + 8) = r7 = 0x63
        assertThat(hex(new Assembler().store(Size.W, Reg.R6, 8, Reg.R7))).isEqualTo("6376080000000000");
        // *(u64 *)(r10 - 120) = 0 = 0x7a
        assertThat(hex(new Assembler().storeImm(Size.DW, Reg.FP, -120, 0))).isEqualTo("7a0a88ff00000000");
        // lock *(u64 *)(r9 + 0) += r1 = 0xdb, imm BPF_ADD (0)
        assertThat(hex(new Assembler().atomicAdd64(Reg.R9, 0, Reg.R1))).isEqualTo("db19000000000000");
        // lock *(u32 *)(r2 + 16) |= r3 = 0xc3, imm BPF_OR (0x40); &= is BPF_AND (0x50)
        assertThat(hex(new Assembler().atomic32(Alu.OR, Reg.R2, 16, Reg.R3))).isEqualTo("c332100040000000");
        assertThat(hex(new Assembler().atomic32(Alu.AND, Reg.R2, 16, Reg.R3))).isEqualTo("c332100050000000");
        assertThatThrownBy(() -> new Assembler().atomic32(Alu.ADD, Reg.R2, 0, Reg.R3))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wideLoadsTakeTwoSlotsAndNameMapsByPseudoSource() {
        assertThat(hex(new Assembler().loadImm64(Reg.R4, 0x1_2345_6789L)))
                .isEqualTo("1804000089674523" + "0000000001000000");
        // BPF_PSEUDO_MAP_FD: src 1, imm the fd
        assertThat(hex(new Assembler().loadMap(Reg.R1, 7))).isEqualTo("1811000007000000" + "0000000000000000");
        // BPF_PSEUDO_MAP_VALUE: src 2, imm the fd, the second imm the offset into the value
        assertThat(hex(new Assembler().loadMapValue(Reg.R8, 5, 32))).isEqualTo("1828000005000000" + "0000000020000000");
        assertThat(new Assembler().loadMap(Reg.R1, 3).length()).isEqualTo(2);
    }

    @Test
    void callsAndExit() {
        assertThat(hex(new Assembler().call(26))).isEqualTo("850000001a000000");
        assertThat(hex(new Assembler().exit())).isEqualTo("9500000000000000");
    }

    @Test
    void jumpsResolveLabelsForwardAndBackwardCountingWideLoadsAsTwo() {
        Assembler a = new Assembler();
        Label end = a.label(), top = a.label();
        a.bind(top);
        a.jump(Jump.JEQ, Reg.R0, 0, end);          // 0: skips the wide load (2) and the ja (1) -> +3
        a.loadImm64(Reg.R1, 1);                     // 1-2
        a.goTo(top);                                // 3: back to 0 -> -4
        a.bind(end);
        a.exit();                                   // 4
        assertThat(hex(a)).isEqualTo("1500030000000000" + "1801000001000000" + "0000000000000000"
                + "0500fcff00000000" + "9500000000000000");
    }

    @Test
    void registerJumpsAnd32BitJumps() {
        Assembler a = new Assembler();
        Label l = a.label();
        a.jump(Jump.JGT, Reg.R3, Reg.R4, l).jump32(Jump.JNE, Reg.R2, 0x0008, l).jump(Jump.JSLT, Reg.R0, 0, l).bind(l);
        // 0x2d = JMP|JGT|X; 0x56 = JMP32|JNE|K; 0xc5 = JMP|JSLT|K
        assertThat(hex(a)).isEqualTo("2d43020000000000" + "5602010008000000" + "c500000000000000");
    }

    @Test
    void anUnconditionalJumpBeyond16BitsIsAGotolAndAConditionalOneIsRefused() {
        Assembler a = new Assembler();
        Label end = a.label();
        a.goTo(end);
        for (int i = 0; i < 40_000; i++) a.mov(Reg.R0, 0);
        a.bind(end).exit();
        // BPF_JMP32 | BPF_JA = 0x06, the offset (40000 = 0x9c40) in imm.
        assertThat(hex(a).substring(0, 16)).isEqualTo("06000000409c0000");
        Assembler b = new Assembler();
        Label far = b.label();
        b.jump(Jump.JEQ, Reg.R0, 0, far);
        for (int i = 0; i < 40_000; i++) b.mov(Reg.R0, 0);
        b.bind(far).exit();
        assertThatThrownBy(b::assemble).hasMessageContaining("too far: 40000");
    }

    @Test
    void anUnboundLabelOrABindTwiceIsRefused() {
        Assembler a = new Assembler();
        a.goTo(a.label());
        assertThatThrownBy(a::assemble).hasMessageContaining("never bound");
        Assembler b = new Assembler();
        Label l = b.label();
        b.bind(l);
        assertThatThrownBy(() -> b.bind(l)).hasMessageContaining("twice");
    }
}
