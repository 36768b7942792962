package dev.vigil.config;

import dev.vigil.config.Keyword.Handler;

import org.jspecify.annotations.Nullable;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

import static dev.vigil.config.Block.CHECKER;
import static dev.vigil.config.Block.CHECK_TIMING;
import static dev.vigil.config.Block.EXCHANGE_CHECK;
import static dev.vigil.config.Block.HTTP_CHECK;
import static dev.vigil.config.Block.MISC_CHECK;
import static dev.vigil.config.Block.REAL_SERVER;
import static dev.vigil.config.Block.SMTP_CHECK;
import static dev.vigil.config.Block.TCP_CHECK;
import static dev.vigil.config.Block.URL;
import static dev.vigil.config.Keyword.ignored;
import static dev.vigil.config.Keyword.keyword;

/**
 * The keywords of health checks: the checker blocks of a real_server, their timing and connection, and
 * what each checker (TCP_CHECK, HTTP_GET/SSL_GET and url, SMTP_CHECK, MISC_CHECK, EXCHANGE_CHECK) reads.
 */
final class CheckerKeywords {
    private CheckerKeywords() {
    }

    static List<Keyword> keywords() {
        List<Keyword> k = new ArrayList<>();
        timing(k);
        checkerBlocks(k);
        connection(k);
        http(k);
        url(k);
        smtp(k);
        misc(k);
        exchange(k);
        return k;
    }

    private static void timing(List<Keyword> k) {
        k.add(keyword("connect_timeout").in(CHECK_TIMING).value("<TIMER>").defaultValue("5").unit("s")
                .doc("Checker connection timeout.").example("connect_timeout 3")
                .handler((Drafts.Timed d, ConfigNode n, ParseContext c) ->
                        d.timing().connectTimeout = c.timerValue(n, 0.000001, 86400)));
        k.add(keyword("retry").in(CHECK_TIMING).value("<INTEGER>").defaultValue("1 (MISC_CHECK: 0)")
                .doc("Extra tries before a server is marked down.").example("retry 3")
                .handler((Drafts.Timed d, ConfigNode n, ParseContext c) ->
                        d.timing().retry = c.intValue(n, 0, 1_000_000)));
        k.add(keyword("nb_get_retry").in(CHECK_TIMING).value("<INTEGER>").defaultValue("1")
                .doc("Old name of 'retry' (warns).").example("nb_get_retry 3")
                .handler((Drafts.Timed d, ConfigNode n, ParseContext c) -> {
                    c.warning(n.source(), "'nb_get_retry' is deprecated; use 'retry'");
                    d.timing().retry = c.intValue(n, 0, 1_000_000);
                }));
        k.add(keyword("delay_before_retry").in(CHECK_TIMING).value("<TIMER>")
                .defaultValue("1 (HTTP_GET, SSL_GET: 3)").unit("s")
                .doc("Pause before a retry.").example("delay_before_retry 2.5")
                .handler((Drafts.Timed d, ConfigNode n, ParseContext c) ->
                        d.timing().delayBeforeRetry = c.timerValue(n, 0, 86400)));
        k.add(keyword("warmup").in(CHECK_TIMING).value("<TIMER>").defaultValue("delay_loop").unit("s")
                .doc("Maximum random delay before the first check (0: none).").example("warmup 0")
                .handler((Drafts.Timed d, ConfigNode n, ParseContext c) ->
                        d.timing().warmup = c.timerValue(n, 0, 86400)));
        k.add(keyword("delay_loop").in(CHECK_TIMING).value("<TIMER>").defaultValue("60").unit("s")
                .doc("Time between checks.").example("delay_loop 20")
                .handler((Drafts.Timed d, ConfigNode n, ParseContext c) ->
                        d.timing().delayLoop = c.timerValue(n, 0.000001, 86400)));
        k.add(keyword("alpha").in(CHECK_TIMING).value("[<BOOL>]").defaultValue("off")
                .doc("Start with servers down until a check passes.").example("alpha")
                .handler((Drafts.Timed d, ConfigNode n, ParseContext c) -> d.timing().alpha = c.bool(n, 0)));
    }

