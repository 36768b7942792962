package dev.vigil.vrrp;

import dev.vigil.config.Garp;
import dev.vigil.config.Notify;
import dev.vigil.config.Source;
import dev.vigil.config.VirtualIp;
import dev.vigil.config.VrrpInstance;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The one place tests build configuration records, so a new record component changes only this file. */
final class VrrpTestModel {

    private VrrpTestModel() {}

    static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static VirtualIp vip(String address) {
        InetAddress a = ip(address);
        return new VirtualIp(a, VirtualIp.defaultPrefix(a), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Source.BUILT_IN);
    }

    /** A mutable builder for a {@code vrrp_instance}, keepalived's defaults unless set. */
    static final class Instance {
        String name = "VI_1";
        VrrpInstance.InitialState state = VrrpInstance.InitialState.BACKUP;
        String iface = "eth0";
        int vrid = 51;
        int priority = 100;
        Duration advertInterval = Duration.ofSeconds(1);
        int version = 2;
        Optional<VrrpInstance.Authentication> auth = Optional.empty();
        List<VirtualIp> vips = List.of(vip("192.168.3.110"));
        boolean preempt = true;
        Duration preemptDelay = Duration.ZERO;
        Optional<InetAddress> unicastSrc = Optional.empty();
        List<InetAddress> unicastPeers = List.of();
        List<VrrpInstance.TrackInterface> trackInterfaces = List.of();
        List<VrrpInstance.TrackScript> trackScripts = List.of();
        Garp garp = Garp.DEFAULTS;
        boolean v3ChecksumAsV2 = false;
        boolean checkUnicastSrc = false;

        Instance name(String v) { name = v; return this; }
        Instance state(VrrpInstance.InitialState v) { state = v; return this; }
        Instance iface(String v) { iface = v; return this; }
        Instance vrid(int v) { vrid = v; return this; }
        Instance priority(int v) { priority = v; return this; }
        Instance advertInterval(Duration v) { advertInterval = v; return this; }
        Instance version(int v) { version = v; return this; }
        Instance pass(String password) { auth = Optional.of(new VrrpInstance.Authentication(VrrpInstance.AuthType.PASS, password)); return this; }
        Instance ah(String password) { auth = Optional.of(new VrrpInstance.Authentication(VrrpInstance.AuthType.AH, password)); return this; }
        Instance vips(String... v) { vips = Arrays.stream(v).map(VrrpTestModel::vip).toList(); return this; }
        Instance nopreempt() { preempt = false; return this; }
        Instance preemptDelay(Duration v) { preemptDelay = v; return this; }
        Instance unicast(String src, String... peers) { unicastSrc = Optional.of(ip(src)); unicastPeers = Arrays.stream(peers).map(VrrpTestModel::ip).toList(); return this; }
        Instance garp(Garp v) { garp = v; return this; }
        Instance v3ChecksumAsV2() { v3ChecksumAsV2 = true; return this; }
        Instance checkUnicastSrc() { checkUnicastSrc = true; return this; }
        Instance trackScript(String script, Integer weight) { trackScripts = List.of(new VrrpInstance.TrackScript(script, Optional.ofNullable(weight), false)); return this; }

        VrrpInstance build() {
            return new VrrpInstance(name, state, iface, vrid, priority, advertInterval, version, auth, vips, List.of(),
                    preempt, preemptDelay, unicastSrc, unicastPeers, Optional.empty(), trackInterfaces, trackScripts,
                    Notify.NONE, Optional.empty(), garp, Optional.empty(), false, v3ChecksumAsV2, checkUnicastSrc,
                    Source.BUILT_IN);
        }

        VrrpParameters parameters() {
            return VrrpParameters.of(build(), garp);
        }
    }

    static dev.vigil.config.VrrpSyncGroup syncGroup(String name, String... instances) {
        return new dev.vigil.config.VrrpSyncGroup(name, List.of(instances), Notify.NONE, Optional.empty(), List.of(),
                List.of(), Source.BUILT_IN);
    }

    static Instance instance() {
        return new Instance();
    }
}
