package dev.vigil.linux;

import dev.vigil.testing.FuzzCorpus;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * The ctnetlink parser on messages captured from this machine's kernel (6.18; see
 * {@link ConntrackEventsSystemTest}): one TCP connection over loopback, IPv4 and IPv6, from its NEW event
 * through its updates, a dump's line and the dump's end, to its DESTROY with the byte counters.
 */
class ConntrackMessagesTest {

    private static byte[] captured(String name) {
        return FuzzCorpus.read(FuzzCorpus.ROOT.resolve("conntrack").resolve(name));
    }

    private static RtnetlinkMessages.Message message(byte[] datagram) {
        List<RtnetlinkMessages.Message> all = RtnetlinkMessages.split(ByteBuffer.wrap(datagram).order(ByteOrder.nativeOrder()));
        assertThat(all).hasSize(1);
        return all.getFirst();
    }

    private static ConntrackMessages.Entry entry(String name) throws Exception {
        return (ConntrackMessages.Entry) ConntrackMessages.parse(message(captured(name)));
    }

    @Test
    void theIpv4ConnectionsLifeAsTheKernelToldIt() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        InetSocketAddress client = new InetSocketAddress(lo, 48126), server = new InetSocketAddress(lo, 39117);
        ConntrackMessages.Entry created = entry("ipv4-00-new.bin");
        assertThat(created.kind()).isEqualTo(ConntrackEvents.Kind.NEW);
        ConntrackEntry e = created.entry();
        assertThat(e.id()).isEqualTo(3223291604L);
        assertThat(e.protocol()).isEqualTo(ConntrackEntry.TCP);
        assertThat(e.originalSource()).isEqualTo(client);
        assertThat(e.originalDestination()).isEqualTo(server);
        assertThat(e.replySource()).isEqualTo(server);
        assertThat(e.replyDestination()).isEqualTo(client);
        assertThat(e.tcpState()).isEqualTo(ConntrackEntry.TCP_SYN_SENT);
        assertThat(e.original()).isEmpty();

        List<Integer> states = List.of("ipv4-01-update.bin", "ipv4-02-update.bin", "ipv4-03-update.bin",
                "ipv4-05-update.bin", "ipv4-06-update.bin").stream().map(n -> {
                    try {
                        ConntrackMessages.Entry u = entry(n);
                        assertThat(u.kind()).isEqualTo(ConntrackEvents.Kind.UPDATE);
                        assertThat(u.entry().id()).isEqualTo(e.id());
                        assertThat(u.entry().original()).as("updates carry no counters").isEmpty();
                        return u.entry().tcpState();
                    } catch (Exception x) {
                        throw new AssertionError(x);
                    }
                }).toList();
        assertThat(states).containsExactly(ConntrackEntry.TCP_SYN_RECV, ConntrackEntry.TCP_ESTABLISHED,
                ConntrackEntry.TCP_FIN_WAIT, ConntrackEntry.TCP_LAST_ACK, ConntrackEntry.TCP_TIME_WAIT);

        ConntrackMessages.Entry dumped = entry("ipv4-04-dumped.bin");
        assertThat(dumped.kind()).isEqualTo(ConntrackEvents.Kind.DUMPED);
        assertThat(dumped.seq()).isEqualTo(7);
        assertThat(dumped.entry().tcpStateName()).contains("FIN_WAIT");
        assertThat(dumped.entry().status() & ConntrackEntry.IPS_ASSURED).isNotZero();
        assertThat(dumped.entry().original()).contains(new ConntrackEntry.Counters(5, 1268));
        assertThat(dumped.entry().reply()).contains(new ConntrackEntry.Counters(5, 50268));

        assertThat(ConntrackMessages.parse(message(captured("ipv4-07-done.bin")))).isEqualTo(new ConntrackMessages.Done(7));