    private static void checkerBlocks(List<Keyword> k) {
        k.add(keyword("TCP_CHECK").in(REAL_SERVER).block("{ ... }")
                .doc("Up when a TCP connection opens.").example("TCP_CHECK { connect_timeout 3 }")
                .handler(checker(TCP_CHECK, Drafts.TcpCheckDraft::new)));
        k.add(keyword("HTTP_GET").in(REAL_SERVER).block("{ ... }")
                .doc("Up when every url answers as expected over HTTP.").example("HTTP_GET { url { path /healthz } }")
                .handler(checker(HTTP_CHECK, Drafts.HttpCheckDraft::new)));
        k.add(keyword("SSL_GET").in(REAL_SERVER).block("{ ... }")
                .doc("HTTP_GET over TLS (certificate not verified unless ca_file).")
                .example("SSL_GET { url { path /owa/healthcheck.htm } }")
                .handler(checker(HTTP_CHECK, () -> {
                    Drafts.HttpCheckDraft h = new Drafts.HttpCheckDraft();
                    h.tls = true;
                    return h;
                })));
        k.add(keyword("SMTP_CHECK").in(REAL_SERVER).block("{ ... }")
                .doc("Up when the server answers an SMTP HELO dialogue.")
                .example("SMTP_CHECK { helo_name balancer01.domain.ru }")
                .handler(checker(SMTP_CHECK, Drafts.SmtpCheckDraft::new)));
        k.add(keyword("MISC_CHECK").in(REAL_SERVER).block("{ ... }")
                .doc("Up when a script exits 0.")
                .example("MISC_CHECK { misc_path \"/etc/keepalived/check_exchange.sh 192.168.3.111\" }")
                .handler(checker(MISC_CHECK, Drafts.MiscCheckDraft::new)));
        k.add(keyword("EXCHANGE_CHECK").in(REAL_SERVER).block("{ ... }")
                .doc("Vigil: checks Exchange's healthcheck.htm pages over TLS.")
                .example("EXCHANGE_CHECK { services rpc owa ews mapi eas ecp autodiscover oab }")
                .handler(checker(EXCHANGE_CHECK, Drafts.ExchangeCheckDraft::new)));
        k.addAll(ignored(REAL_SERVER, "keepalived checker or option Vigil does not have; the server gets no such check",
                "DNS_CHECK", "UDP_CHECK", "PING_CHECK", "BFD_CHECK", "FILE_CHECK", "snmp_name"));
    }

    /** Reads a checker block of a real_server into a new draft from {@code factory}, by {@code inner}'s keywords. */
    private static Handler<Drafts.RealServerDraft> checker(Block inner, Supplier<Drafts.CheckerDraft> factory) {
        return (d, n, c) -> {
            c.atMost(n, 0);
            Drafts.CheckerDraft checker = factory.get();
            checker.source = n.source();
            c.walk(inner, n.children(), checker);
            d.checkers.add(checker);
        };
    }

    private static void connection(List<Keyword> k) {
        k.add(keyword("connect_ip").in(CHECKER).value("IP").defaultValue("the real server's")
                .doc("Address the checker connects to.").example("connect_ip 192.168.3.111")
                .handler((Drafts.Connected d, ConfigNode n, ParseContext c) -> {
                    d.connection().connectIp = c.address(n, 0);
                    c.atMost(n, 1);
                }));
        k.add(keyword("connect_port").in(CHECKER).value("<PORT>").defaultValue("the real server's")
                .doc("Port the checker connects to.").example("connect_port 443")
                .handler((Drafts.Connected d, ConfigNode n, ParseContext c) ->
                        d.connection().connectPort = c.intValue(n, 0, 65535)));
        k.add(keyword("bindto").in(CHECKER).value("IP")
                .doc("Source address of checker connections.").example("bindto 192.168.3.101")
                .handler((Drafts.Connected d, ConfigNode n, ParseContext c) -> {
                    d.connection().bindTo = c.address(n, 0);
                    c.atMost(n, 1);
                }));
        k.add(keyword("bind_port").in(CHECKER).value("<PORT>")
                .doc("Source port of checker connections.").example("bind_port 40000")
                .handler((Drafts.Connected d, ConfigNode n, ParseContext c) ->
                        d.connection().bindPort = c.intValue(n, 0, 65535)));
        k.addAll(ignored(CHECKER, "keepalived checker option outside Vigil's scope", "bind_if", "fwmark",
                "log_all_failures"));
    }

