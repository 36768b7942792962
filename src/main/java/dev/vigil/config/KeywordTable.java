package dev.vigil.config;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one table of every keyword Vigil knows: where it may be written, its value, keepalived's default
 * and unit, whether Vigil acts on it, and what reading it does. The parser dispatches on it, unknown
 * keywords get their suggestion from it, and docs/keywords.md is generated from it. Each part of the
 * configuration declares its own keywords ({@link GlobalDefsKeywords}, {@link VrrpKeywords},
 * {@link VirtualServerKeywords}, {@link CheckerKeywords}); this puts them together.
 */
final class KeywordTable {
    /**
     * Within a block, rows keep the order the parts declare them in, the parts in this order: the reference
     * lists them so, and the nearest-keyword suggestion prefers the earlier of two as near.
     */
    private static final KeywordTable STANDARD = new KeywordTable(List.of(GlobalDefsKeywords.keywords(),
            VrrpKeywords.keywords(), VirtualServerKeywords.keywords(), CheckerKeywords.keywords(), outsideScope()));

    private final Map<Block, Map<String, Keyword>> byBlock = new EnumMap<>(Block.class);

    static KeywordTable standard() {
        return STANDARD;
    }

    private KeywordTable(List<List<Keyword>> parts) {
        for (Block b : Block.values()) byBlock.put(b, new LinkedHashMap<>());
        for (List<Keyword> part : parts) {
            for (Keyword k : part) {
                if (keywords(k.block()).put(k.name(), k) != null) {
                    throw new IllegalStateException("duplicate keyword " + k.name() + " in " + k.block());
                }
            }
        }
    }

    /** Top-level keywords of keepalived that no part of Vigil has. */
    private static List<Keyword> outsideScope() {
        return Keyword.ignored(Block.TOP, "keepalived feature outside Vigil's scope", "static_ipaddress",
                "static_routes", "static_rules", "linkbeat_interfaces", "track_file", "vrrp_track_file",
                "vrrp_track_process", "track_group", "garp_group", "vrrp_garp_group", "bfd_instance", "SSL",
                "net_namespace", "net_namespace_ipvs", "namespace_with_ipsets", "instance", "use_pid_dir",
                "linkbeat_use_polling", "child_wait_time", "vrrp_gna_group");
    }

    Optional<Keyword> find(Block block, String name) {
        Keyword k = keywords(block).get(name);
        if (k != null) return Optional.of(k);
        for (Block b : block.extended()) {
            k = keywords(b).get(name);
            if (k != null) return Optional.of(k);
        }
        return Optional.empty();
    }

    /** This block's keywords by name; the constructor gives every block its map. */
    private Map<String, Keyword> keywords(Block block) {
        return Objects.requireNonNull(byBlock.get(block));
    }

    /** Every keyword, block by block in {@link Block}'s order. */
    List<Keyword> all() {
        return byBlock.values().stream().flatMap(keywords -> keywords.values().stream()).toList();
    }

    List<Keyword> in(Block block) {
        return List.copyOf(keywords(block).values());
    }

    /**
     * The known keyword of this block nearest to {@code name} by edit distance, if near enough. Candidates
     * too far apart in length are skipped and a distance is given up once it passes the limit: a file of
     * unknown words costs microseconds per word, not the milliseconds a full comparison with every keyword
     * took (a 2 MiB file of them: 42 s).
     */
    Optional<String> nearest(Block block, String name) {
        List<String> names = new ArrayList<>(keywords(block).keySet());
        for (Block b : block.extended()) names.addAll(keywords(b).keySet());
        int limit = Math.max(2, name.length() / 4);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String lower = name.toLowerCase(Locale.ROOT);
        for (String candidate : names) {
            if (Math.abs(candidate.length() - lower.length()) > Math.min(limit, bestDistance - 1)) continue;
            int d = distance(lower, candidate.toLowerCase(Locale.ROOT), Math.min(limit, bestDistance - 1));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /**
     * Levenshtein distance, or {@link Integer#MAX_VALUE} once it is sure to exceed {@code bound}; capped on
     * long input so hostile text cannot cost much.
     */
    static int distance(String a, String b, int bound) {
        if (a.length() > 64 || b.length() > 64) return Integer.MAX_VALUE;
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            // a row's smallest value never decreases in later rows
            if (rowMin > bound) return Integer.MAX_VALUE;
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()] <= bound ? prev[b.length()] : Integer.MAX_VALUE;
    }
}
