package dev.vigil.daemon;

import dev.vigil.report.AdminServer;
import dev.vigil.report.ConnectionsJson;
import dev.vigil.report.IpvsadmTable;
import dev.vigil.report.StatusJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code vigil status}: what a running Vigil is doing, read from its admin endpoint. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show virtual servers, real servers (ipvsadm -Ln style, with health and reason) and VRRP "
                + "states of a running Vigil, read from its admin endpoint."})
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "Admin endpoint of the running Vigil (default: ${DEFAULT-VALUE}).")
    String admin = "127.0.0.1:" + AdminServer.DEFAULT_PORT;

    @Option(names = "--json", description = "Print the raw JSON, for scripts.")
    boolean json;

    @Option(names = {"-c", "--connections"},
            description = "List the connections the engine holds (ipvsadm -Lnc style) instead of the servers.")
    boolean connections;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds = 5;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Duration timeout = Duration.ofMillis(Math.max(100, (long) (timeoutSeconds * 1000)));
        AdminClient client;
        try {
            client = new AdminClient(admin, timeout);
        } catch (IllegalArgumentException e) {
            err.println("vigil status: --admin: " + e.getMessage());
            err.flush();
            return 2;
        }
        String path = connections ? "/api/v1/connections" : "/api/v1/status";
        URI uri = client.uri(path);
        HttpResponse<String> response;
        try {
            response = client.get(path);
        } catch (AdminClient.Unreachable e) {
            return fail(err, e.getMessage());
        }
        if (response.statusCode() != 200) {
            return fail(err, "the admin endpoint at " + uri + " answered HTTP " + response.statusCode() + ": "
                    + response.body().strip());
        }
        if (json) {
            out.println(StatusJson.pretty(response.body()));
            out.flush();
            return 0;
        }
        try {
            out.print(connections ? IpvsadmTable.formatConnections(ConnectionsJson.read(response.body()))
                    : IpvsadmTable.format(StatusJson.read(response.body())));
        } catch (IllegalArgumentException e) {
            return fail(err, uri + " did not return a Vigil " + (connections ? "connections" : "status")
                    + " document: " + e.getMessage());
        }
        out.flush();
        return 0;
    }

    private static int fail(PrintWriter err, String message) {
        err.println("vigil status: " + message);
        err.flush();
        return 1;
    }
}