        ConntrackMessages.Entry destroyed = entry("ipv4-08-destroy.bin");
        assertThat(destroyed.kind()).isEqualTo(ConntrackEvents.Kind.DESTROY);
        assertThat(destroyed.entry().original()).contains(new ConntrackEntry.Counters(6, 1320));
        assertThat(destroyed.entry().reply()).contains(new ConntrackEntry.Counters(6, 50320));
    }

    @Test
    void theIpv6ConnectionToo() throws Exception {
        InetAddress lo = InetAddress.getByName("::1");
        ConntrackEntry e = entry("ipv6-00-new.bin").entry();
        assertThat(e.originalSource()).isEqualTo(new InetSocketAddress(lo, 48390));
        assertThat(e.originalDestination()).isEqualTo(new InetSocketAddress(lo, 35247));
        assertThat(e.id()).isEqualTo(1045420095L);
        assertThat(entry("ipv6-02-update.bin").entry().tcpStateName()).contains("ESTABLISHED");
        ConntrackEntry destroyed = entry("ipv6-08-destroy.bin").entry();
        assertThat(destroyed.original()).contains(new ConntrackEntry.Counters(6, 1440));
        assertThat(destroyed.reply()).contains(new ConntrackEntry.Counters(6, 50440));
    }

    @Test
    void anIpv4MappedAddressStaysInTheIpv6Family() throws Exception {
        byte[] m = captured("ipv6-00-new.bin");
        byte[] loopback = InetAddress.getByName("::1").getAddress(), mapped = loopback.clone();
        mapped[10] = mapped[11] = (byte) 0xff; // ::ffff:0.0.0.1, which InetAddress.getByAddress reads as IPv4
        int replaced = 0;
        for (int i = 0; i + 16 <= m.length; i++) {
            if (java.util.Arrays.equals(m, i, i + 16, loopback, 0, 16)) {
                System.arraycopy(mapped, 0, m, i, 16);
                replaced++;
            }
        }
        assertThat(replaced).isEqualTo(4);
        ConntrackEntry e = ((ConntrackMessages.Entry) ConntrackMessages.parse(message(m))).entry();
        for (InetSocketAddress a : List.of(e.originalSource(), e.originalDestination(), e.replySource(), e.replyDestination())) {
            assertThat(a.getAddress().getAddress()).hasSize(16);
        }
    }

    @Test
    void theDumpRequestIsACtGetWithDumpFlagsForEveryFamily() {
        byte[] request = ConntrackMessages.dumpRequest(7);
        ByteBuffer b = ByteBuffer.wrap(request).order(ByteOrder.nativeOrder());
        assertThat(b.getInt(0)).isEqualTo(20);
        assertThat(b.getShort(4)).isEqualTo((short) 0x0101); // NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET
        assertThat(b.getShort(6)).isEqualTo((short) 0x0301); // NLM_F_REQUEST | NLM_F_DUMP
        assertThat(b.getInt(8)).isEqualTo(7);
        assertThat(HexFormat.of().formatHex(request, 16, 20)).isEqualTo("00000000");
    }

    @Test
    void everyTruncationAndEveryFlippedByteIsReadOrRefusedAsMalformed() throws Exception {
        for (Path input : FuzzCorpus.inputs("conntrack")) {
            byte[] m = FuzzCorpus.read(input);
            for (int cut = 16; cut < m.length; cut++) {
                byte[] shorter = java.util.Arrays.copyOf(m, cut);
                ByteBuffer.wrap(shorter).order(ByteOrder.nativeOrder()).putInt(0, cut);
                parsesOrIsMalformed(shorter);
            }
            for (int i = 16; i < m.length; i++) {
                byte[] flipped = m.clone();
                flipped[i] ^= (byte) 0xff;
                parsesOrIsMalformed(flipped);
            }
        }
    }

    @Test
    void aTupleCutShortIsMalformed() {
        byte[] m = captured("ipv4-00-new.bin");
        byte[] shorter = java.util.Arrays.copyOf(m, 40);
        ByteBuffer.wrap(shorter).order(ByteOrder.nativeOrder()).putInt(0, 40);
        assertThatThrownBy(() -> ConntrackMessages.parse(message(shorter))).isInstanceOf(ConntrackMessages.Malformed.class);
    }

    @Test
    void randomBytesAreReadOrRefusedAsMalformed() {
        qt().withExamples(2000).forAll(lists().of(integers().between(0, 255)).ofSizeBetween(0, 300),
                integers().between(0, 2)).checkAssert((bytes, subsystem) -> {
            byte[] m = new byte[Math.max(20, bytes.size())];
            for (int i = 0; i < bytes.size(); i++) m[i] = (byte) (int) bytes.get(i);
            ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.nativeOrder());
            b.putInt(0, m.length).putShort(4, (short) (subsystem << 8 | (m[5] & 3)));
            parsesOrIsMalformed(m);
        });
    }

    private static void parsesOrIsMalformed(byte[] datagram) {
        ConntrackMessageFuzzer.fuzzerTestOneInput(datagram);
    }
}
