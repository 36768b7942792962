package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * sd_notify(3) without libsystemd: one datagram to the AF_UNIX socket named by {@code NOTIFY_SOCKET}
 * ("READY=1", "WATCHDOG=1", "RELOADING=1", "STOPPING=1", "STATUS=..."). Java's own channels cannot
 * send datagrams over AF_UNIX, hence FFM. Linking is a restricted method: as in {@link Libc}, this class is
 * where Vigil accepts that.
 */
@SuppressWarnings("restricted")
public final class SystemdNotifier {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SUN_PATH_OFFSET = 2;
    private static final int SUN_PATH_MAX = 108;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MethodHandle SOCKET = LINKER.downcallHandle(LIBC.find("socket").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SENDTO = LINKER.downcallHandle(LIBC.find("sendto").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final String socketName;

    SystemdNotifier(String socketName) {
        this.socketName = socketName;
    }

    /** The notifier for this process, or empty when systemd did not ask for notifications. */
    public static Optional<SystemdNotifier> fromEnvironment() {
        String name = System.getenv("NOTIFY_SOCKET");
        if (name == null || name.isEmpty() || name.length() >= SUN_PATH_MAX) return Optional.empty();
        return Optional.of(new SystemdNotifier(name));
    }

    /** The watchdog interval systemd expects pings at, in microseconds, or 0 when there is none. */
    public static long watchdogMicros() {
        try {
            String usec = System.getenv("WATCHDOG_USEC");
            String pid = System.getenv("WATCHDOG_PID");
            if (usec == null) return 0;
            if (pid != null && Long.parseLong(pid) != ProcessHandle.current().pid()) return 0;
            return Long.parseLong(usec);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Sends one state line; returns false (and never throws) if the socket is gone. */
    public boolean notify(String state) {
        byte[] path = socketName.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = path[0] == '@';
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(SUN_PATH_OFFSET + SUN_PATH_MAX);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(path, 0, addr, ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, path.length);
            if (abstractName) addr.set(ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, (byte) 0);
            int addrLen = SUN_PATH_OFFSET + path.length + (abstractName ? 0 : 1);
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, message);
            int fd = (int) SOCKET.invokeExact(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) return false;
            try {
                long sent = (long) SENDTO.invokeExact(fd, buf, (long) message.length, 0, addr, addrLen);
                return sent == message.length;
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            return false;
        }
    }
}
