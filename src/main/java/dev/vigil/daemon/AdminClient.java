package dev.vigil.daemon;

import dev.vigil.report.AdminServer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** The command line's side of the admin API ({@code vigil status}, {@code vigil reload}). */
final class AdminClient {
    /** The endpoint could not be asked; the message is for the operator. */
    static final class Unreachable extends Exception {
        Unreachable(String message) {
            super(message);
        }

        /** Never null: the constructor takes the message. */
        @Override
        public String getMessage() {
            return Objects.requireNonNull(super.getMessage());
        }
    }

    private final URI base;
    private final Duration timeout;

    /** @throws IllegalArgumentException if {@code admin} is not {@code HOST:PORT} */
    AdminClient(String admin, Duration timeout) {
        InetSocketAddress address = AdminServer.parseAddress(admin);
        String host = address.getAddress() instanceof Inet6Address
                ? "[" + address.getAddress().getHostAddress() + "]"
                : address.getAddress().getHostAddress();
        this.base = URI.create("http://" + host + ":" + address.getPort());
        this.timeout = timeout;
    }

    URI uri(String path) {
        return base.resolve(path);
    }

    HttpResponse<String> get(String path) throws Unreachable {
        return send(HttpRequest.newBuilder(uri(path)).header("Accept", "application/json").GET());
    }

    HttpResponse<String> post(String path, Optional<String> token, String json) throws Unreachable {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return send(b);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Unreachable {
        URI uri = request.copy().build().uri();
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build()) {
            return client.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Unreachable("cannot reach the admin endpoint at " + uri + " (connection refused or unreachable). "
                    + "Is vigil running? If it listens elsewhere, pass --admin HOST:PORT (vigil_admin in global_defs).");
        } catch (HttpTimeoutException e) {
            throw new Unreachable("the admin endpoint at " + uri + " did not answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            throw new Unreachable("cannot read from the admin endpoint at " + uri + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted");
        }
    }
}
