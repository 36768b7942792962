package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The nftables project's own library, {@code libnftables.so.1} (Debian's {@code libnftables1}), through
 * the FFM API: one context, fed nft's command language a buffer at a time. A buffer is one netlink batch,
 * so everything in it is applied together or not at all: that is how every change is one atomic
 * transaction. The context lives on a {@link NamespaceThread} and every call runs there, one at a time:
 * libnftables keeps state per context and may reopen its netlink socket, which must open in the
 * namespace the rules are for.
 *
 * <p>Only commands are run here, never {@code list} of a whole table with maps declared by
 * {@code typeof jhash}: nft 1.0.6 crashes printing them (seen), and a crash here is the JVM's.
 */
@SuppressWarnings("restricted")
public final class Nftables implements AutoCloseable {
    /** The library's soname. */
    public static final String LIBRARY = "libnftables.so.1";
    private static final int NFT_CTX_DEFAULT = 0;

    private final NamespaceThread thread;
    private final MethodHandle runCommand;
    private final MethodHandle outputBuffer;
    private final MethodHandle errorBuffer;
    private final MethodHandle free;
    private MemorySegment context;

    private Nftables(NamespaceThread thread, SymbolLookup lookup) {
        Linker linker = Linker.nativeLinker();
        this.thread = thread;
        this.runCommand = handle(linker, lookup, "nft_run_cmd_from_buffer", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        this.outputBuffer = handle(linker, lookup, "nft_ctx_get_output_buffer", FunctionDescriptor.of(ADDRESS, ADDRESS));
        this.errorBuffer = handle(linker, lookup, "nft_ctx_get_error_buffer", FunctionDescriptor.of(ADDRESS, ADDRESS));
        this.free = handle(linker, lookup, "nft_ctx_free", FunctionDescriptor.ofVoid(ADDRESS));
        this.context = MemorySegment.NULL;
    }

    /**
     * Loads the library and makes a context on {@code thread}, with nft's output and errors kept in buffers
     * for {@link #run} to return. Fails with what to install when the library is missing.
     */
    public static Nftables open(NamespaceThread thread) throws NativeException {
        return open(thread, LIBRARY);
    }

    static Nftables open(NamespaceThread thread, String library) throws NativeException {
        SymbolLookup lookup;
        try {
            // The global arena: the library stays loaded for the process, as a linked library would.
            lookup = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new NativeException(missingLibraryMessage(library, String.valueOf(e.getMessage())));
        }
        Nftables nft;
        try {
            nft = new Nftables(thread, lookup);
        } catch (IllegalArgumentException e) {
            throw new NativeException(library + " lacks a function Vigil calls (" + e.getMessage()
                    + "): the kernel engine needs nftables 1.0 or later; install nftables (libnftables1)");
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle create = handle(linker, lookup, "nft_ctx_new", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        MethodHandle bufferOutput = handle(linker, lookup, "nft_ctx_buffer_output", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle bufferError = handle(linker, lookup, "nft_ctx_buffer_error", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        try {
            nft.context = onThread(thread, () -> {
                MemorySegment ctx = (MemorySegment) create.invokeExact(NFT_CTX_DEFAULT);
                if (ctx.equals(MemorySegment.NULL)) return ctx;
                int out = (int) bufferOutput.invokeExact(ctx);
                int err = (int) bufferError.invokeExact(ctx);
                if (out != 0 || err != 0) {
                    nft.free.invokeExact(ctx);
                    return MemorySegment.NULL;
                }
                return ctx;
            });
        } catch (RuntimeException e) {
            throw new NativeException("nft_ctx_new in " + thread.description() + " failed: " + e);
        }
        if (nft.context.equals(MemorySegment.NULL)) {
            throw new NativeException("nft_ctx_new in " + thread.description()
                    + " failed (libnftables could not make a context or its output buffers)");
        }
        return nft;
    }

    static String missingLibraryMessage(String library, String detail) {
        return "cannot load " + library + " (" + detail + "): the kernel engine drives nftables through its "
                + "library; install nftables (libnftables1), e.g. apt-get install nftables";
    }

    private static MethodHandle handle(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor d) {
        return linker.downcallHandle(lookup.find(name).orElseThrow(() ->
                new IllegalArgumentException("no symbol " + name)), d);
    }

    /**
     * Runs {@code commands} (nft's language, several commands separated by newlines or {@code ;}) as one
     * transaction and returns what nft printed (listings; empty for changes).
     *
     * @throws NativeException with nft's own error text when nft or the kernel refused it; nothing changed
     */
    public synchronized String run(String commands) throws NativeException {
        if (context.equals(MemorySegment.NULL)) throw new IllegalStateException("nftables context closed");
        MemorySegment ctx = context;
        Outcome outcome = onThread(thread, () -> {
            try (Arena call = Arena.ofConfined()) {
                int rc = (int) runCommand.invokeExact(ctx, call.allocateFrom(commands));
                return new Outcome(rc, text((MemorySegment) outputBuffer.invokeExact(ctx)),
                        text((MemorySegment) errorBuffer.invokeExact(ctx)));
            }
        });
        if (outcome.rc != 0) throw new NativeException(refusedMessage(thread.description(), outcome.error));
        return outcome.output;
    }

    /** A downcall, which may throw anything {@code invokeExact} throws. */
    @FunctionalInterface
    private interface Downcall<T> {
        T call() throws Throwable;
    }

    /** Runs {@code action} on the context's thread; a failure of the call itself is a bug, so unchecked. */
    private static <T> T onThread(NamespaceThread thread, Downcall<T> action) {
        try {
            return thread.call(() -> {
                try {
                    return action.call();
                } catch (Exception | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("libnftables call failed", e);
        }
    }

    private record Outcome(int rc, String output, String error) {}

    static String refusedMessage(String where, String nftError) {
        String text = nftError.strip();
        return "nftables refused the change in " + where + ": " + (text.isEmpty() ? "(no message)" : text);
    }

    private static String text(MemorySegment buffer) {
        return buffer.equals(MemorySegment.NULL) ? "" : buffer.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** Frees the context; the thread is the caller's to close. */
    @Override
    public synchronized void close() {
        if (context.equals(MemorySegment.NULL)) return;
        MemorySegment ctx = context;
        context = MemorySegment.NULL;
        try {
            onThread(thread, () -> {
                free.invokeExact(ctx);
                return Boolean.TRUE;
            });
        } catch (RuntimeException ignored) {
            // the context is gone with the thread or the process either way
        }
    }
}
