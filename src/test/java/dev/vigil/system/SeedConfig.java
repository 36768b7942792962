package dev.vigil.system;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The seed article's two configuration files (src/test/resources/system, copied as written) mapped onto
 * the test network, with nothing else changed but what the test must change:
 * <ul>
 *   <li>addresses: {@code 192.168.3.110} (VIP) and {@code .111}-{@code .114} (Exchange) keep their last
 *       octet in 10.199.0.0/24; the SMTP server {@code 192.168.3.1} becomes {@link #SMTP_ADDRESS};</li>
 *   <li>{@code /etc/keepalived/} becomes the node's own script directory (the article's
 *       {@code check_exchange.sh}, and a {@code snat.py} that records its arguments);</li>
 *   <li>{@code delay_loop 20} is shortened;</li>
 *   <li>for the proxy engine ({@link Engine#PROXY}, most tests), {@code vigil_engine proxy} is added to
 *       {@code global_defs}: the article's {@code lvs_sync_daemon_interface} gives the file the kernel engine.
 *       For the kernel engine ({@link Engine#KERNEL}), {@code vigil_snat VIP} is added to the virtual
 *       server: the article's {@code snat.py} SNATs the balanced connections to the VIP with iptables, so
 *       that the Exchange servers' replies come back to whichever balancer holds it; here {@code snat.py} is a
 *       stand-in that only records, and Vigil's own SNAT does what the script did;</li>
 *   <li>optionally, each {@code MISC_CHECK} is replaced by the native {@code EXCHANGE_CHECK} over all
 *       eight services.</li>
 * </ul>
 */
public final class SeedConfig {

    /** Which engine forwards: the proxy (no root) or the kernel, with connection sync as the article has it. */
    public enum Engine {
        PROXY, KERNEL,
        /** The kernel engine without {@code vigil_snat}: the test SNATs as an operator's own rules would. */
        KERNEL_OPERATOR_SNAT
    }

    /** Which health check the real servers get. */
    public enum Check { ARTICLE_SCRIPT, EXCHANGE_CHECK }

    public static final String VIP = "10.199.0.110";
    public static final List<String> EXCHANGE_ADDRESSES = List.of("10.199.0.111", "10.199.0.112", "10.199.0.113", "10.199.0.114");
    public static final String SMTP_ADDRESS = "10.199.0.7";
    /** The article's {@code misc_timeout}, kept. */
    public static final Duration MISC_TIMEOUT = Duration.ofSeconds(18);
    /** The article's {@code advert_int}, kept. */
    public static final Duration ADVERT_INT = Duration.ofSeconds(1);
    public static final int MASTER_PRIORITY = 100;
    public static final int BACKUP_PRIORITY = 90;
    /** The arguments the article gives {@code notify_master}, mapped. */
    public static final String NOTIFY_MASTER_ARGS =
            "-a 10.199.0.111 -a 10.199.0.112 -a 10.199.0.113 -a 10.199.0.114 -s 10.199.0.110";
    /** The arguments the article gives {@code notify_backup} and {@code notify_fault}, mapped. */
    public static final String NOTIFY_BACKUP_ARGS =
            "-r 10.199.0.111 -r 10.199.0.112 -r 10.199.0.113 -r 10.199.0.114 -s 10.199.0.110";
    /** The native check's connect timeout, in place of the script's {@code misc_timeout}. */
    public static final Duration EXCHANGE_CHECK_TIMEOUT = Duration.ofSeconds(3);

    private static final Pattern MISC_CHECK = Pattern.compile("MISC_CHECK \\{[^}]*\\}");

    private SeedConfig() {}

    /** The article's MASTER node file ({@code node == 1}) or its BACKUP node file ({@code node == 2}), as written. */
    public static String article(int node) throws IOException {
        String file = switch (node) {
            case 1 -> "exchange-master.conf";
            case 2 -> "exchange-backup.conf";
            default -> throw new IllegalArgumentException("the article has two nodes, not " + node);
        };
        return resource(file);
    }

    /** The article's node file mapped onto the test net with scripts in {@code scriptDir}. */
    public static String mapped(int node, Path scriptDir, Duration delayLoop, Check check) throws IOException {
        return mapped(node, scriptDir, delayLoop, check, Engine.PROXY);
    }

    /** The article's node file mapped onto the test net, for {@code engine}. */
    public static String mapped(int node, Path scriptDir, Duration delayLoop, Check check, Engine engine)
            throws IOException {
        String text = article(node)
                // the SMTP server first: 192.168.3.1 is a prefix of the other addresses
                .replaceAll("192\\.168\\.3\\.1(?!\\d)", SMTP_ADDRESS)
                .replace("192.168.3.", "10.199.0.")
                .replace("/etc/keepalived/", scriptDir.toAbsolutePath() + "/")
                .replaceAll("delay_loop \\d+", "delay_loop " + delayLoop.toSeconds());
        text = switch (engine) {
            case PROXY -> text.replaceFirst("global_defs \\{\n", "global_defs {\nvigil_engine proxy\n");
            case KERNEL_OPERATOR_SNAT -> text;
            case KERNEL -> text.replaceFirst("(virtual_server " + Pattern.quote(VIP) + " 443 \\{\n)",
                    "$1vigil_snat " + VIP + "\n");
        };
        if (check == Check.EXCHANGE_CHECK) {
            text = MISC_CHECK.matcher(text).replaceAll(Matcher.quoteReplacement(
                    "EXCHANGE_CHECK {\nservices rpc mapi owa ecp ews oab eas autodiscover\nattempts 3\npolicy all\n"
                            + "connect_timeout " + EXCHANGE_CHECK_TIMEOUT.toSeconds() + "\n}"));
        }
        return text;
    }

    /** A text resource of the system tests. */
    public static String resource(String name) throws IOException {
        try (InputStream in = SeedConfig.class.getResourceAsStream("/system/" + name)) {
            if (in == null) throw new IOException("missing test resource system/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * keepalived's master-down interval for a backup of {@code priority}: 3 x advert_int + skew, where
     * v2's skew is (256 - priority) / 256 s.
     */
    public static Duration masterDownInterval(int priority) {
        return ADVERT_INT.multipliedBy(3).plusMillis((256 - priority) * 1000L / 256);
    }
}
