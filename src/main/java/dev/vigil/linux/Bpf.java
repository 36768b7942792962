package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The bpf(2) system call (through libc's {@code syscall}, as glibc has no wrapper): maps, a tc program's load
 * with the verifier's log in the error, its attachment to an interface's ingress as a tcx link, a test run and
 * the programs an interface has. Each object is an {@link Fd}: the kernel frees it when its last fd closes, so
 * nothing loaded here outlives the process unless it is pinned (nothing is). Links and queries name an ifindex
 * of the calling thread's network namespace: call them on its {@link NamespaceThread}.
 */
public final class Bpf {
    private static final long SYS_BPF = "aarch64".equals(System.getProperty("os.arch")) ? 280 : 321;
    private static final int MAP_CREATE = 0, MAP_LOOKUP_ELEM = 1, MAP_UPDATE_ELEM = 2, PROG_LOAD = 5,
            PROG_TEST_RUN = 10, PROG_QUERY = 16, LINK_CREATE = 28, LINK_UPDATE = 29;
    public static final int MAP_HASH = 1, MAP_ARRAY = 2, MAP_LRU_HASH = 9;
    private static final int PROG_SCHED_CLS = 3, TCX_INGRESS = 46;
    private static final int ATTR_SIZE = 144, SK_BUFF_SIZE = 192, SK_BUFF_MARK = 8;
    private static final int LOG_SIZE = 1 << 20;
    private static final int OBJ_NAME_LEN = 16;

    private Bpf() {}

    /** A bpf object's file descriptor; closing it drops the process's reference. */
    public static final class Fd implements AutoCloseable {
        private final int value;
        private boolean closed;

        private Fd(int value) {
            this.value = value;
        }

        /** The number, e.g. for a program's map reference ({@code BPF_PSEUDO_MAP_FD}). */
        public int value() {
            return value;
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            Libc.closeQuietly(value);
        }
    }

    /** A map; {@code name} (up to 15 characters) shows in the kernel's listings. */
    public static Fd createMap(int type, int keySize, int valueSize, int maxEntries, String name)
            throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, type);
            attr.set(JAVA_INT, 4, keySize);
            attr.set(JAVA_INT, 8, valueSize);
            attr.set(JAVA_INT, 12, maxEntries);
            name(attr, 28, name);
            return new Fd((int) call(MAP_CREATE, "BPF_MAP_CREATE", name, attr, arena));
        }
    }

    /** Writes {@code value} at {@code key} (BPF_ANY: added or replaced). */
    public static void update(Fd map, byte[] key, byte[] value) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, map.value());
            attr.set(JAVA_LONG, 8, arena.allocateFrom(JAVA_BYTE, key).address());
            attr.set(JAVA_LONG, 16, arena.allocateFrom(JAVA_BYTE, value).address());
            call(MAP_UPDATE_ELEM, "BPF_MAP_UPDATE_ELEM", "map fd " + map.value(), attr, arena);
        }
    }

    /** The value at {@code key}, {@code valueSize} bytes. */
    public static byte[] lookup(Fd map, byte[] key, int valueSize) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            MemorySegment value = arena.allocate(valueSize, 8);
            attr.set(JAVA_INT, 0, map.value());
            attr.set(JAVA_LONG, 8, arena.allocateFrom(JAVA_BYTE, key).address());
            attr.set(JAVA_LONG, 16, value.address());
            call(MAP_LOOKUP_ELEM, "BPF_MAP_LOOKUP_ELEM", "map fd " + map.value(), attr, arena);
            return value.toArray(JAVA_BYTE);
        }
    }

    /**
     * Loads a {@code BPF_PROG_TYPE_SCHED_CLS} program (license GPL: the helpers it calls need it). When the
     * verifier refuses it, the load is repeated with a log, and the exception's message ends with that log.
     */
    public static Fd loadTcProgram(String name, byte[] instructions) throws NativeException {
        try {
            return load(name, instructions, false);
        } catch (NativeException first) {
            if (first.errno() != Errno.EACCES && first.errno() != Errno.EINVAL) throw first;
            return load(name, instructions, true);
        }
    }

    private static Fd load(String name, byte[] instructions, boolean withLog) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            MemorySegment log = withLog ? arena.allocate(LOG_SIZE) : MemorySegment.NULL;
            attr.set(JAVA_INT, 0, PROG_SCHED_CLS);
            attr.set(JAVA_INT, 4, instructions.length / 8);
            attr.set(JAVA_LONG, 8, arena.allocateFrom(JAVA_BYTE, instructions).address());
            attr.set(JAVA_LONG, 16, arena.allocateFrom("GPL").address());
            if (withLog) {
                attr.set(JAVA_INT, 24, 1);
                attr.set(JAVA_INT, 28, LOG_SIZE);
                attr.set(JAVA_LONG, 32, log.address());
            }
            name(attr, 48, name);
            MemorySegment capture = Libc.allocateCapture(arena);
            long fd = syscall(capture, PROG_LOAD, attr);
            if (fd >= 0) return new Fd((int) fd);
            int errno = Libc.errno(capture);
            String text = "bpf(BPF_PROG_LOAD) of program " + name + " failed: " + Errno.describe(errno) + " ("
                    + Errno.name(errno) + ")" + hint(errno);
            if (withLog) {
                String verifier = log.getString(0).strip();
                if (!verifier.isEmpty()) text += "; the verifier said:\n" + verifier;
            }
            throw new NativeException("bpf(BPF_PROG_LOAD)", errno, text);
        }
    }

    /** Attaches {@code program} to the ingress of interface {@code ifindex} (tcx, after the programs already there). */
    public static Fd attachTcxIngress(Fd program, int ifindex) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, program.value());
            attr.set(JAVA_INT, 4, ifindex);
            attr.set(JAVA_INT, 8, TCX_INGRESS);
            return new Fd((int) call(LINK_CREATE, "BPF_LINK_CREATE", "ifindex " + ifindex, attr, arena));
        }
    }

    /** Puts {@code program} in the place of the link's program, atomically: no packet sees neither or both. */
    public static void replace(Fd link, Fd program) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, link.value());
            attr.set(JAVA_INT, 4, program.value());
            call(LINK_UPDATE, "BPF_LINK_UPDATE", "link fd " + link.value(), attr, arena);
        }
    }

    /** The ids of the programs on interface {@code ifindex}'s tcx ingress. */
    public static List<Integer> tcxIngressPrograms(int ifindex) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            int room = 64;
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            MemorySegment ids = arena.allocate(JAVA_INT, room);
            attr.set(JAVA_INT, 0, ifindex);
            attr.set(JAVA_INT, 4, TCX_INGRESS);
            attr.set(JAVA_LONG, 16, ids.address());
            attr.set(JAVA_INT, 24, room);
            call(PROG_QUERY, "BPF_PROG_QUERY", "ifindex " + ifindex, attr, arena);
            int count = Math.min(room, attr.get(JAVA_INT, 24));
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < count; i++) out.add(ids.getAtIndex(JAVA_INT, i));
            return out;
        }
    }

    /** What one test run returned: the program's return value and the packet's mark afterwards. */
    public record TestRun(int returnValue, int mark) {}

    /** Runs a tc program once on {@code packet} (an Ethernet frame) in the kernel (BPF_PROG_TEST_RUN). */
    public static TestRun testRun(Fd program, byte[] packet) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            MemorySegment ctx = arena.allocate(SK_BUFF_SIZE, 8);
            attr.set(JAVA_INT, 0, program.value());
            attr.set(JAVA_INT, 8, packet.length);
            attr.set(JAVA_LONG, 16, arena.allocateFrom(JAVA_BYTE, packet).address());
            attr.set(JAVA_INT, 32, 1);
            attr.set(JAVA_INT, 44, SK_BUFF_SIZE);
            attr.set(JAVA_LONG, 56, ctx.address());
            call(PROG_TEST_RUN, "BPF_PROG_TEST_RUN", "program fd " + program.value(), attr, arena);
            return new TestRun(attr.get(JAVA_INT, 4), ctx.get(JAVA_INT, SK_BUFF_MARK));
        }
    }

    private static void name(MemorySegment attr, long offset, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(bytes.length, OBJ_NAME_LEN - 1);
        for (int i = 0; i < n; i++) {
            byte c = bytes[i];
            // The kernel accepts letters, digits, '_' and '.' only.
            attr.set(JAVA_BYTE, offset + i, Character.isLetterOrDigit(c) || c == '.' ? c : (byte) '_');
        }
    }

    private static long call(int command, String commandName, String subject, MemorySegment attr, Arena arena)
            throws NativeException {
        MemorySegment capture = Libc.allocateCapture(arena);
        long rc = syscall(capture, command, attr);
        if (rc >= 0) return rc;
        int errno = Libc.errno(capture);
        throw new NativeException("bpf(" + commandName + ")", errno, "bpf(" + commandName + ") for " + subject
                + " failed: " + Errno.describe(errno) + " (" + Errno.name(errno) + ")" + hint(errno));
    }

    private static long syscall(MemorySegment capture, int command, MemorySegment attr) {
        try {
            return (long) Libc.SYSCALL3.invokeExact(capture, SYS_BPF, (long) command, attr, (long) ATTR_SIZE);
        } catch (Throwable t) {
            throw new IllegalStateException("bpf(2) call failed to link", t);
        }
    }

    /** What usually causes an errno of bpf(2). */
    static String hint(int errno) {
        return switch (errno) {
            case Errno.EPERM, Errno.EACCES -> ". Loading eBPF programs needs root (CAP_BPF and CAP_NET_ADMIN); "
                    + "unprivileged bpf is disabled on most systems";
            case Errno.ENOSYS -> ". The kernel has no bpf(2) (CONFIG_BPF_SYSCALL)";
            case Errno.EINVAL, Errno.EOPNOTSUPP, Errno.ENOTSUPP -> ". The kernel may lack what is asked "
                    + "(tcx needs Linux 6.6, CONFIG_NET_XGRESS)";
            case Errno.ENOMEM -> ". The kernel could not allocate the object (locked memory or map size)";
            default -> "";
        };
    }
}
