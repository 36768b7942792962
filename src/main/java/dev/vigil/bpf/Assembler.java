package dev.vigil.bpf;

import org.jspecify.annotations.Nullable;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * eBPF instructions, encoded as the kernel reads them (Documentation/bpf/standardization/instruction-set.rst):
 * eight bytes each, {@code opcode}, {@code dst_reg} in the low and {@code src_reg} in the high nibble, a signed
 * 16-bit {@code offset} and a signed 32-bit {@code imm}, little-endian (the host order of x86-64 and aarch64);
 * the 64-bit immediate load takes two. Jumps name a {@link Label}, resolved by {@link #assemble} into the
 * offset the kernel wants: instructions to skip after the jump. Pure: no I/O, so every encoding is unit-tested.
 */
public final class Assembler {
    private static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, JMP32 = 0x06,
            ALU64 = 0x07;
    private static final int IMM = 0x00, MEM = 0x60, ATOMIC = 0xc0;
    private static final int K = 0x00, X = 0x08;
    private static final int CALL = 0x80, EXIT = 0x90;

    public enum Reg {
        R0(0), R1(1), R2(2), R3(3), R4(4), R5(5), R6(6), R7(7), R8(8), R9(9), R10(10);

        /** The frame pointer: read-only, the top of the program's 512-byte stack. */
        public static final Reg FP = R10;

        final int number;

        Reg(int number) {
            this.number = number;
        }
    }

    public enum Size {
        W(0x00), H(0x08), B(0x10), DW(0x18);

        final int code;

        Size(int code) {
            this.code = code;
        }
    }

    public enum Alu {
        ADD(0x00), SUB(0x10), MUL(0x20), DIV(0x30), OR(0x40), AND(0x50), LSH(0x60), RSH(0x70), MOD(0x90), XOR(0xa0),
        MOV(0xb0), ARSH(0xc0);

        final int code;

        Alu(int code) {
            this.code = code;
        }
    }

    /** Conditional jumps; the {@code S} ones compare signed. */
    public enum Jump {
        JEQ(0x10), JGT(0x20), JGE(0x30), JSET(0x40), JNE(0x50), JSGT(0x60), JSGE(0x70), JLT(0xa0), JLE(0xb0),
        JSLT(0xc0), JSLE(0xd0);

        final int code;

        Jump(int code) {
            this.code = code;
        }
    }

    /** A place in the program a jump goes to; {@link #bind} it exactly once. */
    public static final class Label {
        private int at = -1;
    }

    private record Insn(int opcode, int dst, int src, int offset, int imm, @Nullable Label target) {}

    private final List<Insn> insns = new ArrayList<>();

    public Label label() {
        return new Label();
    }

    /** Puts {@code label} at the next instruction. */
    public Assembler bind(Label label) {
        if (label.at >= 0) throw new IllegalStateException("label bound twice");
        label.at = insns.size();
        return this;
    }

    /** Instruction slots so far (a 64-bit immediate load counts two). */
    public int length() {
        return insns.size();
    }

    private Assembler emit(int opcode, Reg dst, Reg src, int offset, int imm) {
        return emit(opcode, dst, src, offset, imm, null);
    }

    private Assembler emit(int opcode, Reg dst, Reg src, int offset, int imm, @Nullable Label target) {
        if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE) throw new IllegalArgumentException("offset " + offset);
        insns.add(new Insn(opcode, dst.number, src.number, offset, imm, target));
        return this;
    }

    /** 64-bit {@code dst op= imm}. */
    public Assembler alu64(Alu op, Reg dst, int imm) {
        return emit(ALU64 | op.code | K, dst, Reg.R0, 0, imm);
    }

    /** 64-bit {@code dst op= src}. */
    public Assembler alu64(Alu op, Reg dst, Reg src) {
        return emit(ALU64 | op.code | X, dst, src, 0, 0);
    }

    /** 32-bit {@code dst op= imm}; the upper half of {@code dst} becomes zero. */
    public Assembler alu32(Alu op, Reg dst, int imm) {
        return emit(ALU | op.code | K, dst, Reg.R0, 0, imm);
    }

    public Assembler mov(Reg dst, int imm) {
        return alu64(Alu.MOV, dst, imm);
    }

    public Assembler mov(Reg dst, Reg src) {
        return alu64(Alu.MOV, dst, src);
    }

    /** {@code dst = *(size *)(src + offset)}, zero-extended. */
    public Assembler load(Size size, Reg dst, Reg src, int offset) {
        return emit(LDX | size.code | MEM, dst, src, offset, 0);
    }

    /** {@code *(size *)(dst + offset) = src}. */
    public Assembler store(Size size, Reg dst, int offset, Reg src) {
        return emit(STX | size.code | MEM, dst, src, offset, 0);
    }

    /** {@code *(size *)(dst + offset) = imm}. */
    public Assembler storeImm(Size size, Reg dst, int offset, int imm) {
        return emit(ST | size.code | MEM, dst, Reg.R0, offset, imm);
    }

    /** {@code lock *(u64 *)(dst + offset) += src}: atomic against every CPU and against user space's reads. */
    public Assembler atomicAdd64(Reg dst, int offset, Reg src) {
        return emit(STX | Size.DW.code | ATOMIC, dst, src, offset, Alu.ADD.code);
    }

    /**
     * {@code lock *(u32 *)(dst + offset) op= src} for {@code op} OR, AND or XOR (the bits other CPUs set or clear
     * in the same word meanwhile are kept); imm is the operation's code.
     */
    public Assembler atomic32(Alu op, Reg dst, int offset, Reg src) {
        if (op != Alu.OR && op != Alu.AND && op != Alu.XOR) throw new IllegalArgumentException("atomic " + op);
        return emit(STX | Size.W.code | ATOMIC, dst, src, offset, op.code);
    }

    /** {@code dst = imm}, all 64 bits (two instruction slots). */
    public Assembler loadImm64(Reg dst, long imm) {
        emit(LD | Size.DW.code | IMM, dst, Reg.R0, 0, (int) imm);
        return emit(0, Reg.R0, Reg.R0, 0, (int) (imm >>> 32));
    }

    /** {@code dst =} the map whose fd is {@code fd}, as a helper's map argument. */
    public Assembler loadMap(Reg dst, int fd) {
        emit(LD | Size.DW.code | IMM, dst, Reg.R1, 0, fd); // src_reg 1: BPF_PSEUDO_MAP_FD
        return emit(0, Reg.R0, Reg.R0, 0, 0);
    }

    /** {@code dst =} the address of byte {@code offset} of the value of a one-element array map (no lookup call). */
    public Assembler loadMapValue(Reg dst, int fd, int offset) {
        emit(LD | Size.DW.code | IMM, dst, Reg.R2, 0, fd); // src_reg 2: BPF_PSEUDO_MAP_VALUE
        return emit(0, Reg.R0, Reg.R0, 0, offset);
    }

    /** {@code if (dst op imm) goto target}, 64-bit (imm sign-extended). */
    public Assembler jump(Jump op, Reg dst, int imm, Label target) {
        return emit(JMP | op.code | K, dst, Reg.R0, 0, imm, target);
    }

    /** {@code if (dst op src) goto target}, 64-bit. */
    public Assembler jump(Jump op, Reg dst, Reg src, Label target) {
        return emit(JMP | op.code | X, dst, src, 0, 0, target);
    }

    /** {@code if ((u32) dst op imm) goto target}: compares the low 32 bits only. */
    public Assembler jump32(Jump op, Reg dst, int imm, Label target) {
        return emit(JMP32 | op.code | K, dst, Reg.R0, 0, imm, target);
    }

    /**
     * Jumps to {@code target} at any distance: as {@code ja} with a 16-bit offset when it reaches, else as
     * {@code gotol}, whose 32-bit offset is the immediate (BPF_JMP32 | BPF_JA, kernel 6.6, as tcx).
     */
    public Assembler goTo(Label target) {
        return emit(JMP, Reg.R0, Reg.R0, 0, 0, target);
    }

    /** Calls helper {@code id}: arguments in r1-r5, result in r0; r1-r5 are clobbered, r6-r9 kept. */
    public Assembler call(int helper) {
        return emit(JMP | CALL, Reg.R0, Reg.R0, 0, helper);
    }

    public Assembler exit() {
        return emit(JMP | EXIT, Reg.R0, Reg.R0, 0, 0);
    }

    /** The program's bytes, every label resolved. */
    public byte[] assemble() {
        ByteBuffer out = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < insns.size(); i++) {
            Insn insn = insns.get(i);
            int offset = insn.offset();
            Label target = insn.target();
            if (target != null) {
                int at = target.at;
                if (at < 0) throw new IllegalStateException("jump to a label never bound, at instruction " + i);
                offset = at - (i + 1);
                if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE) {
                    if (insn.opcode() != JMP) {
                        throw new IllegalStateException("jump at instruction " + i + " is too far: " + offset);
                    }
                    out.put((byte) JMP32).put((byte) 0).putShort((short) 0).putInt(offset); // gotol
                    continue;
                }
            }
            out.put((byte) insn.opcode()).put((byte) (insn.src() << 4 | insn.dst())).putShort((short) offset)
                    .putInt(insn.imm());
        }
        return out.array();
    }
}
