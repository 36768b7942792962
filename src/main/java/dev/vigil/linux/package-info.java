/**
 * Vigil's only native code: Linux raw VRRP sockets, rtnetlink (virtual IPs, link and address
 * events), gratuitous ARP and unsolicited neighbour advertisements, and network namespaces, all
 * through the Foreign Function &amp; Memory API. Entry points: {@link dev.vigil.linux.VrrpSocket},
 * {@link dev.vigil.linux.Netlink}, {@link dev.vigil.linux.LinkMonitor},
 * {@link dev.vigil.linux.GratuitousArp}, {@link dev.vigil.linux.UnsolicitedNeighborAdvert},
 * {@link dev.vigil.linux.NetworkInterfaces}, {@link dev.vigil.linux.NetworkNamespace}; for the kernel
 * engine, {@link dev.vigil.linux.Nftables} (libnftables), {@link dev.vigil.linux.ConntrackTable},
 * {@link dev.vigil.linux.Sysctl}, all on a {@link dev.vigil.linux.NamespaceThread}. Failures are
 * {@link dev.vigil.linux.NativeException}s whose messages say what to do. See docs/linux-io.md.
 */
package dev.vigil.linux;
