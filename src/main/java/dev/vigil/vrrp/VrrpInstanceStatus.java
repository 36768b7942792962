package dev.vigil.vrrp;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of one instance for status pages and the admin API.
 *
 * @param masterSince     when this node last became master, empty if it is not master
 * @param currentMaster   the master we last heard from (or ourselves), if known
 * @param advertsReceived adverts accepted for this instance
 * @param drops           dropped packets per reason
 */
public record VrrpInstanceStatus(String name, String interfaceName, int virtualRouterId, int version,
                                 VrrpState state, int configuredPriority, int effectivePriority,
                                 List<InetAddress> virtualIps, Optional<Instant> masterSince,
                                 Optional<InetAddress> currentMaster, long advertsSent, long advertsReceived,
                                 long becameMaster, long sendErrors, Map<DropReason, Long> drops) {
    public VrrpInstanceStatus {
        virtualIps = List.copyOf(virtualIps);
        drops = Map.copyOf(drops);
    }
}
