package dev.vigil.config;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns keepalived configuration text into lines of tokens the way keepalived reads it: comments from
 * {@code !} or {@code #}, {@code @ID}/{@code @^ID} conditional lines, {@code $NAME=value} definitions and
 * their substitution, quoted strings, and {@code include} with globs relative to the including file.
 */
final class ConfigReader {
    private static final int MAX_INCLUDE_DEPTH = 32;
    private static final int MAX_EXPANSION_DEPTH = 16;
    private static final int MAX_SUBSTITUTION_PASSES = 32;
    private static final int MAX_TOKEN_LINES = 1_000_000;
    private static final int MAX_FILES = 1_000;
    private static final long MAX_FILE_BYTES = 16L << 20;
    /**
     * What {@code $NAME} substitutions may add to one configuration, every line and pass together: a
     * definition used a hundred times inside another used a hundred times multiplies, and a few hundred
     * kilobytes of text would otherwise expand past any heap. Counted as the text is written, so nothing
     * larger is ever built.
     */
    private static final int MAX_EXPANDED_CHARS = 2 << 20;
    private static final Pattern DEFINITION = Pattern.compile("^\\s*\\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$", Pattern.DOTALL);
    private static final Set<String> INCLUDE_WORDS =
            Set.of("include", "includer", "includem", "includew", "includeb", "includea");

    /**
     * Whether {@code word}, unquoted at the start of a line, is read as a directive rather than as itself:
     * an include, a {@code ~SEQ}/{@code ~LST} block or a {@code $NAME=} definition.
     */
    static boolean isDirective(String word) {
        return INCLUDE_WORDS.contains(word) || word.startsWith("~SEQ") || word.startsWith("~LST") || word.startsWith("$");
    }

    /**
     * A line to read; {@code origin[i]} is the column (0-based) in the written line of character i, null if
     * same; {@code written} is that written line.
     */
    @SuppressWarnings("ArrayRecordComponent") // never compared or hashed: carries one line between two methods
    private record RawLine(String text, int number, int @Nullable [] origin, String written) {}

    /** Text after substitution, with where each character came from in the text before it. */
    @SuppressWarnings("ArrayRecordComponent") // never compared or hashed: carries one expansion between two methods
    private record Expansion(String text, int[] origin) {}

    /**
     * One pass of substitution: its result and where its first replaced reference was (-1: none); or, when
     * the expansion budget ran out, a null result and where the reference that did not fit is, and its name.
     */
    private record Pass(@Nullable Expansion expansion, int at, @Nullable String name) {}

    private final ParseOptions options;
    private final Diagnostics diagnostics;
    private final Map<String, String> definitions = new HashMap<>();
    private final List<String> stackNames = new ArrayList<>();
    private final List<Path> stackPaths = new ArrayList<>();
    private final List<List<Token>> lines = new ArrayList<>();
    private int filesRead;
    private long expandedChars;
    private boolean tooLarge;

    ConfigReader(ParseOptions options, Diagnostics diagnostics) {
        this.options = options;
        this.diagnostics = diagnostics;
    }

    List<List<Token>> lines() {
        return lines;
    }

    /** Reading stopped at a limit, so {@link #lines} is a truncated configuration not worth interpreting. */
    boolean stoppedEarly() {
        return tooLarge;
    }

    void readMainFile(Path file) {
        readFile(file, file.toString(), new Source(file.toString(), 1, 1));
    }

    void readMainText(String text, String displayName) {
        Path path;
        try {
            path = Path.of(displayName.isEmpty() ? "." : displayName);
        } catch (RuntimeException e) {
            path = Path.of(".");
        }
        stackNames.add(displayName);
        stackPaths.add(identity(path));
        processText(text, displayName, directoryOf(path));
        stackNames.removeLast();
        stackPaths.removeLast();
    }

    private void readFile(Path path, String displayName, Source at) {
        Path id = identity(path);
        int seen = stackPaths.indexOf(id);
        if (seen >= 0) {
            List<String> cycle = new ArrayList<>(stackNames.subList(seen, stackNames.size()));
            cycle.add(displayName);
            diagnostics.error(at, "include cycle: " + String.join(" -> ", cycle));
            return;
        }
        if (stackPaths.size() >= MAX_INCLUDE_DEPTH) {
            diagnostics.error(at, "includes nest deeper than " + MAX_INCLUDE_DEPTH + " files");
            return;
        }
        if (++filesRead > MAX_FILES) {
            diagnostics.error(at, "more than " + MAX_FILES + " files included");
            return;
        }
        String text;
        try {
            if (!Files.exists(path)) {
                diagnostics.error(at, "cannot read '" + displayName + "': no such file");
                return;
            }
            if (!Files.isRegularFile(path)) {
                diagnostics.error(at, "cannot read '" + displayName + "': not a regular file");
                return;
            }
            if (Files.size(path) > MAX_FILE_BYTES) {
                diagnostics.error(at, "cannot read '" + displayName + "': larger than 16 MiB");
                return;
            }
            text = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            diagnostics.error(at, "cannot read '" + displayName + "': " + reason(e));
            return;
        }
        stackNames.add(displayName);
        stackPaths.add(id);
        try {
            processText(text, displayName, directoryOf(path));
        } finally {
            stackNames.removeLast();
            stackPaths.removeLast();
        }
    }

    private static String reason(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
    }

    private static Path identity(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException | RuntimeException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    private static Path directoryOf(Path path) {
        Path parent = path.getParent();
        return parent == null ? Path.of("") : parent;
    }

    private void processText(String text, String file, Path dir) {
        // Notepad on Windows (where many Exchange admins edit) starts UTF-8 files with a byte order mark.
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        String[] physical = text.split("\n", -1);
        List<RawLine> raws = new ArrayList<>(physical.length);
        for (int i = 0; i < physical.length; i++) {
            String raw = physical[i];
            if (raw.endsWith("\r")) raw = raw.substring(0, raw.length() - 1);
            String line = stripComment(raw);
            raws.add(new RawLine(line, i + 1, null, line));
        }
        processLines(raws, file, dir, 0);
    }

    private void processLines(List<RawLine> raws, String file, Path dir, int depth) {
        String pendingName = null;
        StringBuilder pending = new StringBuilder();
        for (RawLine r : raws) {
            if (tooLarge) return;
            String line = r.text();
            if (pendingName != null) {
                String t = line.stripTrailing();
                boolean more = t.endsWith("\\");
                if (more) t = t.substring(0, t.length() - 1);
                if (!pending.isEmpty()) pending.append('\n');
                pending.append(t);
                if (!more) {
                    definitions.put(pendingName, pending.toString());
                    pendingName = null;
                }
                continue;
            }
            line = applyConditional(line);
            if (line == null) continue;
            Matcher m = DEFINITION.matcher(line);
            if (m.matches()) {
                String value = m.group(2).strip();
                if (value.equals("\\")) {
                    pendingName = m.group(1);
                    pending = new StringBuilder();
                } else {
                    definitions.put(m.group(1), value);
                }
                continue;
            }
            if (line.indexOf('$') >= 0) {
                Expansion expansion = substitute(r, line, file, dir);
                if (expansion == null) continue;
                String expanded = expansion.text();
                if (!expanded.equals(line)) {
                    if (depth >= MAX_EXPANSION_DEPTH) {
                        diagnostics.error(new Source(file, r.number(), 1), "definitions nest deeper than "
                                + MAX_EXPANSION_DEPTH + " levels");
                        continue;
                    }
                    List<RawLine> sub = new ArrayList<>();
                    int start = 0;
                    for (String s : expanded.split("\n", -1)) {
                        int[] origin = new int[s.length()];
                        for (int k = 0; k < s.length(); k++) {
                            int before = expansion.origin()[start + k];
                            origin[k] = r.origin() == null ? before : r.origin()[before];
                        }
                        sub.add(new RawLine(s, r.number(), origin, r.written()));
                        start += s.length() + 1;
                    }
                    processLines(sub, file, dir, depth + 1);
                    continue;
                }
            }
            tokenizeAndAdd(line, file, r.number(), r.origin(), dir);
        }
        if (pendingName != null) definitions.put(pendingName, pending.toString());
    }

    /** The line without its {@code @ID} prefix (blanked, so columns stay right), or null when excluded. */
    private @Nullable String applyConditional(String line) {
        int n = line.length();
        int i = 0;
        while (i < n && Character.isWhitespace(line.charAt(i))) i++;
        if (i >= n || line.charAt(i) != '@') return line;
        int j = i + 1;
        boolean negated = j < n && line.charAt(j) == '^';
        if (negated) j++;
        int k = j;
        while (k < n && !Character.isWhitespace(line.charAt(k))) k++;
        boolean matches = line.substring(j, k).equals(options.configId());
        if (matches == negated) return null;
        return " ".repeat(k) + line.substring(k);
    }

    /** Comments run from an unquoted {@code !} or {@code #} to the end of the line. */
    static String stripComment(String raw) {
        char quote = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#' || c == '!') {
                return raw.substring(0, i);
            }
        }
        return raw;
    }

    private @Nullable Expansion substitute(RawLine r, String line, String file, Path dir) {
        int[] origin = new int[line.length()];
        for (int i = 0; i < origin.length; i++) origin[i] = i;
        Expansion current = new Expansion(line, origin);
        int lastAt = 0;
        for (int pass = 0; pass < MAX_SUBSTITUTION_PASSES; pass++) {
            Pass next = substituteOnce(current.text(), dir);
            if (next.expansion() == null) {
                int column = writtenColumn(r, current.origin()[next.at()]);
                String outer = referenceAt(r.written(), column);
                String inner = "$" + next.name();
                diagnostics.error(new Source(file, r.number(), column + 1), (outer == null ? inner : outer)
                        + " expands past the " + (MAX_EXPANDED_CHARS >> 20) + " MiB that definitions may add to a"
                        + " configuration" + (outer == null || outer.equals(inner) ? "" : " (while expanding " + inner + ")"));
                tooLarge = true;
                return null;
            }
            if (next.expansion().text().equals(current.text())) return current;
            lastAt = current.origin()[next.at()];
            int[] composed = new int[next.expansion().origin().length];
            for (int i = 0; i < composed.length; i++) composed[i] = current.origin()[next.expansion().origin()[i]];
            current = new Expansion(next.expansion().text(), composed);
        }
        int column = writtenColumn(r, lastAt);
        String outer = referenceAt(r.written(), column);
        diagnostics.error(new Source(file, r.number(), column + 1), (outer == null ? "a definition" : outer)
                + " expands without end (does a definition refer to itself?)");
        return null;
    }

    /** The 0-based column in the written line of column {@code i} of the line being read. */
    private static int writtenColumn(RawLine r, int i) {
        return r.origin() == null || i >= r.origin().length ? i : r.origin()[i];
    }

    /** The {@code $NAME} or {@code ${NAME}} written at {@code column}, as {@code $NAME}; null if none is. */
    private static @Nullable String referenceAt(String written, int column) {
        if (column + 1 >= written.length() || written.charAt(column) != '$') return null;
        if (written.charAt(column + 1) == '{') {
            int close = written.indexOf('}', column + 2);
            return close < 0 ? null : "$" + written.substring(column + 2, close);
        }
        int end = column + 1;
        while (end < written.length() && (Character.isLetterOrDigit(written.charAt(end)) || written.charAt(end) == '_')) end++;
        return end == column + 1 ? null : "$" + written.substring(column + 1, end);
    }

    /** One pass of substitution; replaced text is placed where its {@code $} reference was. */
    private Pass substituteOnce(String s, Path dir) {
        StringBuilder out = new StringBuilder(s.length());
        Origins origins = new Origins(s.length());
        int firstAt = -1;
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c != '$' || i + 1 >= n) {
                out.append(c);
                origins.add(i, 1);
                i++;
                continue;
            }
            char d = s.charAt(i + 1);
            String name;
            int end;
            if (d == '{') {
                int close = s.indexOf('}', i + 2);
                if (close < 0) {
                    out.append(c);
                    origins.add(i, 1);
                    i++;
                    continue;
                }
                name = s.substring(i + 2, close);
                end = close + 1;
            } else if (Character.isLetter(d) || d == '_') {
                int j = i + 1;
                while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) j++;
                name = (j == n || Character.isWhitespace(s.charAt(j))) ? s.substring(i + 1, j) : null;
                end = j;
            } else {
                out.append(c);
                origins.add(i, 1);
                i++;
                continue;
            }
            String value = name == null ? null : lookup(name, dir);
            if (value == null) {
                out.append(s, i, end);
                origins.addRun(i, end - i);
            } else {
                expandedChars += value.length();
                if (expandedChars > MAX_EXPANDED_CHARS) return new Pass(null, i, name);
                if (firstAt < 0) firstAt = i;
                out.append(value);
                origins.add(i, value.length());
            }
            i = end;
        }
        return new Pass(new Expansion(out.toString(), origins.toArray()), firstAt, null);
    }

    /** A growable list of source columns. */
    private static final class Origins {
        private int[] a;
        private int size;

        Origins(int capacity) {
            a = new int[Math.max(16, capacity)];
        }

        /** {@code count} characters that all come from column {@code from}. */
        void add(int from, int count) {
            ensure(count);
            for (int k = 0; k < count; k++) a[size++] = from;
        }

        /** {@code count} characters copied from columns {@code from}, {@code from + 1}, ... */
        void addRun(int from, int count) {
            ensure(count);
            for (int k = 0; k < count; k++) a[size++] = from + k;
        }

        private void ensure(int more) {
            if (size + more > a.length) a = java.util.Arrays.copyOf(a, Math.max(a.length * 2, size + more));
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, size);
        }
    }

    private @Nullable String lookup(String name, Path dir) {
        String defined = definitions.get(name);
        if (defined != null) return defined;
        String[] words = name.strip().split("\\s+", -1);
        return switch (words[0]) {
            case "_PWD" -> dir.toAbsolutePath().normalize().toString();
            case "_INSTANCE" -> options.configId();
            case "_HASH" -> "#";
            case "_BANG" -> "!";
            case "_ENV" -> {
                if (words.length < 2) yield null;
                String v = System.getenv(words[1]);
                yield v == null ? "" : v;
            }
            case "_RANDOM" -> {
                try {
                    long min = words.length > 1 ? Long.parseLong(words[1]) : 0;
                    long max = words.length > 2 ? Long.parseLong(words[2]) : 32767;
                    if (min < 0 || max < min) yield null;
                    yield Long.toString(ThreadLocalRandom.current().nextLong(min, max + 1));
                } catch (NumberFormatException e) {
                    yield null;
                }
            }
            default -> null;
        };
    }

    private void tokenizeAndAdd(String line, String file, int number, int @Nullable [] origin, Path dir) {
        List<Token> tokens = tokenize(line, file, number, origin);
        if (tokens.isEmpty()) return;
        Token first = tokens.getFirst();
        if (!first.quoted() && (first.text().startsWith("~SEQ") || first.text().startsWith("~LST"))) {
            diagnostics.error(first.source(), "sequence and list blocks (~SEQ, ~LST) are not supported; "
                    + "write the lines out or use $NAME definitions");
            return;
        }
        if (!first.quoted() && INCLUDE_WORDS.contains(first.text())) {
            if (tokens.size() < 2) {
                diagnostics.error(first.source(), "'" + first.text() + "' needs a file name");
                return;
            }
            for (Token pattern : tokens.subList(1, tokens.size())) include(first, pattern, dir);
            return;
        }
        if (lines.size() >= MAX_TOKEN_LINES) {
            if (!tooLarge) diagnostics.error(first.source(), "configuration expands to more than "
                    + MAX_TOKEN_LINES + " lines");
            tooLarge = true;
            return;
        }
        lines.add(tokens);
    }

    private void include(Token word, Token pattern, Path dir) {
        String p = pattern.text();
        if (p.isEmpty()) {
            diagnostics.error(pattern.source(), "'" + word.text() + "' needs a file name");
            return;
        }
        boolean glob = hasGlob(p);
        List<Path> files;
        try {
            files = glob ? expand(dir, p) : List.of(dir.resolve(p));
        } catch (RuntimeException e) {
            diagnostics.error(pattern.source(), "bad include pattern '" + p + "'");
            return;
        }
        if (glob && files.isEmpty()) {
            diagnostics.warning(pattern.source(), "include pattern '" + p + "' matches no file");
            return;
        }
        for (Path f : files) readFile(f, f.toString(), pattern.source());
    }

    private static boolean hasGlob(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') return true;
        }
        return false;
    }

    /** Expands a glob segment by segment, sorted as glob(3) sorts; no match gives an empty list. */
    private static List<Path> expand(Path dir, String pattern) {
        Path full = dir.resolve(pattern).normalize();
        Path root = full.getRoot();
        List<Path> current = new ArrayList<>(List.of(root != null ? root : Path.of("")));
        for (Path segment : full) {
            String seg = segment.toString();
            List<Path> next = new ArrayList<>();
            for (Path c : current) {
                if (!hasGlob(seg)) {
                    next.add(c.resolve(seg));
                    continue;
                }
                Path listDir = c.toString().isEmpty() ? Path.of(".") : c;
                if (!Files.isDirectory(listDir)) continue;
                List<Path> matched = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(listDir, seg)) {
                    for (Path m : ds) {
                        matched.add(c.resolve(m.getFileName().toString()));
                        if (matched.size() > MAX_FILES) break;
                    }
                } catch (IOException | RuntimeException e) {
                    continue;
                }
                matched.sort(null);
                next.addAll(matched);
            }
            current = next;
        }
        return current.stream().filter(Files::isRegularFile).sorted().toList();
    }

    /** Splits one logical line into tokens; quotes group (and are removed), braces stand alone. */
    List<Token> tokenize(String line, String file, int number, int @Nullable [] origin) {
        List<Token> out = new ArrayList<>();
        int n = line.length();
        int i = 0;
        while (i < n) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '{' || c == '}') {
                out.add(new Token(String.valueOf(c), new Source(file, number, column(origin, i)), false));
                i++;
                continue;
            }
            int start = i;
            StringBuilder sb = new StringBuilder();
            boolean quoted = false;
            while (i < n) {
                c = line.charAt(i);
                if (Character.isWhitespace(c) || c == '{' || c == '}') break;
                if (c == '"' || c == '\'') {
                    quoted = true;
                    int quoteAt = i;
                    i++;
                    boolean closed = false;
                    while (i < n) {
                        char d = line.charAt(i);
                        if (d == c) {
                            closed = true;
                            i++;
                            break;
                        }
                        if (d == '\\' && i + 1 < n) {
                            i = unescape(line, i, sb);
                            continue;
                        }
                        sb.append(d);
                        i++;
                    }
                    if (!closed) {
                        diagnostics.error(new Source(file, number, column(origin, quoteAt)), "unterminated quoted string");
                    }
                    continue;
                }
                sb.append(c);
                i++;
            }
            out.add(new Token(sb.toString(), new Source(file, number, column(origin, start)), quoted));
        }
        return out;
    }

    private static int column(int @Nullable [] origin, int i) {
        return (origin == null || i >= origin.length ? i : origin[i]) + 1;
    }

    /** Appends the character escaped at {@code s[i]} (a backslash) and returns the index after it. */
    private static int unescape(String s, int i, StringBuilder sb) {
        char e = s.charAt(i + 1);
        int j = i + 2;
        switch (e) {
            case 'a' -> sb.append('\u0007');
            case 'b' -> sb.append('\b');
            case 'E' -> sb.append('\u001b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'v' -> sb.append('\u000b');
            case 'x' -> {
                int k = j;
                while (k < s.length() && k < j + 2 && Character.digit(s.charAt(k), 16) >= 0) k++;
                if (k == j) sb.append('x');
                else sb.append((char) Integer.parseInt(s.substring(j, k), 16));
                j = k;
            }
            case 'c' -> {
                if (j < s.length()) {
                    sb.append((char) (Character.toUpperCase(s.charAt(j)) ^ 0x40));
                    j++;
                } else {
                    sb.append('c');
                }
            }
            default -> {
                if (e >= '0' && e <= '7') {
                    int k = i + 1;
                    while (k < s.length() && k < i + 4 && s.charAt(k) >= '0' && s.charAt(k) <= '7') k++;
                    sb.append((char) Integer.parseInt(s.substring(i + 1, k), 8));
                    j = k;
                } else {
                    sb.append(e);
                }
            }
        }
        return j;
    }
}
