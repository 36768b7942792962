package dev.vigil.config;

import java.util.List;
import java.util.Optional;

/** {@code vrrp_sync_group NAME { group { INSTANCE ... } notify_* smtp_alert track_* }}. */
public record VrrpSyncGroup(String name, List<String> instances, Notify notifyScripts, Optional<Boolean> smtpAlert,
                            List<VrrpInstance.TrackInterface> trackInterfaces,
                            List<VrrpInstance.TrackScript> trackScripts, Source source) {
    public VrrpSyncGroup {
        instances = List.copyOf(instances);
        trackInterfaces = List.copyOf(trackInterfaces);
        trackScripts = List.copyOf(trackScripts);
    }
}