    private static void http(List<Keyword> k) {
        k.add(keyword("url").in(HTTP_CHECK).block("{ path; digest; status_code; virtualhost; regex; regex_no_match }")
                .doc("A page to fetch.").example("url { path /rpc/healthcheck.htm }")
                .handler((Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> {
                    Drafts.UrlDraft u = new Drafts.UrlDraft();
                    u.source = n.source();
                    c.walk(URL, n.children(), u);
                    Checker.Url url = u.build(c.diagnostics());
                    if (url != null) d.urls.add(url);
                }));
        k.add(keyword("virtualhost").in(HTTP_CHECK).value("NAME").defaultValue("the real server's")
                .doc("Host header sent.").example("virtualhost mail.domain.ru")
                .handler((Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> d.virtualhost = c.string(n)));
        k.add(keyword("http_protocol").in(HTTP_CHECK).value("1.0|1.0C|1.1").defaultValue("1.0")
                .doc("HTTP version (1.0C: 1.0 with Connection: close).").example("http_protocol 1.1")
                .handler((Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> {
                    String p = c.choice(n, 0, "http_protocol", List.of("1.0", "1.0C", "1.1"));
                    c.atMost(n, 1);
                    if (p != null) d.httpProtocol = p;
                }));
        k.add(keyword("enable_sni").in(HTTP_CHECK).value("").defaultValue("off")
                .doc("Send SNI in the TLS handshake (SSL_GET).").example("enable_sni")
                .handler((Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.enableSni = true;
                }));
        k.add(keyword("sni_name").in(HTTP_CHECK).value("NAME").defaultValue("virtualhost")
                .doc("Name sent as SNI (SSL_GET).").example("sni_name mail.domain.ru")
                .handler((Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> d.sniName = c.string(n)));
        k.add(keyword("fast_recovery").in(HTTP_CHECK).value("[<BOOL>]").defaultValue("off")
                .doc("Check all urls at once when recovering.").example("fast_recovery")
                .handler((Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> {
                    Boolean v = c.bool(n, 0);
                    if (v != null) d.fastRecovery = v;
                }));
        k.add(keyword("ca_file").in(HTTP_CHECK).value("PATH")
                .doc("Vigil: verify the server certificate against these CAs.")
                .example("ca_file /etc/vigil/exchange-ca.pem")
                .handler((Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> d.caFile = path(n, c)));
        k.addAll(ignored(HTTP_CHECK, "keepalived TLS option outside Vigil's scope", "tls_compliant"));
    }

    private static void url(List<Keyword> k) {
        k.add(keyword("path").in(URL).value("PATH")
                .doc("Path requested (required).").example("path /rpc/healthcheck.htm")
                .handler((Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> {
                    d.pathSeen = true;
                    d.path = c.string(n);
                }));
        k.add(keyword("digest").in(URL).value("MD5HEX")
                .doc("MD5 of the expected body (genhash).").example("digest 9b3a0c85a887a256d6939da88aabd8cd")
                .handler((Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> {
                    String s = c.string(n);
                    if (s != null && !s.matches("[0-9a-fA-F]{32}")) {
                        c.error(n.arg(0).source(), "'digest' must be 32 hexadecimal digits, got '" + s + "'");
                        return;
                    }
                    d.digest = s == null ? null : s.toLowerCase(Locale.ROOT);
                }));
        k.add(keyword("status_code").in(URL).value("CODE|LOW-HIGH ...").defaultValue("200-299")
                .doc("Accepted HTTP status codes.").example("status_code 200-299 401")
                .handler((Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) == null) return;
                    for (Token t : n.args()) {
                        String s = t.text();
                        int dash = s.indexOf('-');
                        Integer lo = c.integer(new Token(dash >= 0 ? s.substring(0, dash) : s, t.source(), false),
                                "status_code", 100, 599);
                        Integer hi = dash >= 0 ? c.integer(new Token(s.substring(dash + 1), t.source(), false),
                                "status_code", 100, 599) : lo;
                        if (lo == null || hi == null) continue;
                        if (hi < lo) {
                            c.error(t.source(), "status_code range '" + s + "' ends before it starts");
                            continue;
                        }
                        d.statusCodes.add(new Checker.StatusRange(lo, hi));
                    }
                }));
        k.add(keyword("virtualhost").in(URL).value("NAME").defaultValue("the checker's")
                .doc("Host header for this url.").example("virtualhost mail.domain.ru")
                .handler((Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> d.virtualhost = c.string(n)));
        k.add(keyword("regex").in(URL).value("REGEX")
                .doc("The body must match this regular expression.").example("regex \"200 OK\"")
                .handler((Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> {
                    String r = c.string(n);
                    if (r == null) return;
                    try {
                        java.util.regex.Pattern.compile(r);
                        d.regex = r;
                    } catch (java.util.regex.PatternSyntaxException e) {
                        c.error(n.arg(0).source(), "invalid regex '" + r + "': " + e.getDescription());
                    }
                }));
        k.add(keyword("regex_no_match").in(URL).value("").defaultValue("off")
                .doc("The body must not match regex.").example("regex_no_match")
                .handler((Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.regexNoMatch = true;
                }));
        k.addAll(ignored(URL, "PCRE tuning Vigil does not need", "regex_options", "regex_stack", "regex_min_offset",
                "regex_max_offset", "tls_compliant"));
    }

    private static void smtp(List<Keyword> k) {
        k.add(keyword("helo_name").in(SMTP_CHECK).value("NAME").defaultValue("HOSTNAME")
                .doc("Name sent in HELO.").example("helo_name balancer01.domain.ru")
                .handler((Drafts.SmtpCheckDraft d, ConfigNode n, ParseContext c) -> d.heloName = c.string(n)));
        k.addAll(ignored(SMTP_CHECK, "old multi-host form; write one SMTP_CHECK per host", "host"));
    }

    private static void misc(List<Keyword> k) {
        k.add(keyword("misc_path").in(MISC_CHECK).value("COMMAND [USER [GROUP]]")
                .doc("Script to run (required).")
                .example("misc_path \"/etc/keepalived/check_exchange.sh 192.168.3.111\"")
                .handler((Drafts.MiscCheckDraft d, ConfigNode n, ParseContext c) -> {
                    d.scriptSeen = true;
                    d.script = c.script(n, 0);
                }));
        k.add(keyword("misc_timeout").in(MISC_CHECK).value("<INTEGER>").defaultValue("delay_loop").unit("s")
                .doc("The script has failed after this long.").example("misc_timeout 18")
                .handler((Drafts.MiscCheckDraft d, ConfigNode n, ParseContext c) ->
                        d.timeout = c.secondsValue(n, 1, 86400)));
        k.add(keyword("misc_dynamic").in(MISC_CHECK).value("").defaultValue("off")
                .doc("Exit code 2..255 sets the weight to code - 2.").example("misc_dynamic")
                .handler((Drafts.MiscCheckDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.dynamic = true;
                }));
        k.add(keyword("user").in(MISC_CHECK).value("USER [GROUP]").defaultValue("script_user")
                .doc("User (and group) the script runs as.").example("user nobody")
                .handler((Drafts.MiscCheckDraft d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) != null) c.scriptUser(n, 0).ifPresent(x -> d.user = x);
                }));
    }

    private static void exchange(List<Keyword> k) {
        k.add(keyword("services").in(EXCHANGE_CHECK).value("rpc|mapi|owa|ecp|ews|oab|eas|autodiscover ...")
                .defaultValue("rpc")
                .doc("Exchange services whose healthcheck.htm is fetched.").example("services rpc owa ews")
                .handler((Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) == null) return;
                    d.services.clear();
                    for (Token t : n.args()) {
                        Optional<Checker.ExchangeService> s = Checker.ExchangeService.fromKeyword(t.text());
                        if (s.isEmpty()) c.error(t.source(), "unknown Exchange service '" + t.text()
                                + "' (expected one of rpc, mapi, owa, ecp, ews, oab, eas, autodiscover)");
                        else if (!d.services.contains(s.get())) d.services.add(s.get());
                    }
                }));
        k.add(keyword("attempts").in(EXCHANGE_CHECK).value("<1..100>").defaultValue("3")
                .doc("Tries per service per round; any 200 passes.").example("attempts 3")
                .handler((Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 1, 100);
                    if (v != null) d.attempts = v;
                }));
        k.add(keyword("policy").in(EXCHANGE_CHECK).value("all|any|list").defaultValue("all")
                .doc("Which services must pass for the server to be up.").example("policy any")
                .handler((Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> {
                    String p = c.choice(n, 0, "policy", List.of("all", "any", "list"));
                    c.atMost(n, 1);
                    if (p != null) {
                        d.policy = Checker.ExchangeCheck.Policy.valueOf(p.toUpperCase(Locale.ROOT));
                        d.policySource = n.source();
                    }
                }));
        k.add(keyword("require").in(EXCHANGE_CHECK).value("SERVICE ...")
                .doc("With policy list: the services that must pass.").example("require rpc")
                .handler((Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) == null) return;
                    for (Token t : n.args()) {
                        Optional<Checker.ExchangeService> s = Checker.ExchangeService.fromKeyword(t.text());
                        if (s.isEmpty()) c.error(t.source(), "unknown Exchange service '" + t.text() + "'");
                        else if (!d.required.contains(s.get())) d.required.add(s.get());
                    }
                }));
        k.add(keyword("host").in(EXCHANGE_CHECK).value("NAME").defaultValue("the real server's address")
                .doc("Host header and SNI name sent.").example("host mail.domain.ru")
                .handler((Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> d.host = c.string(n)));
        k.add(keyword("ca_file").in(EXCHANGE_CHECK).value("PATH")
                .doc("Verify the server certificate against these CAs.").example("ca_file /etc/vigil/exchange-ca.pem")
                .handler((Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> d.caFile = path(n, c)));
    }

    private static @Nullable Path path(ConfigNode n, ParseContext c) {
        String s = c.string(n);
        if (s == null) return null;
        try {
            return Path.of(s);
        } catch (RuntimeException e) {
            c.error(n.arg(0).source(), "malformed path '" + s + "'");
            return null;
        }
    }
}
