package dev.vigil.balance;

/**
 * Told every time a virtual service publishes a new server table: a health verdict, a dynamic
 * weight, an administrator's drain, a reload. This is how a forwarding engine that keeps its own copy
 * of the table (nftables maps, eBPF maps) learns of a change the moment it happens, and how the daemon
 * learns of a quorum change ({@link ServerTableChange#quorumChanged}).
 *
 * <p>Called on the thread that made the change, after the new table is what {@link VirtualService#pick}
 * uses, while the service's writers wait: changes arrive one at a time and in the order they were made.
 * Keep it short, and never call back into the service's setters from here.
 */
@FunctionalInterface
public interface ServerTableListener {
    void serverTableChanged(VirtualService service, ServerTableChange change);
}
