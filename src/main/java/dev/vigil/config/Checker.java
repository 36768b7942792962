package dev.vigil.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A health checker of a real server. Every checker on a real server must pass for it to be up. */
public sealed interface Checker {

    Connection connection();

    CheckTiming timing();

    Source source();

    /** Where and how a checker connects; empty values default to the real server's address and port. */
    record Connection(Optional<InetAddress> connectIp, Optional<Integer> connectPort, Optional<InetAddress> bindTo,
                      Optional<Integer> bindPort) {
        public static final Connection DEFAULT = new Connection(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    record TcpCheck(Connection connection, CheckTiming timing, Source source) implements Checker {}

    /** {@code HTTP_GET} ({@code tls == false}) or {@code SSL_GET}. */
    record HttpCheck(boolean tls, Connection connection, CheckTiming timing, List<Url> urls,
                     Optional<String> virtualhost, String httpProtocol, boolean enableSni, Optional<String> sniName,
                     Optional<Path> caFile, boolean fastRecovery, Source source) implements Checker {
        public HttpCheck {
            urls = List.copyOf(urls);
        }
    }

    /** {@code url { path; digest; status_code; virtualhost; regex }}. */
    record Url(String path, Optional<String> digest, List<StatusRange> statusCodes, Optional<String> virtualhost,
               Optional<String> regex, boolean regexNoMatch, Source source) {
        public static final List<StatusRange> DEFAULT_STATUS = List.of(new StatusRange(200, 299));

        public Url {
            statusCodes = List.copyOf(statusCodes);
        }

        public boolean accepts(int status) {
            return statusCodes.stream().anyMatch(r -> status >= r.low() && status <= r.high());
        }
    }

    record StatusRange(int low, int high) {}

    record SmtpCheck(Connection connection, CheckTiming timing, Optional<String> heloName, Source source)
            implements Checker {}

    /** {@code MISC_CHECK}: exit 0 up, 1 down, 2..255 up with weight (code - 2) when {@code dynamic}. */
    record MiscCheck(Script script, Optional<Duration> timeout, boolean dynamic, Optional<GlobalDefs.ScriptUser> user,
                     CheckTiming timing, Source source) implements Checker {
        @Override
        public Connection connection() {
            return Connection.DEFAULT;
        }
    }

    /**
     * Vigil's native {@code EXCHANGE_CHECK}: fetch {@code https://HOST/<vdir>/healthcheck.htm} for each
     * service; a service passes a round if any of {@code attempts} tries answers 200; {@code policy}
     * says which services must pass for the real server to be up.
     */
    record ExchangeCheck(Connection connection, CheckTiming timing, List<ExchangeService> services, int attempts,
                         Policy policy, List<ExchangeService> required, Optional<String> host,
                         Optional<Path> caFile, Source source) implements Checker {
        public ExchangeCheck {
            services = List.copyOf(services);
            required = List.copyOf(required);
        }

        public enum Policy { ALL, ANY, LIST }
    }

    /** Exchange's protocols and the virtual directory whose {@code healthcheck.htm} reports each. */
    enum ExchangeService {
        RPC("rpc", "rpc"), MAPI("mapi", "mapi"), OWA("owa", "owa"), ECP("ecp", "ecp"), EWS("ews", "ews"),
        OAB("oab", "oab"), EAS("eas", "Microsoft-Server-ActiveSync"), AUTODISCOVER("autodiscover", "autodiscover");

        private final String keyword;
        private final String virtualDirectory;

        ExchangeService(String keyword, String virtualDirectory) {
            this.keyword = keyword;
            this.virtualDirectory = virtualDirectory;
        }

        public String keyword() {
            return keyword;
        }

        public String virtualDirectory() {
            return virtualDirectory;
        }

        public String healthPath() {
            return "/" + virtualDirectory + "/healthcheck.htm";
        }

        public static Optional<ExchangeService> fromKeyword(String word) {
            for (ExchangeService s : values()) if (s.keyword.equalsIgnoreCase(word)) return Optional.of(s);
            return Optional.empty();
        }
    }
}
