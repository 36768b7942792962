package dev.vigil.balance;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * What a scheduler may look at for one new connection. {@code destination} is the address the
 * client connected to (the VIP), which {@code dh}, {@code lblc} and {@code lblcr} hash on.
 * {@code excluded} names real servers already tried for this connection.
 */
record SchedulingRequest(InetAddress client, int clientPort, InetAddress destination, long nowNanos,
                         Set<InetSocketAddress> excluded) {}
