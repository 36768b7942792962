package dev.vigil.config;

/**
 * One row of the keyword table: what the reference documents and what the parser dispatches on.
 *
 * @param syntax       the value as the reference shows it, e.g. {@code <1..255>}
 * @param defaultValue keepalived's default ("" when none)
 * @param unit         e.g. {@code s} ("" when none)
 * @param example      a line that uses it, valid in its block ("" for keywords Vigil ignores)
 */
record Keyword(String name, Block block, String syntax, String defaultValue, String unit, Support support,
               Shape shape, String description, String example, Handler<?> handler) {

    /** Whether Vigil acts on a keyword. */
    enum Support {
        ACTED("yes"),
        PARSED_ONLY("parsed, not acted on yet"),
        DEPRECATED("deprecated; parsed, not acted on"),
        /** Read, but the proxy engine cannot do what it asks; the warning says why. */
        ENGINE_LIMIT("parsed; the proxy engine cannot do this"),
        IGNORED("accepted and ignored");

        private final String label;

        Support(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /** Whether the keyword takes a {@code { }} block. */
    enum Shape { VALUE, BLOCK, ANY }

    /** What a keyword does to the draft of the block it is in. */
    @FunctionalInterface
    interface Handler<D> {
        void apply(D draft, ConfigNode node, ParseContext ctx);
    }
}
