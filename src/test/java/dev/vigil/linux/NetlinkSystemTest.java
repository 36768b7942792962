package dev.vigil.linux;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@RequiresRoot(commands = {"ip"})
class NetlinkSystemTest {
    private static NetnsBed bed;
    private static String ns;

    @BeforeAll
    static void createBed() throws Exception {
        bed = NetnsBed.create("vl", 1, false);
        ns = bed.node(1);
    }

    @AfterAll
    static void deleteBed() {
        if (bed != null) bed.close();
    }

    @Test
    void addListAndRemoveALabelledIpv4Address() throws Exception {
        InetAddress vip = InetAddress.getByName("10.199.0.50");
        NetworkNamespace.call(ns, () -> {
            int index = NetworkInterfaces.indexOf("eth0");
            InterfaceAddress address = InterfaceAddress.of(index, vip, 24)
                    .withBroadcast(InetAddress.getByName("10.199.0.255")).withLabel("eth0:vip");
            try (Netlink netlink = Netlink.open()) {
                assertThat(netlink.addAddress(address)).isEqualTo(Netlink.AddResult.ADDED);
                assertThat(bed.exec(ns, "ip", "-4", "addr", "show", "dev", "eth0"))
                        .contains("inet 10.199.0.50/24 brd 10.199.0.255 scope global secondary eth0:vip");
                assertThat(netlink.addAddress(address)).isEqualTo(Netlink.AddResult.ALREADY_PRESENT);

                List<InterfaceAddress> listed = netlink.listAddresses(index);
                assertThat(listed).extracting(InterfaceAddress::address)
                        .contains(InetAddress.getByName("10.199.0.1"), vip, InetAddress.getByName("fd00:199::1"));
                InterfaceAddress found = listed.stream().filter(a -> a.address().equals(vip)).findFirst().orElseThrow();
                assertThat(found.label()).contains("eth0:vip");
                assertThat(found.isSecondary()).isTrue();

                assertThat(netlink.removeAddress(address)).isEqualTo(Netlink.RemoveResult.REMOVED);
                assertThat(bed.exec(ns, "ip", "-4", "addr", "show", "dev", "eth0")).doesNotContain("10.199.0.50");
                assertThat(netlink.removeAddress(address)).isEqualTo(Netlink.RemoveResult.NOT_PRESENT);
            }
            return null;
        });
    }

    @Test
    void ipv6AddressIsAddedWithoutDuplicateAddressDetection() throws Exception {
        NetworkNamespace.call(ns, () -> {
            int index = NetworkInterfaces.indexOf("eth0");
            InterfaceAddress address = InterfaceAddress.of(index, InetAddress.getByName("fd00:199::50"), 128)
                    .withFlags(InterfaceAddress.NODAD | InterfaceAddress.DEPRECATED);
            try (Netlink netlink = Netlink.open()) {
                assertThat(netlink.addAddress(address)).isEqualTo(Netlink.AddResult.ADDED);
                String shown = bed.exec(ns, "ip", "-6", "addr", "show", "dev", "eth0");
                assertThat(shown).contains("inet6 fd00:199::50/128 scope global nodad deprecated").doesNotContain("tentative");
                assertThat(netlink.removeAddress(address)).isEqualTo(Netlink.RemoveResult.REMOVED);
            }
            return null;
        });
    }

    @Test
    void describesTheInterface() throws Exception {
        InterfaceInfo info = NetworkNamespace.call(ns, () -> NetworkInterfaces.describe("eth0"));
        String link = bed.exec(ns, "ip", "-o", "link", "show", "dev", "eth0");
        assertThat(link).contains("link/ether " + info.link().macString());
        assertThat(link).startsWith(info.index() + ": eth0@");
        assertThat(info.up()).isTrue();
        assertThat(info.running()).isTrue();
        assertThat(info.primaryIpv4()).contains((java.net.Inet4Address) InetAddress.getByName("10.199.0.1"));
        assertThat(info.linkLocalIpv6()).hasValueSatisfying(a -> assertThat(a.isLinkLocalAddress()).isTrue());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("inet6 (fe80::[0-9a-f:]+)/64")
                .matcher(bed.exec(ns, "ip", "-6", "addr", "show", "dev", "eth0"));
        assertThat(m.find()).isTrue();
        assertThat(info.linkLocalIpv6().get().getAddress()).isEqualTo(InetAddress.getByName(m.group(1)).getAddress());
    }

    @Test
    void missingInterfaceIsAPlainEnodev() {
        assertThatThrownBy(() -> NetworkNamespace.call(ns, () -> NetworkInterfaces.indexOf("nosuch0")))
                .isInstanceOf(NativeException.class)
                .hasMessageContaining("interface 'nosuch0'").hasMessageContaining("ENODEV")
                .satisfies(e -> assertThat(((NativeException) e).errno()).isEqualTo(Errno.ENODEV));
    }
}
