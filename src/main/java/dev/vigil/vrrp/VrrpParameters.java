package dev.vigil.vrrp;

import dev.vigil.config.Garp;
import dev.vigil.config.VirtualIp;
import dev.vigil.config.VrrpInstance;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The protocol view of a {@code vrrp_instance}: intervals normalised to what goes on the wire (v2 whole
 * seconds, v3 centiseconds), the password cut to 8 bytes, the advertised address list.
 */
@SuppressWarnings("ArrayRecordComponent") // run-time parameters of one instance; never compared or hashed
public record VrrpParameters(String name, String interfaceName, int version, int virtualRouterId, int priority,
                             int advertIntervalCentis, int authType, byte[] password, List<VirtualIp> virtualIps,
                             boolean preempt, long preemptDelayNanos, VrrpInstance.InitialState initialState,
                             Garp garp, Optional<InetAddress> unicastSrcIp, List<InetAddress> unicastPeers,
                             boolean v3ChecksumAsV2, boolean checkUnicastSrc) {

    public static final int OWNER_PRIORITY = 255;

    public VrrpParameters {
        virtualIps = List.copyOf(virtualIps);
        unicastPeers = List.copyOf(unicastPeers);
        password = Arrays.copyOf(password, VrrpAdvertisement.AUTH_DATA_LENGTH);
    }

    /**
     * Derives the parameters; throws {@link IllegalArgumentException} with a message fit for the user
     * for what Vigil does not speak (AH authentication, auth with v3, mixed families).
     */
    public static VrrpParameters of(VrrpInstance instance, Garp garp) {
        int version = instance.version();
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException(instance.name() + ": version must be 2 or 3, not " + version);
        }
        int authType = VrrpAdvertisement.AUTH_NONE;
        byte[] password = new byte[0];
        if (instance.authentication().isPresent()) {
            var auth = instance.authentication().get();
            if (auth.type() == VrrpInstance.AuthType.AH) {
                throw new IllegalArgumentException(instance.name() + ": auth_type AH is not supported (RFC 3768 removed"
                        + " authentication; use PASS or none)");
            }
            if (version == 3) {
                throw new IllegalArgumentException(instance.name() + ": authentication is not allowed with VRRP version 3");
            }
            authType = VrrpAdvertisement.AUTH_PASS;
            password = auth.password().getBytes(StandardCharsets.UTF_8);
        }
        if (instance.virtualIps().isEmpty()) {
            throw new IllegalArgumentException(instance.name() + ": no virtual_ipaddress");
        }
        boolean ipv6 = instance.virtualIps().getFirst().address() instanceof Inet6Address;
        for (VirtualIp vip : instance.virtualIps()) {
            if ((vip.address() instanceof Inet6Address) != ipv6) {
                throw new IllegalArgumentException(instance.name() + ": virtual_ipaddress mixes IPv4 and IPv6 ("
                        + vip.address().getHostAddress() + " at " + vip.source() + ")");
            }
        }
        if (ipv6 && version == 2) {
            throw new IllegalArgumentException(instance.name() + ": IPv6 virtual addresses need version 3");
        }
        return new VrrpParameters(instance.name(), instance.interfaceName(), version, instance.virtualRouterId(),
                instance.priority(), intervalCentis(instance.advertInterval(), version), authType, password,
                instance.virtualIps(), instance.preempt(), instance.preemptDelay().toNanos(), instance.initialState(),
                garp, instance.unicastSrcIp(), instance.unicastPeers(), instance.v3ChecksumAsV2(),
                instance.checkUnicastSrc());
    }

    /** v2: whole seconds, rounded as keepalived does, 1..255; v3: centiseconds 1..4095. */
    static int intervalCentis(Duration interval, int version) {
        if (version == 2) {
            long seconds = Math.round(interval.toMillis() / 1000.0);
            return Math.clamp(seconds, 1, 255) * 100;
        }
        return Math.clamp(Math.round(interval.toMillis() / 10.0), 1, 4095);
    }

    @Override
    public byte[] password() {
        return password.clone();
    }

    public boolean owner() {
        return priority == OWNER_PRIORITY;
    }

    public boolean ipv6() {
        return virtualIps.getFirst().address() instanceof Inet6Address;
    }

    public boolean multicast() {
        return unicastPeers.isEmpty();
    }

    public List<InetAddress> addresses() {
        return virtualIps.stream().map(VirtualIp::address).toList();
    }

    public long advertIntervalNanos() {
        return VrrpTimers.centisToNanos(advertIntervalCentis);
    }

    /** The decoder that checks received adverts against this instance. */
    public VrrpAdvertisementDecoder decoder() {
        return new VrrpAdvertisementDecoder(version, virtualRouterId, authType, password, advertIntervalCentis,
                addresses(), ipv6(), multicast(), v3ChecksumAsV2,
                checkUnicastSrc && !multicast() ? Set.copyOf(unicastPeers) : Set.of());
    }

    /** Our advertisement with the given priority. */
    public VrrpAdvertisement advertisement(int advertPriority) {
        return new VrrpAdvertisement(version, virtualRouterId, advertPriority, advertIntervalCentis, authType,
                authType == VrrpAdvertisement.AUTH_PASS ? password : new byte[VrrpAdvertisement.AUTH_DATA_LENGTH],
                addresses());
    }
}
