package dev.vigil.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A {@code vrrp_instance} block.
 *
 * @param checkUnicastSrc in unicast mode, take adverts only from the {@code unicast_peer}s
 */
public record VrrpInstance(
        String name,
        InitialState initialState,
        String interfaceName,
        int virtualRouterId,
        int priority,
        Duration advertInterval,
        int version,
        Optional<Authentication> authentication,
        List<VirtualIp> virtualIps,
        List<VirtualIp> excludedVirtualIps,
        boolean preempt,
        Duration preemptDelay,
        Optional<InetAddress> unicastSrcIp,
        List<InetAddress> unicastPeers,
        Optional<InetAddress> mcastSrcIp,
        List<TrackInterface> trackInterfaces,
        List<TrackScript> trackScripts,
        Notify notifyScripts,
        Optional<Boolean> smtpAlert,
        Garp garp,
        Optional<String> lvsSyncDaemonInterface,
        boolean dontTrackPrimary,
        boolean v3ChecksumAsV2,
        boolean checkUnicastSrc,
        Source source) {

    public static final int DEFAULT_PRIORITY = 100;
    public static final Duration DEFAULT_ADVERT_INTERVAL = Duration.ofSeconds(1);

    public VrrpInstance {
        virtualIps = List.copyOf(virtualIps);
        excludedVirtualIps = List.copyOf(excludedVirtualIps);
        unicastPeers = List.copyOf(unicastPeers);
        trackInterfaces = List.copyOf(trackInterfaces);
        trackScripts = List.copyOf(trackScripts);
    }

    public enum InitialState { MASTER, BACKUP }

    public enum AuthType { PASS, AH }

    public record Authentication(AuthType type, String password) {}

    /** {@code track_interface { IF [weight W [reverse]] }}; weight 0 means: link down puts the instance in FAULT. */
    public record TrackInterface(String name, int weight, boolean reverse) {}

    /** {@code track_script { NAME [weight W [reverse]] }}; an absent weight takes the script's own. */
    public record TrackScript(String name, Optional<Integer> weight, boolean reverse) {}
}
