package dev.vigil.linux;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * This process's children. Every process Vigil starts goes through {@link #start}; {@link #startReaping}
 * makes Vigil a child subreaper ({@code PR_SET_CHILD_SUBREAPER}) and reaps the orphans it adopts: the
 * background processes a check or notify script leaves behind. Without that, Vigil as PID 1 of a container
 * that has no init collects them as zombies for good.
 *
 * <p>The reaper must never take the exit status of a child the JVM started: the JDK waits for each of its
 * children with {@code waitpid(pid)}, and when another waiter got there first it reports exit 0, so a failing
 * check would pass. A plain {@code waitpid(-1)} would do exactly that. So the pids {@link #start} hands out are
 * kept until the JDK has reaped them, and a reaping pass takes only the exited children not among them, each
 * with {@code waitid(P_PID, pid)}. A start and a pass exclude each other: otherwise a child could exit between
 * its fork and its registration and look like an orphan. A cheap peek ({@code waitid(P_ALL)} with
 * {@code WNOWAIT}, which reaps nothing) skips the scan of the children when none has exited.
 */
public final class ChildProcesses {

    private static final Logger LOG = LoggerFactory.getLogger(ChildProcesses.class);
    /** The children the JDK started, by pid, until the JDK has reaped them. */
    private static final Map<Long, Process> STARTED = new ConcurrentHashMap<>();
    private static final ReadWriteLock STARTING = new ReentrantReadWriteLock();

    private ChildProcesses() {}

    /** Starts {@code builder}'s process, which the reaper then leaves to the JDK. */
    public static Process start(ProcessBuilder builder) throws IOException {
        STARTING.readLock().lock();
        try {
            forgetReaped();
            Process process = builder.start();
            STARTED.put(process.pid(), process);
            return process;
        } finally {
            STARTING.readLock().unlock();
        }
    }

    /**
     * Whether {@code process} is alive and leads a process group of its own (a script started through
     * {@code setsid}), so that {@link #signalGroup} reaches it and everything it forked that stayed in its
     * group, including children re-parented after their parent exited. Vigil's own group is never such a
     * group: Vigil is not a child it started.
     */
    public static boolean leadsOwnGroup(ProcessHandle process) {
        if (!process.isAlive() || !STARTED.containsKey(process.pid())) return false;
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            // "PID (COMM) STATE PPID PGRP ...": COMM may hold spaces and parentheses
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
            return Long.parseLong(fields[2]) == process.pid();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Sends SIGTERM, or SIGKILL when {@code force}, to every process of the group {@code leader} leads (as
     * {@link #leadsOwnGroup} said while it was alive; the group id stays reserved while the group has
     * members, so it cannot name anyone else's). Returns false when no process was left in the group.
     */
    public static boolean signalGroup(long leader, boolean force) {
        if (leader <= 1) throw new IllegalArgumentException("not a group of a started process: " + leader);
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) Libc.KILL.invokeExact(Libc.allocateCapture(arena), (int) -leader, force ? Libc.SIGKILL : Libc.SIGTERM);
            return r == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("kill downcall failed", t);
        }
    }

    /**
     * Becomes a child subreaper and reaps adopted orphans every {@code interval} until closed. Off Linux, or
     * if prctl fails, says so and reaps nothing.
     */
    public static Reaper startReaping(Duration interval) {
        if (!LinuxPlatform.isLinux()) return new Reaper(null);
        try {
            becomeSubreaper();
        } catch (NativeException e) {
            LOG.warn("{}; orphans of scripts go to init, and are left as zombies if Vigil is PID 1", e.getMessage());
            return new Reaper(null);
        }
        LOG.debug("child subreaper{}: reaping orphaned processes every {} ms",
                ProcessHandle.current().pid() == 1 ? " and PID 1" : "", interval.toMillis());
        Thread thread = Thread.ofPlatform().daemon().name("vigil-reaper").unstarted(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(interval);
                    int n = reapOrphans();
                    if (n > 0) LOG.debug("reaped {} orphaned process(es)", n);
                }
            } catch (InterruptedException e) {
                // closed
            }
        });
        thread.start();
        return new Reaper(thread);
    }

    /** The running reaper; closing it stops reaping (the process stays a subreaper). */
    public static final class Reaper implements AutoCloseable {
        private final @Nullable Thread thread;

        private Reaper(@Nullable Thread thread) {
            this.thread = thread;
        }

        @Override
        public void close() {
            if (thread == null) return;
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void becomeSubreaper() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.allocateCapture(arena);
            int r = (int) Libc.PRCTL.invokeExact(capture, Libc.PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
            if (r < 0) throw new NativeException("prctl(PR_SET_CHILD_SUBREAPER)", "", Libc.errno(capture));
        } catch (NativeException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("prctl downcall failed", t);
        }
    }

    /** One pass: reaps every exited child that the JDK did not start; returns how many. */
    static int reapOrphans() {
        STARTING.writeLock().lock();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.allocateCapture(arena);
            MemorySegment info = arena.allocate(Libc.SIGINFO_SIZE);
            if (waitid(capture, Libc.P_ALL, 0, info, Libc.WEXITED | Libc.WNOHANG | Libc.WNOWAIT) == 0) return 0;
            forgetReaped();
            int reaped = 0;
            List<ProcessHandle> children = ProcessHandle.current().children().toList();
            for (ProcessHandle child : children) {
                long pid = child.pid();
                if (STARTED.containsKey(pid)) continue;
                // Without WNOWAIT this reaps the child if it has exited, and leaves a live one alone.
                if (waitid(capture, Libc.P_PID, (int) pid, info, Libc.WEXITED | Libc.WNOHANG) == pid) reaped++;
            }
            return reaped;
        } finally {
            STARTING.writeLock().unlock();
        }
    }

    /**
     * Drops the children the JDK has reaped (a Process is alive until the JDK has its exit status): their pids
     * may now be reused by orphans. Done on each start and reaping pass rather than through
     * {@code Process.onExit()}, which completes through the common fork-join pool and would leave its threads
     * idling in the daemon.
     */
    private static void forgetReaped() {
        STARTED.values().removeIf(p -> !p.isAlive());
    }

    /** The pid waitid reported, 0 when none was waitable (or on an error: no children, interrupted). */
    private static int waitid(MemorySegment capture, int idType, int id, MemorySegment info, int options) {
        info.fill((byte) 0); // man waitid: with WNOHANG, si_pid stays as it was when nothing is waitable
        try {
            int r = (int) Libc.WAITID.invokeExact(capture, idType, id, info, options);
            return r < 0 ? 0 : info.get(ValueLayout.JAVA_INT, Libc.SIGINFO_PID_OFFSET);
        } catch (Throwable t) {
            throw new IllegalStateException("waitid downcall failed", t);
        }
    }
}
