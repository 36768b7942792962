package dev.vigil.report;

import dev.vigil.config.GlobalDefs;
import dev.vigil.config.RealServer;
import dev.vigil.config.VirtualServer;
import dev.vigil.config.VrrpInstance;
import dev.vigil.config.VrrpSyncGroup;

/**
 * Whether an event is mailed ({@code smtp_alert}): the element's own setting wins, a real server falls
 * back to its virtual server's, and everything falls back to {@code global_defs}' {@code smtp_alert}
 * (default off, as in keepalived). The daemon asks this before handing an event to {@link MailAlerter}.
 */
public final class SmtpAlertPolicy {

    private SmtpAlertPolicy() {}

    public static boolean forInstance(GlobalDefs globals, VrrpInstance instance) {
        return instance.smtpAlert().orElse(globals.smtpAlert());
    }

    public static boolean forSyncGroup(GlobalDefs globals, VrrpSyncGroup group) {
        return group.smtpAlert().orElse(globals.smtpAlert());
    }

    /** Quorum up/down of the virtual server. */
    public static boolean forVirtualServer(GlobalDefs globals, VirtualServer virtualServer) {
        return virtualServer.smtpAlert().orElse(globals.smtpAlert());
    }

    /**
     * The connection sync lost or back: always mailed (when mail is configured), as a real server's change is by
     * default: a lost sync changes nothing anyone sees until the next failover drops every connection.
     */
    public static boolean forConnectionSync() {
        return true;
    }

    public static boolean forRealServer(GlobalDefs globals, VirtualServer virtualServer, RealServer realServer) {
        // keepalived alerts on real server changes unless told not to (smtp_alert no).
        return realServer.smtpAlert().orElse(true);
    }
}
