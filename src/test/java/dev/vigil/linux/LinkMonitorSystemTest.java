package dev.vigil.linux;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

@RequiresRoot(commands = {"ip"})
class LinkMonitorSystemTest {
    private static NetnsBed bed;

    @BeforeAll
    static void createBed() throws Exception {
        bed = NetnsBed.create("vl", 1, false);
    }

    @AfterAll
    static void deleteBed() {
        if (bed != null) bed.close();
    }

    @Test
    void seesLinkDownAndUpAndAddressesComingAndGoing() throws Exception {
        String ns = bed.node(1);
        BlockingQueue<LinkMonitor.Event> events = new LinkedBlockingQueue<>();
        Thread[] listenerThread = new Thread[1];
        try (LinkMonitor _ = NetworkNamespace.call(ns, () -> LinkMonitor.start(e -> {
            listenerThread[0] = Thread.currentThread();
            events.add(e);
        }))) {
            bed.exec(ns, "ip", "link", "set", "eth0", "down");
            LinkMonitor.LinkChanged down = (LinkMonitor.LinkChanged) await(events,
                    e -> e instanceof LinkMonitor.LinkChanged c && c.link().name().equals("eth0") && !c.link().up());
            assertThat(down.link().running()).isFalse();
            assertThat(listenerThread[0].isVirtual()).isFalse();

            bed.exec(ns, "ip", "link", "set", "eth0", "up");
            await(events, e -> e instanceof LinkMonitor.LinkChanged c && c.link().name().equals("eth0") && c.link().usable());

            bed.exec(ns, "ip", "addr", "add", "10.199.0.60/24", "dev", "eth0");
            InetAddress added = InetAddress.getByName("10.199.0.60");
            await(events, e -> e instanceof LinkMonitor.AddressAdded a && a.address().address().equals(added));
            bed.exec(ns, "ip", "addr", "del", "10.199.0.60/24", "dev", "eth0");
            LinkMonitor.AddressRemoved removed = (LinkMonitor.AddressRemoved) await(events,
                    e -> e instanceof LinkMonitor.AddressRemoved r && r.address().address().equals(added));
            assertThat(removed.address().prefixLength()).isEqualTo(24);
            assertThat(removed.address().interfaceIndex()).isEqualTo(NetworkNamespace.call(ns, () -> NetworkInterfaces.indexOf("eth0")));
        }
        assertThat(listenerThread[0].isAlive()).as("close stops the monitor thread").isFalse();
    }

    private static LinkMonitor.Event await(BlockingQueue<LinkMonitor.Event> events, Predicate<LinkMonitor.Event> wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            LinkMonitor.Event e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e != null && wanted.test(e)) return e;
        }
        throw new AssertionError("expected event not seen within 5 s");
    }
}
