package dev.vigil.report;

import dev.vigil.config.VirtualServer;
import dev.vigil.text.ControlCharacters;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;

/**
 * Subject and body of an alert mail. Subjects follow keepalived's so that existing mail filters keep
 * working during a migration; bodies are Vigil's own and carry the reason. Names and reasons come from
 * outside (the configuration, a checker quoting a real server, the admin API): their control characters are
 * escaped, so they can neither forge a line of the body nor drive the reader's terminal.
 */
public record AlertMail(String subject, String body) {

    public static AlertMail of(String routerId, VrrpTransition t) {
        String name = ControlCharacters.escape(t.name());
        String kind = t.scope() == VrrpTransition.Scope.GROUP ? "Group" : "Instance";
        String subject = "[" + routerId + "] VRRP " + kind + " " + name + " - Entering " + t.to().name() + " state";
        String meaning = switch (t.to()) {
            case MASTER -> t.scope() == VrrpTransition.Scope.GROUP
                    ? "every instance of the group is now MASTER on this node"
                    : "this node now holds the virtual addresses";
            case BACKUP -> "this node no longer holds the virtual addresses; another node is master";
            case FAULT -> "a tracked interface or script failed; this node cannot serve the virtual addresses";
            case STOP -> "VRRP stopped on this node";
            case DELETED -> "the instance was removed by a configuration reload";
            case INIT -> "the instance is starting";
        };
        String body = "=> VRRP " + kind.toLowerCase(Locale.ROOT) + " " + name + " went from " + t.from() + " to " + t.to()
                + " <=\n\n" + Character.toUpperCase(meaning.charAt(0)) + meaning.substring(1) + ".\n\n"
                + "Node: " + routerId + "\nPriority: " + t.priority() + "\nTime: " + t.time() + "\n";
        return new AlertMail(ControlCharacters.escape(subject), body);
    }

    public static AlertMail of(String routerId, RealServerTransition t) {
        String reason = ControlCharacters.escape(t.reason());
        String ofServer = ControlCharacters.escape(t.virtualServer().toString());
        String word = t.state() == RealServerState.UP ? "UP" : "DOWN";
        String subject = "[" + routerId + "] Realserver " + bracketed(t.address(), t.port()) + " of virtual server "
                + virtualServer(t.virtualServer()) + " - " + word;
        StringBuilder body = new StringBuilder("=> Real server ").append(t.realServerEndpoint()).append(" of ")
                .append(t.protocol()).append(" virtual server ").append(ofServer).append(" is ")
                .append(t.state()).append(" <=\n\n");
        switch (t.state()) {
            case UP -> body.append("Its checkers succeed again; it takes new connections.\n");
            case DOWN -> body.append("Reason: ").append(reason.isEmpty() ? "(not given)" : reason)
                    .append("\nNew connections go to the other real servers.\n");
            case MAINTENANCE -> body.append("An operator took it out of service")
                    .append(reason.isEmpty() ? "" : ": " + reason).append(".\n");
            case DRAINED -> body.append("It is draining: established connections continue, new ones go elsewhere.\n");
        }
        body.append("\nNode: ").append(routerId).append("\nTime: ").append(t.time()).append('\n');
        return new AlertMail(ControlCharacters.escape(subject), body.toString());
    }

    public static AlertMail of(String routerId, VirtualServerTransition t) {
        String word = t.up() ? "UP" : "DOWN";
        String subject = "[" + routerId + "] Virtualserver " + virtualServer(t.virtualServer()) + " - " + word;
        String body = "=> " + t.protocol() + " virtual server " + ControlCharacters.escape(t.virtualServer().toString())
                + (t.up() ? " has its quorum of healthy real servers again" : " lost its quorum of healthy real servers")
                + " <=\n\nNode: " + routerId + "\nTime: " + t.time() + "\n";
        return new AlertMail(ControlCharacters.escape(subject), body);
    }

    /** keepalived has no such mail: the subject follows its pattern, "[router_id] What - STATE". */
    public static AlertMail of(String routerId, SyncTransition t) {
        String subject = "[" + routerId + "] Connection sync - " + (t.lost() ? "LOST" : "BACK");
        StringBuilder body = new StringBuilder("=> Connection sync ").append(t.lost() ? "lost" : "back").append(" <=\n\n");
        if (t.lost()) {
            body.append("Reason: ").append(ControlCharacters.escape(t.reason())).append("\n")
                    .append("Connections opened through this node from now on do not survive a failover; Vigil ")
                    .append("restarts conntrackd (1 s to 30 s apart) and mails again when it answers.\n")
                    .append("Losses since start: ").append(t.losses()).append('\n');
        } else {
            body.append("conntrackd answers again").append(t.down().map(d -> " after " + d.toSeconds() + " s").orElse(""))
                    .append("; it has asked the peer for its table and sent this node's own, and syncs every new ")
                    .append("connection again.\n");
        }
        body.append("\nNode: ").append(routerId).append("\nTime: ").append(t.time()).append('\n');
        return new AlertMail(ControlCharacters.escape(subject), body.toString());
    }

    /** keepalived writes every address as {@code [IP]:PORT}, IPv4 included. */
    static String bracketed(InetAddress address, int port) {
        String host = address.getHostAddress();
        if (address instanceof Inet6Address) {
            int zone = host.indexOf('%');
            if (zone >= 0) host = host.substring(0, zone);
        }
        return "[" + host + "]:" + port;
    }

    static String virtualServer(VirtualServer.Key key) {
        return switch (key) {
            case VirtualServer.ByAddress a -> bracketed(a.address(), a.port());
            case VirtualServer.ByFwmark f -> "FWM " + f.mark();
            case VirtualServer.ByGroup g -> "group " + g.name();
        };
    }
}
