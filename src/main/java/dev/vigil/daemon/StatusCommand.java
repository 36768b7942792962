package dev.vigil.daemon;

import dev.vigil.report.AdminServer;
import dev.vigil.report.IpvsadmTable;
import dev.vigil.report.StatusJson;
import dev.vigil.report.StatusSnapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
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

    @Option(names = "--json", description = "Print the raw status JSON, for scripts.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds = 5;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        InetSocketAddress address;
        try {
            address = AdminServer.parseAddress(admin);
        } catch (IllegalArgumentException e) {
            err.println("vigil status: --admin: " + e.getMessage());
            err.flush();
            return 2;
        }
        String host = address.getAddress() instanceof Inet6Address
                ? "[" + address.getAddress().getHostAddress() + "]"
                : address.getAddress().getHostAddress();
        URI uri = URI.create("http://" + host + ":" + address.getPort() + "/api/v1/status");
        Duration timeout = Duration.ofMillis(Math.max(100, (long) (timeoutSeconds * 1000)));
        HttpResponse<String> response;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build()) {
            response = client.send(HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            return fail(err, "cannot reach the admin endpoint at " + uri + " (connection refused or unreachable). "
                    + "Is vigil running? If it listens elsewhere, pass --admin HOST:PORT (vigil_admin in global_defs).");
        } catch (HttpTimeoutException e) {
            return fail(err, "the admin endpoint at " + uri + " did not answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return fail(err, "cannot read from the admin endpoint at " + uri + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(err, "interrupted");
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
        StatusSnapshot snapshot;
        try {
            snapshot = StatusJson.read(response.body());
        } catch (IllegalArgumentException e) {
            return fail(err, uri + " did not return a Vigil status document: " + e.getMessage());
        }
        out.print(IpvsadmTable.format(snapshot));
        out.flush();
        return 0;
    }

    private static int fail(PrintWriter err, String message) {
        err.println("vigil status: " + message);
        err.flush();
        return 1;
    }
}
