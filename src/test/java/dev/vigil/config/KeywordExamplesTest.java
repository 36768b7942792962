package dev.vigil.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every example in the keyword reference is valid where the reference says it is written. */
class KeywordExamplesTest {
    static final ParseOptions OPTIONS = new ParseOptions("node", true, false);
    /** Blocks that need several statements, which one line cannot hold. */
    static final Set<String> WITHOUT_EXAMPLE = Set.of("TOP|global_defs", "TOP|vrrp_script", "TOP|vrrp_instance",
            "TOP|vrrp_sync_group", "VRRP_INSTANCE|authentication");
    static final String SCRIPT = "vrrp_script chk {\n script /bin/true\n}\n";
    static final String INSTANCE = "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n";
    static final String REAL = "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n";

    static Stream<Keyword> keywords() {
        return KeywordTable.standard().all().stream().filter(k -> k.support() != Keyword.Support.IGNORED);
    }

    static String inContext(Keyword k) {
        String e = k.example();
        return switch (k.block()) {
            case TOP -> e + "\n";
            case GLOBAL_DEFS -> "global_defs {\n" + e + "\n}\n";
            case VRRP_SCRIPT -> SCRIPT + "vrrp_script s {\n script /bin/true\n" + e + "\n}\n";
            case VRRP_INSTANCE -> SCRIPT + INSTANCE + e + "\n}\n";
            case AUTHENTICATION -> INSTANCE + "authentication {\n auth_type PASS\n auth_pass x\n" + e + "\n}\n}\n";
            case VRRP_SYNC_GROUP -> SCRIPT + INSTANCE + "}\nvrrp_sync_group G {\n"
                    + (k.name().equals("group") ? "" : " group {\n V\n }\n") + e + "\n}\n";
            case CHECK_TIMING, VIRTUAL_SERVER -> "virtual_server 10.0.0.1 80 {\n" + e + "\n}\n";
            case REAL_SERVER -> REAL + e + "\n}\n}\n";
            case CHECKER, TCP_CHECK -> REAL + "TCP_CHECK {\n" + e + "\n}\n}\n}\n";
            case HTTP_CHECK -> REAL + "SSL_GET {\n url {\n path /\n }\n" + e + "\n}\n}\n}\n";
            case URL -> REAL + "HTTP_GET {\n url {\n path /\n" + e + "\n}\n}\n}\n}\n";
            case SMTP_CHECK -> REAL + "SMTP_CHECK {\n" + e + "\n}\n}\n}\n";
            case MISC_CHECK -> REAL + "MISC_CHECK {\n misc_path /bin/true\n" + e + "\n}\n}\n}\n";
            case EXCHANGE_CHECK -> REAL + "EXCHANGE_CHECK {\n services rpc owa\n" + e + "\n}\n}\n}\n";
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keywords")
    void exampleIsValidInItsBlock(Keyword k) {
        if (WITHOUT_EXAMPLE.contains(k.block() + "|" + k.name())) {
            assertThat(k.example()).isEmpty();
            return;
        }
        assertThat(k.example()).as("example of %s in %s", k.name(), k.block())
                .matches(java.util.regex.Pattern.quote(k.name()) + "( .*)?");
        ParseResult r = ConfigParser.parse(inContext(k), "example.conf", OPTIONS);
        assertThat(r.errors()).as(inContext(k)).isEmpty();
    }
}
