package dev.vigil.linux;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ctnetlink for real, in a fresh network namespace: a TCP connection over its loopback is seen new,
 * established and destroyed with its byte counters ({@code nf_conntrack_acct}), dumped while it lives, and
 * a receive buffer too small for a burst overruns, is counted and followed by a dump.
 *
 * <p>With {@code -Dvigil.conntrack.capture=DIR} the raw messages a second socket received are written
 * there, one file each: that is how src/test/resources/fuzz/conntrack/ (the parser's unit tests and fuzz
 * corpus) was made.
 */
@RequiresRoot(commands = {"ip", "sysctl", "nft"})
class ConntrackEventsSystemTest {
    private static NetnsBed bed;
    private static String ns;
    private static NamespaceThread thread;

    @BeforeAll
    static void namespace() throws Exception {
        bed = NetnsBed.create("ce", 1, false);
        ns = bed.node(1);
        bed.exec(ns, "ip", "link", "set", "lo", "up");
        // Conntrack tracks a namespace's packets only once a rule there needs it.
        bed.exec(ns, "nft", "add table inet cetest; add chain inet cetest out { type filter hook output priority 0; };"
                + " add rule inet cetest out ct state new counter");
        // Per namespace: accounting on, and closed connections leave the table within a second.
        bed.exec(ns, "sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1",
                "net.netfilter.nf_conntrack_tcp_timeout_time_wait=1");
        thread = NamespaceThread.start(Optional.of(ns), "ce-test");
    }

    @AfterAll
    static void tearDown() {
        if (thread != null) thread.close();
        if (bed != null) bed.close();
    }

    private record Seen(ConntrackEvents.Kind kind, ConntrackEntry entry) {}

    private static final class Recorder implements ConntrackEvents.Listener {
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        final AtomicInteger resyncsDone = new AtomicInteger();
        volatile long stallMillis;

