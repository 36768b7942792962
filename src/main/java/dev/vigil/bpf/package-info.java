/**
 * The kernel engine's eBPF selector as instructions: {@link dev.vigil.bpf.Assembler} encodes them and
 * {@link dev.vigil.bpf.SelectorProgram} writes the program that picks each new connection's real server from
 * per-server counters, with the byte layout of the maps it reads. Pure (no I/O, no native calls, nothing else
 * of Vigil): the {@code linux} layer loads the bytes with the {@code bpf} system call. See docs/kernel-engine.md.
 */
package dev.vigil.bpf;
