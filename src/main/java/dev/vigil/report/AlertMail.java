package dev.vigil.report;

import dev.vigil.config.VirtualServer;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Subject and body of an alert mail. Subjects follow keepalived's so that existing mail filters keep
 * working during a migration; bodies are Vigil's own and carry the reason.
 */
public record AlertMail(String subject, String body) {

    public static AlertMail of(String routerId, VrrpTransition t) {
        String kind = t.scope() == VrrpTransition.Scope.GROUP ? "Group" : "Instance";
        String subject = "[" + routerId + "] VRRP " + kind + " " + t.name() + " - Entering " + t.to().name() + " state";
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
        String body = "=> VRRP " + kind.toLowerCase() + " " + t.name() + " went from " + t.from() + " to " + t.to()
                + " <=\n\n" + Character.toUpperCase(meaning.charAt(0)) + meaning.substring(1) + ".\n\n"
                + "Node: " + routerId + "\nPriority: " + t.priority() + "\nTime: " + t.time() + "\n";
        return new AlertMail(subject, body);
    }

    public static AlertMail of(String routerId, RealServerTransition t) {
        String word = t.state() == RealServerState.UP ? "UP" : "DOWN";
        String subject = "[" + routerId + "] Realserver " + bracketed(t.address(), t.port()) + " of virtual server "
                + virtualServer(t.virtualServer()) + " - " + word;
        StringBuilder body = new StringBuilder("=> Real server ").append(t.realServerEndpoint()).append(" of ")
                .append(t.protocol()).append(" virtual server ").append(t.virtualServer()).append(" is ")
                .append(t.state()).append(" <=\n\n");
        switch (t.state()) {
            case UP -> body.append("Its checkers succeed again; it takes new connections.\n");
            case DOWN -> body.append("Reason: ").append(t.reason().isEmpty() ? "(not given)" : t.reason())
                    .append("\nNew connections go to the other real servers.\n");
            case MAINTENANCE -> body.append("An operator took it out of service")
                    .append(t.reason().isEmpty() ? "" : ": " + t.reason()).append(".\n");
            case DRAINED -> body.append("It is draining: established connections continue, new ones go elsewhere.\n");
        }
        body.append("\nNode: ").append(routerId).append("\nTime: ").append(t.time()).append('\n');
        return new AlertMail(subject, body.toString());
    }

    public static AlertMail of(String routerId, VirtualServerTransition t) {
        String word = t.up() ? "UP" : "DOWN";
        String subject = "[" + routerId + "] Virtualserver " + virtualServer(t.virtualServer()) + " - " + word;
        String body = "=> " + t.protocol() + " virtual server " + t.virtualServer()
                + (t.up() ? " has its quorum of healthy real servers again" : " lost its quorum of healthy real servers")
                + " <=\n\nNode: " + routerId + "\nTime: " + t.time() + "\n";
        return new AlertMail(subject, body);
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
