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

    public static boolean forRealServer(GlobalDefs globals, VirtualServer virtualServer, RealServer realServer) {
        return realServer.smtpAlert().or(virtualServer::smtpAlert).orElse(globals.smtpAlert());
    }
}
