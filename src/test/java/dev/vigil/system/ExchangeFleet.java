package dev.vigil.system;

import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.exchange.ExchangeTestServer;
import dev.vigil.exchange.ExchangeTestServer.Mode;
import dev.vigil.linux.NetworkNamespace;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The four Exchange servers of the seed deployment, each an {@link ExchangeTestServer} bound inside its
 * own namespace on its own address. They run in the test JVM: the listener is opened on a thread that
 * joined the namespace, so it stays there. Mode changes run there too, because a server that refused
 * connections reopens its listener when it recovers. Servers are numbered from 1.
 */
public final class ExchangeFleet implements AutoCloseable {

    /** One server: where it lives and what it calls itself. */
    public record Member(String namespace, InetSocketAddress address, String fqdn, ExchangeTestServer server) {}

    private final List<Member> members = new ArrayList<>();

    private ExchangeFleet() {}

    /** Starts server {@code i} on {@code addresses.get(i-1):port} in {@code namespaces.get(i-1)}, named exchNN.domain.ru. */
    public static ExchangeFleet start(List<String> namespaces, List<InetAddress> addresses, int port) throws Exception {
        ExchangeFleet fleet = new ExchangeFleet();
        try {
            for (int i = 0; i < namespaces.size(); i++) {
                String ns = namespaces.get(i);
                InetSocketAddress bind = new InetSocketAddress(addresses.get(i), port);
                String fqdn = String.format("exch%02d.domain.ru", i + 1);
                ExchangeTestServer server = NetworkNamespace.call(ns, () -> ExchangeTestServer.start(bind, fqdn));
                fleet.members.add(new Member(ns, bind, fqdn, server));
            }
        } catch (Exception e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    public int size() {
        return members.size();
    }

    public Member member(int i) {
        return members.get(i - 1);
    }

    public List<Member> members() {
        return List.copyOf(members);
    }

    /** The number (from 1) of the server with this FQDN, or 0. */
    public int indexOf(String fqdn) {
        for (int i = 0; i < members.size(); i++) if (members.get(i).fqdn().equals(fqdn)) return i + 1;
        return 0;
    }

    /** Server {@code i}'s {@code service} starts behaving as {@code mode}. */
    public void set(int i, ExchangeService service, Mode mode) throws Exception {
        Member m = member(i);
        NetworkNamespace.call(m.namespace(), () -> {
            m.server().setService(service, mode);
            return null;
        });
    }

    /** Every service of server {@code i} behaves as {@code mode}. */
    public void setAll(int i, Mode mode) throws Exception {
        Member m = member(i);
        NetworkNamespace.call(m.namespace(), () -> {
            m.server().setAll(mode);
            return null;
        });
    }

    /** Server {@code i} is put in maintenance as Exchange does it: every health page answers 503. */
    public void maintenance(int i) throws Exception {
        setAll(i, Mode.UNHEALTHY);
    }

    /** Server {@code i} is healthy again in every service. */
    public void recover(int i) throws Exception {
        setAll(i, Mode.HEALTHY);
    }

    /** Connections open on server side, summed over the fleet. */
    public int openConnections() {
        return members.stream().mapToInt(m -> m.server().openConnections()).sum();
    }

    @Override
    public void close() {
        for (Member m : members) m.server().close();
    }
}