        @Override
        public void entry(ConntrackEvents.Kind kind, ConntrackEntry entry) {
            seen.add(new Seen(kind, entry));
            long stall = stallMillis;
            if (stall > 0) {
                stallMillis = 0;
                try {
                    Thread.sleep(stall); // a slow consumer: the kernel's queue fills meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void resyncStarted() {
        }

        @Override
        public void resyncDone() {
            resyncsDone.incrementAndGet();
        }

        Seen await(Predicate<Seen> p) throws InterruptedException {
            return await(p, () -> {});
        }

        /** Waits for an event {@code p} accepts, running {@code nudge} every half second meanwhile. */
        Seen await(Predicate<Seen> p, Runnable nudge) throws InterruptedException {
            long start = System.nanoTime(), deadline = start + Duration.ofSeconds(20).toNanos();
            long nextNudge = start;
            while (System.nanoTime() < deadline) {
                for (Seen s : seen) if (p.test(s)) return s;
                if (System.nanoTime() - nextNudge >= 0) {
                    nudge.run();
                    nextNudge += Duration.ofMillis(500).toNanos();
                }
                Thread.sleep(20);
            }
            throw new AssertionError("not seen within 20 s among " + seen.size() + " events; the last ones: "
                    + seen.subList(Math.max(0, seen.size() - 20), seen.size()));
        }
    }

    @Test
    void aConnectionIsSeenNewEstablishedDumpedAndDestroyedWithItsBytes() throws Exception {
        for (String loopback : List.of("127.0.0.1", "::1")) {
            Recorder r = new Recorder();
            List<byte[]> raw = new CopyOnWriteArrayList<>();
            NetlinkSocket rawSocket = thread.call(() -> new NetlinkSocket(ConntrackMessages.NETLINK_NETFILTER,
                    ConntrackMessages.GROUPS, 1 << 20));
            AtomicBoolean recording = new AtomicBoolean(true);
            AtomicBoolean dumpNow = new AtomicBoolean();
            Thread rawReader = Thread.ofPlatform().start(() -> record(rawSocket, recording, dumpNow, raw));
            try (ConntrackEvents events = ConntrackEvents.start(thread, new ConntrackEvents.Options(1 << 20,
                    Duration.ofMillis(300)), r)) {
                InetAddress address = InetAddress.getByName(loopback);
                int client;
                int server;
                try (ServerSocket listener = NetworkNamespace.call(ns, () -> new ServerSocket(0, 5, address))) {
                    server = listener.getLocalPort();
                    try (Socket s = NetworkNamespace.call(ns, () -> new Socket(address, server));
                         Socket accepted = listener.accept()) {
                        client = s.getLocalPort();
                        s.getOutputStream().write(new byte[1000]);
                        accepted.getInputStream().readNBytes(1000);
                        accepted.getOutputStream().write(new byte[50_000]);
                        s.getInputStream().readNBytes(50_000);
                        Predicate<ConntrackEntry> ours = e -> e.protocol() == ConntrackEntry.TCP
                                && e.originalSource().equals(new InetSocketAddress(address, client))
                                && e.originalDestination().equals(new InetSocketAddress(address, server));
                        Seen established = r.await(x -> ours.test(x.entry())
                                && x.entry().tcpState() == ConntrackEntry.TCP_ESTABLISHED);
                        assertThat(r.seen).anySatisfy(x -> {
                            assertThat(x.kind()).isEqualTo(ConntrackEvents.Kind.NEW);
                            assertThat(ours.test(x.entry())).isTrue();
                            assertThat(x.entry().id()).isEqualTo(established.entry().id());
                        });
                        assertThat(established.entry().replySource()).isEqualTo(new InetSocketAddress(address, server));
                        Seen dumped = r.await(x -> x.kind() == ConntrackEvents.Kind.DUMPED && ours.test(x.entry())
                                && x.entry().original().map(c -> c.bytes() > 1000).orElse(false));
                        assertThat(dumped.entry().tcpState()).isEqualTo(ConntrackEntry.TCP_ESTABLISHED);
                        assertThat(dumped.entry().id()).isEqualTo(established.entry().id());
                        dumpNow.set(true);
                        // The other end's close: the entry leaves ESTABLISHED before it dies.
                        accepted.shutdownOutput();
                        r.await(x -> ours.test(x.entry()) && x.kind() == ConntrackEvents.Kind.UPDATE
                                && x.entry().tcpState() > ConntrackEntry.TCP_ESTABLISHED);
                        assertThat(s.getInputStream().read()).isEqualTo(-1);
                    }
                }
                // TIME_WAIT lasts a second here, but the kernel's garbage collector may come up to a minute later on
                // a busy machine (its interval follows the timeouts of every namespace's entries); a dump reaps an
                // expired entry at once, so one is asked for every half second until the DESTROY arrives.
                Seen destroyed = r.await(x -> x.kind() == ConntrackEvents.Kind.DESTROY && ours(x, address, client, server),
                        () -> dumpNow.set(true));
                ConntrackEntry.Counters in = destroyed.entry().original().orElseThrow();
                ConntrackEntry.Counters out = destroyed.entry().reply().orElseThrow();
                int headers = loopback.contains(":") ? 40 + 20 : 20 + 20;
                assertThat(in.bytes()).isBetween(1000L, 1000L + in.packets() * (headers + 40));
                assertThat(out.bytes()).isBetween(50_000L, 50_000L + out.packets() * (headers + 40));
                assertThat(events.overruns()).isZero();
                assertThat(events.malformed()).isZero();
            } finally {
                recording.set(false);
                rawReader.join(5_000);
            }
            assertThat(raw).isNotEmpty();
            capture(loopback.contains(":") ? "ipv6" : "ipv4", raw);
        }
    }

    private static boolean ours(Seen x, InetAddress address, int client, int server) {
        return x.entry().protocol() == ConntrackEntry.TCP
                && x.entry().originalSource().equals(new InetSocketAddress(address, client))
                && x.entry().originalDestination().equals(new InetSocketAddress(address, server));
    }

    @Test
    void anOverrunIsCountedAndFollowedByADump() throws Exception {
        Recorder r = new Recorder();
        // The smallest buffer the kernel grants, and a listener that stalls on its first entry.
        try (ConntrackEvents events = ConntrackEvents.start(thread, new ConntrackEvents.Options(1, Duration.ZERO), r)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (r.resyncsDone.get() == 0 && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(r.resyncsDone.get()).as("the first dump").isEqualTo(1);
            r.stallMillis = 1500;
            InetAddress address = InetAddress.getByName("127.0.0.1");
            try (ServerSocket listener = NetworkNamespace.call(ns, () -> new ServerSocket(0, 500, address))) {
                List<Socket> open = new ArrayList<>();
                try {
                    for (int i = 0; i < 200; i++) {
                        open.add(NetworkNamespace.call(ns, () -> new Socket(address, listener.getLocalPort())));
                    }
                } finally {
                    for (Socket s : open) s.close();
                }
            }
            deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while ((events.overruns() == 0 || r.resyncsDone.get() < 2) && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(events.overruns()).isGreaterThanOrEqualTo(1);
            assertThat(r.resyncsDone.get()).as("a dump after the overrun").isGreaterThanOrEqualTo(2);
            assertThat(events.resyncs()).isEqualTo(r.resyncsDone.get());
        }
    }

    @Test
    void aDumpOfTwentyThousandEntriesIsQuick() throws Exception {
        // 20,000 UDP flows: one socket to 20,000 ports (nothing listens; each datagram still makes an entry).
        try (DatagramSocket socket = NetworkNamespace.call(ns, DatagramSocket::new)) {
            InetAddress lo = InetAddress.getByName("127.0.0.1");
            for (int port = 20_000; port < 40_000; port++) socket.send(new DatagramPacket(new byte[1], 1, lo, port));
        }
        AtomicInteger dumped = new AtomicInteger();
        long[] times = new long[2];
        ConntrackEvents.Listener timing = new ConntrackEvents.Listener() {
            @Override
            public void entry(ConntrackEvents.Kind kind, ConntrackEntry entry) {
                if (kind == ConntrackEvents.Kind.DUMPED) dumped.incrementAndGet();
            }

            @Override
            public void resyncStarted() {
                times[0] = System.nanoTime();
            }

            @Override
            public void resyncDone() {
                times[1] = System.nanoTime();
            }
        };
        try (ConntrackEvents _ = ConntrackEvents.start(thread, new ConntrackEvents.Options(8 << 20, Duration.ZERO), timing)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (times[1] == 0 && System.nanoTime() < deadline) Thread.sleep(20);
        }
        assertThat(times[1]).as("the dump ended").isNotZero();
        assertThat(dumped.get()).isGreaterThanOrEqualTo(20_000);
        System.out.printf("a dump of %d entries, parsed: %d ms%n", dumped.get(), (times[1] - times[0]) / 1_000_000);
    }

    /**
     * Every message a second subscriber receives, and the answer to a dump it asks for when {@code dumpNow}
     * is set, until {@code recording} ends; then closes its socket.
     */
    private static void record(NetlinkSocket socket, AtomicBoolean recording, AtomicBoolean dumpNow, List<byte[]> raw) {
        try (socket) {
            while (recording.get()) {
                if (dumpNow.getAndSet(false)) socket.send(ConntrackMessages.dumpRequest(7), "dump");
                Optional<ByteBuffer> d = socket.receive(100);
                if (d.isEmpty()) continue;
                for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(d.get())) {
                    ByteBuffer b = d.get();
                    int length = m.body().remaining() + RtnetlinkMessages.HEADER_LENGTH;
                    // The message's own bytes: its header precedes its body in the datagram.
                    int start = m.body().arrayOffset() - b.arrayOffset() - RtnetlinkMessages.HEADER_LENGTH;
                    byte[] one = new byte[length];
                    b.get(b.position() + start, one);
                    raw.add(one);
                }
            }
        } catch (NativeException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void capture(String prefix, List<byte[]> raw) throws Exception {
        String dir = System.getProperty("vigil.conntrack.capture");
        if (dir == null) return;
        Files.createDirectories(Path.of(dir));
        for (int i = 0; i < raw.size(); i++) {
            byte[] m = raw.get(i);
            ByteBuffer b = ByteBuffer.wrap(m).order(java.nio.ByteOrder.nativeOrder());
            int type = b.getShort(4) & 0xffff, flags = b.getShort(6) & 0xffff;
            String kind = type == RtnetlinkMessages.NLMSG_DONE ? "done"
                    : (flags & RtnetlinkMessages.NLM_F_MULTI) != 0 ? "dumped"
                    : (type & 0xff) == ConntrackMessages.CT_DELETE ? "destroy"
                    : (flags & RtnetlinkMessages.NLM_F_CREATE) != 0 ? "new" : "update";
            Files.write(Path.of(dir, String.format("%s-%02d-%s.bin", prefix, i, kind)), m);
        }
    }
}
