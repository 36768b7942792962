package dev.vigil.vrrp;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * State machines joined by a lossless virtual link on a virtual clock: every advert one sends is
 * encoded, decoded by the others (like the real path) and delivered at the same instant.
 */
final class VirtualWire {
    static final InetAddress GROUP = VrrpTestModel.ip("224.0.0.18");

    final class Node implements VrrpActions {
        final InetAddress address;
        VrrpParameters parameters;
        VrrpStateMachine machine;
        boolean alive = true;
        long lastAdvert = -1;
        /** "add", "remove" and "FROM->TO", with the time in ms: what a reload must not cause. */
        final List<String> log = new ArrayList<>();
        /** When it sent a burst of gratuitous ARPs. */
        final List<Long> garps = new ArrayList<>();

        Node(InetAddress address, VrrpParameters parameters) {
            this.address = address;
            this.parameters = parameters;
            this.machine = new VrrpStateMachine(parameters, address, this);
        }

        @Override public void sendAdvertisement(int priority) {
            if (!alive) return;
            lastAdvert = now;
            byte[] bytes = parameters.advertisement(priority).encode(address, GROUP, parameters.v3ChecksumAsV2());
            if (!cut) pending.add(new Delivery(this, bytes));
        }
        @Override public void addVirtualIps() { log.add(now / 1_000_000 + " ms add"); }
        @Override public void removeVirtualIps() { log.add(now / 1_000_000 + " ms remove"); }
        @Override public void sendGratuitousArps(int count) { garps.add(now); }
        @Override public void stateChanged(VrrpState from, VrrpState to, String reason) {
            log.add(now / 1_000_000 + " ms " + from + "->" + to);
        }

        /** What the node's driver does on a reload that keeps the instance: new settings, then the tracked priority. */
        void reload(VrrpTestModel.Instance next) {
            parameters = next.parameters();
            machine.reconfigure(parameters, now);
            machine.onPriorityChange(parameters.priority(), now);
        }
    }

    record Delivery(Node from, byte[] bytes) {}

    final List<Node> nodes = new ArrayList<>();
    final List<Delivery> pending = new ArrayList<>();
    long now;
    boolean cut;

    Node node(String address, VrrpTestModel.Instance instance) {
        var n = new Node(VrrpTestModel.ip(address), instance.parameters());
        nodes.add(n);
        return n;
    }

    void kill(Node n) {
        n.alive = false;
    }

    void revive(Node n, long at) {
        n.alive = true;
        n.machine = new VrrpStateMachine(n.parameters, n.address, n);
        n.machine.onStart(at);
    }

    long lastAdvertFrom(Node n) {
        return n.lastAdvert;
    }

    void runUntil(long until) {
        while (true) {
            deliver();
            long next = Long.MAX_VALUE;
            for (Node n : nodes) if (n.alive) next = Math.min(next, n.machine.nextDeadline());
            if (next > until) break;
            now = Math.max(now, next);
            for (Node n : nodes) if (n.alive && n.machine.nextDeadline() <= now) n.machine.onTimer(now);
        }
        now = until;
    }

    private void deliver() {
        while (!pending.isEmpty()) {
            Delivery d = pending.removeFirst();
            for (Node n : nodes) {
                if (n == d.from() || !n.alive) continue;
                if (n.parameters.decoder().decode(new ReceivedPacket(d.bytes(), d.from().address, GROUP, 255))
                        instanceof DecodeResult.Accepted(var advert, var source)) {
                    n.machine.onAdvertisement(advert, source, now);
                }
            }
        }
    }
}
