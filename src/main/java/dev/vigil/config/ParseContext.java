package dev.vigil.config;

import org.jspecify.annotations.Nullable;

import java.math.BigDecimal;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a keyword handler can use: the walk into nested blocks through the keyword table, and readers
 * of typed values that report a positioned diagnostic (and give null) instead of failing.
 */
final class ParseContext {
    private static final java.util.regex.Pattern IPV4 =
            java.util.regex.Pattern.compile("[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

    private final KeywordTable table;
    private final Diagnostics diagnostics;
    private final ParseOptions options;

    ParseContext(KeywordTable table, Diagnostics diagnostics, ParseOptions options) {
        this.table = table;
        this.diagnostics = diagnostics;
        this.options = options;
    }

    Diagnostics diagnostics() {
        return diagnostics;
    }

    ParseOptions options() {
        return options;
    }

    void error(Source at, String message) {
        diagnostics.error(at, message);
    }

    void warning(Source at, String message) {
        diagnostics.warning(at, message);
    }

    /** Reads the statements of one block into {@code draft}, dispatching each through the keyword table. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void walk(Block block, List<ConfigNode> statements, Object draft) {
        for (ConfigNode n : statements) {
            Optional<Keyword> found = table.find(block, n.name());
            if (found.isEmpty()) {
                unknown(block, n);
                continue;
            }
            Keyword k = found.get();
            if (k.shape() == Keyword.Shape.BLOCK && !n.hasBlock()) {
                error(n.source(), "'" + k.name() + "' needs a { } block");
                continue;
            }
            if (k.shape() == Keyword.Shape.VALUE && n.hasBlock()) {
                error(n.openBrace().source(), "'" + k.name() + "' does not take a { } block");
            }
            switch (k.support()) {
                case PARSED_ONLY -> warning(n.source(), "'" + k.name() + "' is parsed but Vigil does not act on it yet");
                case IGNORED -> warning(n.source(), "'" + k.name() + "' is not supported by Vigil and is ignored");
                case DEPRECATED -> warning(n.source(), "'" + k.name() + "' is deprecated (" + k.description() + ")");
                case ACTED -> { }
            }
            ((Keyword.Handler) k.handler()).apply(draft, n, this);
        }
    }

    private void unknown(Block block, ConfigNode n) {
        String message = "unknown keyword '" + n.name() + "' in " + block.label();
        Optional<String> near = table.nearest(block, n.name());
        if (near.isPresent()) message += "; did you mean '" + near.get() + "'?";
        diagnostics.add(options.unknownKeywordsAreErrors() ? Diagnostic.Severity.ERROR : Diagnostic.Severity.WARNING,
                n.source(), message);
    }

    // ---- values ----

    /** Argument {@code i}, or null (with an error) when it is missing. */
    @Nullable Token arg(ConfigNode n, int i) {
        if (i < n.argCount()) return n.arg(i);
        error(n.source(), "'" + n.name() + "' needs " + (i == 0 ? "a value" : "more values"));
        return null;
    }

    @Nullable String word(ConfigNode n, int i) {
        Token t = arg(n, i);
        return t == null ? null : t.text();
    }

    /** Warns about arguments after the first {@code count}. */
    void atMost(ConfigNode n, int count) {
        if (n.argCount() > count) {
            Token extra = n.arg(count);
            warning(extra.source(), "extra argument '" + extra.text() + "' to '" + n.name() + "' ignored");
        }
    }

    @Nullable Integer integer(ConfigNode n, int i, long min, long max) {
        Token t = arg(n, i);
        return t == null ? null : integer(t, n.name(), min, max);
    }

    @Nullable Integer integer(Token t, String what, long min, long max) {
        long v;
        try {
            v = Long.parseLong(t.text());
        } catch (NumberFormatException e) {
            error(t.source(), "'" + what + "' must be an integer, got '" + t.text() + "'");
            return null;
        }
        if (v < min || v > max) {
            error(t.source(), "'" + what + "' must be between " + min + " and " + max + ", got " + t.text());
            return null;
        }
        return (int) v;
    }

    /** The keyword's one value: an integer from {@code min} to {@code max}. */
    @Nullable Integer intValue(ConfigNode n, long min, long max) {
        Integer v = integer(n, 0, min, max);
        atMost(n, 1);
        return v;
    }

    /** The keyword's one value: whole seconds from {@code min} to {@code max}. */
    @Nullable Duration secondsValue(ConfigNode n, int min, int max) {
        Integer s = integer(n, 0, min, max);
        atMost(n, 1);
        return s == null ? null : Duration.ofSeconds(s);
    }

    @Nullable Integer port(Token t, String what) {
        return integer(t, what, 0, 65535);
    }

    /** A TIMER: seconds with fractions, resolution micro-seconds, from {@code min} to {@code max}. */
    @Nullable Duration timer(ConfigNode n, int i, double min, double max) {
        Token t = arg(n, i);
        return t == null ? null : timer(t, n.name(), min, max);
    }

    /** The keyword's one value: a TIMER from {@code min} to {@code max} seconds. */
    @Nullable Duration timerValue(ConfigNode n, double min, double max) {
        Duration d = timer(n, 0, min, max);
        atMost(n, 1);
        return d;
    }

    @Nullable Duration timer(Token t, String what, double min, double max) {
        BigDecimal seconds;
        try {
            if (!t.text().matches("[0-9]*\\.?[0-9]+|[0-9]+\\.")) throw new NumberFormatException();
            seconds = new BigDecimal(t.text());
        } catch (NumberFormatException e) {
            error(t.source(), "'" + what + "' must be a number of seconds, got '" + t.text() + "'");
            return null;
        }
        if (seconds.compareTo(BigDecimal.valueOf(min)) < 0 || seconds.compareTo(BigDecimal.valueOf(max)) > 0) {
            error(t.source(), "'" + what + "' must be between " + plain(min) + " and " + plain(max)
                    + " seconds, got " + t.text());
            return null;
        }
        BigDecimal micros = seconds.movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP);
        return Duration.ofNanos(micros.longValueExact() * 1000);
    }

