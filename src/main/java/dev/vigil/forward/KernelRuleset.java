package dev.vigil.forward;

import dev.vigil.balance.SchedulerSlots;
import dev.vigil.config.Protocol;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text, in nft's language, of every change the kernel engine makes to its table; pure, so each rule is
 * unit-tested without a kernel. One table, {@code inet vigil}: the inet family holds IPv4 and IPv6 in one
 * table, so a start replaces exactly one object and a stop deletes exactly one, and the guard covers both.
 * <pre>
 * guard      filter prerouting -150: ct state new, not a SYN, to a TCP VIP:port (or VIP of port 0) -> counted, dropped
 * keep       filter prerouting -140: jump vsN_keep of each persistent service (refreshes its templates)
 * dispatch   nat prerouting (dstnat): ip daddr . l4proto . dport vmap @services4/6 -> jump vsN
 *                                    ip daddr . l4proto vmap @any4/6 (port 0)     -> jump vsN
 *                                    l4proto {tcp, udp} meta mark vmap @marks4/6  -> jump vsN (fwmark)
 * vsN        [fwmark: the guard again]; counter vsN_new;
 *            [persistence: saddr&mask @vsN_pI goto vsN_sI, for each server whose templates hold];
 *            numgen|jhash saddr|jhash daddr|meta mark ... vmap @vsN (slot -> goto vsN_sI); [dnat to the sorry server]; counter vsN_none drop
 * vsN_sI     real server I: [update @vsN_pI { saddr&mask }]; dnat to its address[:port] (port 0 keeps the port)
 * vsN_keep   a packet of a connection DNATed to server I whose client network is in @vsN_pI refreshes it
 * source_nat nat postrouting (srcnat): vigil_snat of each VIP:port, for connections the table DNATed
 * </pre>
 * Choosing a server and sending there are apart: a slot (or the mark an eBPF selector wrote into the
 * connection's first packet, for a scheduler that counts connections) names a server chain,
 * and persistence remembers the chain, not how it was chosen. A server's index {@code I} is fixed while it
 * stays configured. The slot maps are declared {@code typeof numgen}: nft 1.0.6 rejects {@code type mark}
 * keys for numgen ("datatype mismatch"), and it crashes listing a map declared {@code typeof jhash}; the key is
 * a 32-bit integer either way, so jhash rules look up the same kind of map. The guard of a fwmark service is
 * in its nat chain, not in {@code guard}: the operator's mark rule may run at the guard's own priority
 * (mangle, -150), and a nat chain sees exactly the packets that open a conntrack entry.
 */
final class KernelRuleset {
    static final String TABLE = "inet vigil";
    /**
     * The seed of every jhash rule (sh, dh, mh). nft would draw a random one per rule, so a client's bucket
     * would change with every start and differ between a master and its backup; IPVS's hashes have fixed keys,
     * so a client keeps its real server across a restart and a failover. Fixed here for the same reason.
     */
    static final String JHASH_SEED = "0x56494749";
    private static final Pattern COUNTER = Pattern.compile("counter (\\S+) \\{\\s*packets (\\d+) bytes \\d+");

    private KernelRuleset() {}

    enum Family {
        IPV4("ip", "ipv4_addr", "4", "ipv4"), IPV6("ip6", "ipv6_addr", "6", "ipv6");

        final String keyword;
        final String type;
        final String suffix;
        final String nfproto;

        Family(String keyword, String type, String suffix, String nfproto) {
            this.keyword = keyword;
            this.type = type;
            this.suffix = suffix;
            this.nfproto = nfproto;
        }

        static Family of(InetAddress a) {
            return a instanceof Inet6Address ? IPV6 : IPV4;
        }
    }

    /**
     * One virtual server in the table.
     *
     * @param id          names its chains, maps, sets and counters: {@code vs<id>}
     * @param addresses   the VIP:ports clients connect to, all of {@code family}; port 0 is every port
     * @param marks       the firewall marks ({@code fwmark N}) whose packets of {@code family} are its clients
     * @param persistence its templates, when {@code persistence_timeout} is set
     * @param counted     its scheduler counts connections: its slot map is keyed by the packet mark its eBPF
     *                    selector ({@link KernelSelector}) wrote, {@link SchedulerSlots.Kind#MARK}
     */
    record Service(int id, Protocol protocol, Family family, List<InetSocketAddress> addresses, List<Integer> marks,
                   Optional<InetAddress> snat, Optional<Persistence> persistence, boolean counted) {
        Service {
            addresses = List.copyOf(addresses);
            marks = List.copyOf(marks);
        }

        /** A service whose scheduler is a table (rr, wrr, sh, dh, mh). */
        Service(int id, Protocol protocol, Family family, List<InetSocketAddress> addresses, List<Integer> marks,
                Optional<InetAddress> snat, Optional<Persistence> persistence) {
            this(id, protocol, family, addresses, marks, snat, persistence, false);
        }

        String name() {
            return "vs" + id;
        }

        String l4() {
            return protocol.name().toLowerCase(Locale.ROOT);
        }

        /** What its server chains NAT: a fwmark service takes TCP and UDP, as IPVS's does. */
        String l4Match() {
            return marks.isEmpty() ? l4() : "{ tcp, udp }";
        }

        /** The client's address as the templates key it: under the granularity mask when one is set. */
        String client() {
            String saddr = family.keyword + " saddr";
            return persistence.flatMap(Persistence::mask).filter(m -> Family.of(m) == family)
                    .map(m -> saddr + " & " + literal(m)).orElse(saddr);
        }
    }

    /**
     * IPVS's persistence: a client network goes to its server while the template lives.
     *
     * @param mask {@code persistence_granularity}; empty for the client's whole address
     */
    record Persistence(Duration timeout, Optional<InetAddress> mask) {}

    /**
     * Where a service's new connections go at one moment.
     *
     * @param servers the indexes of the configured real servers. A persistence rule names each: a server
     *                that may not keep its clients has its templates forgotten ({@link #forgetTemplates}) and
     *                gets no new ones (no slot leads to its chain), so the chain need not change, and
     *                {@code numgen} does not restart, when a server goes down or comes back
     */
    record Target(SchedulerSlots slots, boolean quorumUp, Optional<InetSocketAddress> sorry,
                  SortedSet<Integer> servers) {
        Target {
            servers = Collections.unmodifiableSortedSet(new TreeSet<>(servers));
        }
    }

    /**
     * The whole table, fresh: {@code add table} + {@code delete table} first make one transaction that
     * replaces a table a crashed Vigil left (a missing table is first made, so the delete never fails).
     */
    static String replaceTable() {
        return """
                add table inet vigil
                delete table inet vigil
                table inet vigil {
                  counter guard_drops {}
                  set guard4 { type ipv4_addr . inet_service; }
                  set guard6 { type ipv6_addr . inet_service; }
                  set guard_any4 { type ipv4_addr; }
                  set guard_any6 { type ipv6_addr; }
                  map services4 { type ipv4_addr . inet_proto . inet_service : verdict; }
                  map services6 { type ipv6_addr . inet_proto . inet_service : verdict; }
                  map any4 { type ipv4_addr . inet_proto : verdict; }
                  map any6 { type ipv6_addr . inet_proto : verdict; }
                  map marks4 { type mark : verdict; }
                  map marks6 { type mark : verdict; }
                  chain guard {
                    type filter hook prerouting priority -150; policy accept;
                    ip daddr . tcp dport @guard4 ct state new tcp flags & (syn|ack|fin|rst) != syn counter name "guard_drops" drop
                    ip6 daddr . tcp dport @guard6 ct state new tcp flags & (syn|ack|fin|rst) != syn counter name "guard_drops" drop
                    ip daddr @guard_any4 meta l4proto tcp ct state new tcp flags & (syn|ack|fin|rst) != syn counter name "guard_drops" drop
                    ip6 daddr @guard_any6 meta l4proto tcp ct state new tcp flags & (syn|ack|fin|rst) != syn counter name "guard_drops" drop
                  }
                  chain keep {
                    type filter hook prerouting priority -140; policy accept;
                  }
                  chain dispatch {
                    type nat hook prerouting priority dstnat; policy accept;
                    ip daddr . meta l4proto . th dport vmap @services4
                    ip6 daddr . meta l4proto . th dport vmap @services6
                    ip daddr . meta l4proto vmap @any4
                    ip6 daddr . meta l4proto vmap @any6
                    meta nfproto ipv4 meta l4proto { tcp, udp } meta mark vmap @marks4
                    meta nfproto ipv6 meta l4proto { tcp, udp } meta mark vmap @marks6
                  }
                  chain source_nat {
                    type nat hook postrouting priority srcnat; policy accept;
                  }
                }
                """;
    }

    static String deleteTable() {
        return "delete table inet vigil\n";
    }

    /** A new service's objects, its chains still empty and no server yet ({@link #addServer}). */
    static String addService(Service s) {
        String n = s.name();
        return "add counter inet vigil " + n + "_new\n"
                + "add counter inet vigil " + n + "_none\n"
                + "add map inet vigil " + n + " { typeof " + (s.counted() ? "meta mark" : "numgen inc mod 1")
                + " : verdict; }\n"
                + "add chain inet vigil " + n + "\n"
                + (s.persistence().isPresent() ? "add chain inet vigil " + n + "_keep\n" : "");
    }

    /**
     * Removes a service's objects, {@code servers} being the indexes it has; its dispatch elements and its
     * jump from {@code keep} must be gone in the same transaction.
     */
    static String removeService(Service s, Collection<Integer> servers) {
        String n = s.name();
        StringBuilder b = new StringBuilder("flush chain inet vigil " + n + "\n");
        if (s.persistence().isPresent()) {
            b.append("flush chain inet vigil ").append(n).append("_keep\n")
                    .append("delete chain inet vigil ").append(n).append("_keep\n");
        }
        b.append("delete map inet vigil ").append(n).append('\n');
        for (int i : servers) b.append(removeServer(s, i));
        return b + "delete chain inet vigil " + n + "\n"
                + "delete counter inet vigil " + n + "_new\n"
                + "delete counter inet vigil " + n + "_none\n";
    }

    /**
     * Real server {@code index} of {@code s}: its chain (which records the template, then DNATs) and its
     * template set. A real server of port 0 keeps the packet's destination port, as IPVS does.
     */
    static String addServer(Service s, int index, InetSocketAddress server) {
        String chain = s.name() + "_s" + index;
        String f = s.family().keyword;
        StringBuilder b = new StringBuilder("add chain inet vigil " + chain + "\n");
        if (s.persistence().isPresent()) {
            String set = s.name() + "_p" + index;
            b.append("add set inet vigil ").append(set).append(" { type ").append(s.family().type)
                    .append("; flags dynamic,timeout; timeout ").append(time(s.persistence().get().timeout()))
                    .append("; }\n");
            b.append("add rule inet vigil ").append(chain).append(" update @").append(set).append(" { ")
                    .append(s.client()).append(" }\n");
        }
        String to = server.getPort() == 0 ? literal(server.getAddress()) : endpoint(server);
        return b.append("add rule inet vigil ").append(chain).append(" meta l4proto ").append(s.l4Match())
                .append(" dnat ").append(f).append(" to ").append(to).append('\n').toString();
    }

    /** Removes real server {@code index}; no slot, rule or element may name it after this transaction. */
    static String removeServer(Service s, int index) {
        String out = "delete chain inet vigil " + s.name() + "_s" + index + "\n";
        return s.persistence().isPresent() ? out + "delete set inet vigil " + s.name() + "_p" + index + "\n" : out;
    }

    /** Forgets every template of real server {@code index}: its clients are scheduled again. */
    static String forgetTemplates(Service s, int index) {
        return "flush set inet vigil " + s.name() + "_p" + index + "\n";
    }

    /**
     * The service chain's rules for {@code t}: every new connection is counted; while the quorum is up it
     * goes to the server of its client's template (only a server that may keep its clients has templates),
     * else through the slot
     * map, else (or when a hash slot is empty) to the sorry server, else it is counted and dropped.
     */
    static String chain(Service s, Target t) {
        String n = s.name();
        String f = s.family().keyword;
        String add = "add rule inet vigil " + n + " ";
        StringBuilder b = new StringBuilder("flush chain inet vigil " + n + "\n");
        if (!s.marks().isEmpty() && s.protocol() == Protocol.TCP) {
            b.append(add).append("meta l4proto tcp tcp flags & (syn|ack|fin|rst) != syn counter name \"guard_drops\" drop\n");
        }
        b.append(add).append("counter name \"").append(n).append("_new\"\n");
        if (t.quorumUp()) {
            if (s.persistence().isPresent()) {
                for (int i : t.servers()) {
                    b.append(add).append(s.client()).append(" @").append(n).append("_p").append(i).append(" goto ")
                            .append(n).append("_s").append(i).append('\n');
                }
            }
            if (!t.slots().slots().isEmpty()) {
                b.append(add).append(selector(s, t.slots())).append(" vmap @").append(n).append('\n');
            }
        }
        if (t.sorry().isPresent()) {
            b.append(add).append("meta l4proto ").append(s.l4Match()).append(" dnat ").append(f).append(" to ")
                    .append(endpoint(t.sorry().get())).append('\n');
        } else {
            b.append(add).append("counter name \"").append(n).append("_none\" drop\n");
        }
        return b.toString();
    }

    /**
     * The refresh of {@code s}'s templates: a client's packet of a connection DNATed to server {@code I}
     * (any packet, not only the first) restarts the timeout of the client network's template of {@code I},
     * if it has one; a template forgotten or expired is not made again by its old connections.
     */
    static String keep(Service s, SortedMap<Integer, InetSocketAddress> servers) {
        String n = s.name() + "_keep";
        String f = s.family().keyword;
        StringBuilder b = new StringBuilder("flush chain inet vigil " + n + "\n");
        for (var e : servers.entrySet()) {
            int i = e.getKey();
            InetSocketAddress a = e.getValue();
            String set = "@" + s.name() + "_p" + i;
            b.append("add rule inet vigil ").append(n).append(" ct direction original ct status dnat meta l4proto ")
                    .append(s.l4Match()).append(" ct reply ").append(f).append(" saddr ").append(literal(a.getAddress()));
            if (a.getPort() != 0) b.append(" ct reply proto-src ").append(a.getPort());
            b.append(' ').append(s.client()).append(' ').append(set).append(" update ").append(set).append(" { ")
                    .append(s.client()).append(" }\n");
        }
        return b.toString();
    }

    private static String selector(Service s, SchedulerSlots slots) {
        return switch (slots.kind()) {
            case SEQUENCE -> "numgen inc mod " + slots.modulus();
            case SOURCE_HASH -> "jhash " + s.family().keyword + " saddr mod " + slots.modulus() + " seed " + JHASH_SEED;
            // A fwmark service takes TCP and UDP: th (the transport header) has the port of either.
            case SOURCE_PORT_HASH -> "jhash " + s.family().keyword + " saddr . " + (s.marks().isEmpty() ? s.l4() : "th")
                    + " sport mod " + slots.modulus() + " seed " + JHASH_SEED;
            case DESTINATION_HASH -> "jhash " + s.family().keyword + " daddr mod " + slots.modulus() + " seed " + JHASH_SEED;
            case MARK -> "meta mark";
        };
    }

    /**
     * The slot map's change from {@code before} to {@code after} (slot to server index): nft 1.0.6 has no
     * in-place update, so a changed slot is deleted and added again; both in the caller's one transaction.
     * Empty when nothing changed.
     */
    static String elements(Service s, SortedMap<Integer, Integer> before, SortedMap<Integer, Integer> after) {
        StringBuilder deleted = new StringBuilder();
        StringBuilder added = new StringBuilder();
        for (Map.Entry<Integer, Integer> e : before.entrySet()) {
            if (!Objects.equals(after.get(e.getKey()), e.getValue())) separate(deleted).append(e.getKey());
        }
        for (Map.Entry<Integer, Integer> e : after.entrySet()) {
            if (!Objects.equals(before.get(e.getKey()), e.getValue())) {
                separate(added).append(e.getKey()).append(" : goto ").append(s.name()).append("_s").append(e.getValue());
            }
        }
        String out = "";
        if (!deleted.isEmpty()) out += "delete element inet vigil " + s.name() + " { " + deleted + " }\n";
        if (!added.isEmpty()) out += "add element inet vigil " + s.name() + " { " + added + " }\n";
        return out;
    }

    /**
     * Empties where clients arrive: the dispatch maps, the guard's sets, the template refreshes and the SNAT
     * rules, to be filled again ({@link #fillDispatch}) in the same transaction, so no packet sees them
     * half-written.
     */
    static String clearDispatch() {
        return """
                flush map inet vigil services4
                flush map inet vigil services6
                flush map inet vigil any4
                flush map inet vigil any6
                flush map inet vigil marks4
                flush map inet vigil marks6
                flush set inet vigil guard4
                flush set inet vigil guard6
                flush set inet vigil guard_any4
                flush set inet vigil guard_any6
                flush chain inet vigil keep
                flush chain inet vigil source_nat
                """;
    }

    /** Where every service's clients arrive: its dispatch elements, guard elements, refreshes and SNAT rules. */
    static String fillDispatch(List<Service> services) {
        StringBuilder b = new StringBuilder();
        for (Service s : services) {
            String sfx = s.family().suffix;
            String add = "add element inet vigil ";
            for (InetSocketAddress a : s.addresses()) {
                String vip = literal(a.getAddress());
                boolean any = a.getPort() == 0;
                b.append(add).append(any ? "any" : "services").append(sfx).append(" { ").append(vip).append(" . ")
                        .append(s.l4());
                if (!any) b.append(" . ").append(a.getPort());
                b.append(" : jump ").append(s.name()).append(" }\n");
                if (s.protocol() == Protocol.TCP) {
                    b.append(add).append(any ? "guard_any" : "guard").append(sfx).append(" { ").append(vip);
                    if (!any) b.append(" . ").append(a.getPort());
                    b.append(" }\n");
                }
                if (s.snat().isPresent()) {
                    String f = s.family().keyword;
                    b.append("add rule inet vigil source_nat meta l4proto ").append(s.l4()).append(" ct original ")
                            .append(f).append(" daddr ").append(vip);
                    if (!any) b.append(" ct original proto-dst ").append(a.getPort());
                    b.append(" ct status dnat snat ").append(f).append(" to ").append(literal(s.snat().get())).append('\n');
                }
            }
            for (int mark : s.marks()) {
                b.append(add).append("marks").append(sfx).append(" { ").append(mark).append(" : jump ").append(s.name())
                        .append(" }\n");
                if (s.snat().isPresent()) {
                    // A nat postrouting chain sees a connection's first packet, which still carries its mark.
                    String f = s.family().keyword;
                    b.append("add rule inet vigil source_nat meta nfproto ").append(s.family().nfproto)
                            .append(" meta mark ").append(mark).append(" ct status dnat snat ").append(f).append(" to ")
                            .append(literal(s.snat().get())).append('\n');
                }
            }
            if (s.persistence().isPresent()) b.append("add rule inet vigil keep jump ").append(s.name()).append("_keep\n");
        }
        return b.toString();
    }

    /** Empties the dispatch maps: no new connections, established ones keep their NAT. */
    static String stopNew() {
        return """
                flush map inet vigil services4
                flush map inet vigil services6
                flush map inet vigil any4
                flush map inet vigil any6
                flush map inet vigil marks4
                flush map inet vigil marks6
                """;
    }

    private static StringBuilder separate(StringBuilder b) {
        if (!b.isEmpty()) b.append(", ");
        return b;
    }

    /** An address as nft reads it: no zone index, IPv6 unbracketed. */
    static String literal(InetAddress a) {
        String text = a.getHostAddress();
        int zone = text.indexOf('%');
        return zone < 0 ? text : text.substring(0, zone);
    }

    /** A duration as nft reads it: whole seconds, else milliseconds. */
    static String time(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** {@code 10.0.0.9:80} or {@code [fd00::9]:80}, for a dnat statement. */
    static String endpoint(InetSocketAddress a) {
        String host = literal(a.getAddress());
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** A named counter's packets, from {@code list counters table inet vigil}. */
    static Map<String, Long> counters(String listing) {
        Map<String, Long> out = new HashMap<>();
        Matcher m = COUNTER.matcher(listing);
        while (m.find()) out.put(m.group(1), Long.parseLong(m.group(2)));
        return out;
    }
}