    private static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** The canonical text of a duration in seconds: {@code 1}, {@code 0.5}, {@code 0.000001}. */
    static String seconds(Duration d) {
        return new BigDecimal(BigDecimal.valueOf(d.getSeconds()).multiply(NANOS_PER_SECOND)
                .add(BigDecimal.valueOf(d.getNano())).toBigInteger(), 9).stripTrailingZeros().toPlainString();
    }

    /** {@code <BOOL>}: on|off|true|false|yes|no; absent means true. */
    @Nullable Boolean bool(ConfigNode n, int i) {
        if (i >= n.argCount()) return true;
        Token t = n.arg(i);
        return switch (t.text().toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> {
                error(t.source(), "'" + n.name() + "' must be one of on|off|true|false|yes|no, got '" + t.text() + "'");
                yield null;
            }
        };
    }

    @Nullable InetAddress address(ConfigNode n, int i) {
        Token t = arg(n, i);
        return t == null ? null : address(t, n.name());
    }

    /** An IP literal; names are refused, never looked up. */
    @Nullable InetAddress address(Token t, String what) {
        InetAddress a = literal(t.text());
        if (a == null) error(t.source(), "malformed IP address '" + t.text() + "' for '" + what + "'");
        return a;
    }

    /** Strict literals only: dotted-quad IPv4 or IPv6; never a name, never inet_aton's short forms. */
    static @Nullable InetAddress literal(String text) {
        if (text.isEmpty() || text.length() > 64 || text.indexOf('%') >= 0) return null;
        if (text.indexOf(':') < 0 && !IPV4.matcher(text).matches()) return null;
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code text} as the length of a prefix of {@code a}'s family, or null. */
    static @Nullable Integer prefixLength(String text, InetAddress a) {
        try {
            int len = Integer.parseInt(text);
            return len >= 0 && len <= a.getAddress().length * 8 ? len : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Nullable String string(ConfigNode n) {
        String s = word(n, 0);
        atMost(n, 1);
        return s;
    }

    /**
     * A script: the command line (quoted or one word) at argument {@code i}, then optional
     * {@code username [:][groupname]}.
     */
    @Nullable Script script(ConfigNode n, int i) {
        Token command = arg(n, i);
        if (command == null) return null;
        List<String> argv = ScriptArgv.split(command.text());
        if (argv.isEmpty()) {
            error(command.source(), "'" + n.name() + "' needs a script");
            return null;
        }
        Optional<GlobalDefs.ScriptUser> user = scriptUser(n, i + 1);
        if (options.checkScriptPaths() && argv.getFirst().startsWith("/") && !exists(argv.getFirst())) {
            warning(command.source(), "script '" + argv.getFirst() + "' does not exist");
        }
        return new Script(command.text(), argv, user, command.source());
    }

    private static boolean exists(String path) {
        try {
            return Files.exists(Path.of(path));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** {@code username [:][groupname]} from argument {@code i} on, if present. */
    Optional<GlobalDefs.ScriptUser> scriptUser(ConfigNode n, int i) {
        if (i >= n.argCount()) return Optional.empty();
        List<String> rest = new ArrayList<>();
        for (int k = i; k < n.argCount(); k++) rest.add(n.arg(k).text());
        String user = rest.getFirst();
        String group = null;
        int colon = user.indexOf(':');
        if (colon >= 0) {
            group = user.substring(colon + 1);
            user = user.substring(0, colon);
        }
        if (rest.size() > 1) {
            group = rest.get(1).startsWith(":") ? rest.get(1).substring(1) : rest.get(1);
        }
        if (rest.size() > 2) atMost(n, i + 2);
        if (user.isEmpty()) {
            error(n.arg(i).source(), "'" + n.name() + "' needs a user name before the group");
            return Optional.empty();
        }
        if (group != null && group.indexOf(':') >= 0) {
            // "user::group" or "user a:b" would otherwise be read as another group when printed back
            error(n.arg(rest.size() > 1 ? i + 1 : i).source(), "'" + n.name() + "': a group name cannot contain ':', got '"
                    + group + "'");
            return Optional.empty();
        }
        return Optional.of(new GlobalDefs.ScriptUser(user, group == null || group.isEmpty() ? Optional.empty()
                : Optional.of(group)));
    }

    /** One of {@code choices} (case-insensitive), or an error naming them. */
    @Nullable String choice(ConfigNode n, int i, String what, List<String> choices) {
        Token t = arg(n, i);
        if (t == null) return null;
        for (String c : choices) if (c.equalsIgnoreCase(t.text())) return c;
        error(t.source(), "unknown " + what + " '" + t.text() + "' (expected one of " + String.join(", ", choices) + ")");
        return null;
    }
}
