package dev.vigil.config;

import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;

/**
 * One row of the keyword table: what the reference documents and what the parser dispatches on.
 * Rows are written with {@link #keyword}, e.g.
 * <pre>{@code
 * keyword("delay_loop").in(Block.CHECK_TIMING).value("<TIMER>").defaultValue("60").unit("s")
 *         .doc("Time between checks.").example("delay_loop 20")
 *         .handler((Drafts.Timed d, ConfigNode n, ParseContext c) -> ...)
 * }</pre>
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
        /** An old form, read as its replacement; the warning names it. */
        DEPRECATED("deprecated; read as its replacement"),
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

    /** Starts a row; {@link Builder#handler} finishes it. */
    static Builder keyword(String name) {
        return new Builder(name);
    }

    /** Keywords of {@code block} that Vigil accepts and ignores (with a warning), for the reason {@code why}. */
    static List<Keyword> ignored(Block block, String why, String... names) {
        List<Keyword> rows = new ArrayList<>();
        for (String name : names) {
            rows.add(new Keyword(name, block, "", "", "", Support.IGNORED, Shape.ANY, why, "",
                    (Object d, ConfigNode n, ParseContext c) -> { }));
        }
        return rows;
    }

    /**
     * A row being written. It needs a block ({@link #in}), a shape ({@link #value} or {@link #block}) and a
     * description ({@link #doc}); it is acted on unless {@link #support} says otherwise, and the other fields
     * are empty unless set.
     */
    static final class Builder {
        private final String name;
        private @Nullable Block block;
        private @Nullable Shape shape;
        private String syntax = "";
        private String defaultValue = "";
        private String unit = "";
        private Support support = Support.ACTED;
        private String description = "";
        private String example = "";

        private Builder(String name) {
            this.name = name;
        }

        Builder in(Block block) {
            this.block = block;
            return this;
        }

        /** A keyword written with values on its line; {@code syntax} is "" for a keyword written alone. */
        Builder value(String syntax) {
            this.shape = Shape.VALUE;
            this.syntax = syntax;
            return this;
        }

        /** A keyword that opens a {@code { }} block. */
        Builder block(String syntax) {
            this.shape = Shape.BLOCK;
            this.syntax = syntax;
            return this;
        }

        Builder defaultValue(String defaultValue) {
            this.defaultValue = defaultValue;
            return this;
        }

        Builder unit(String unit) {
            this.unit = unit;
            return this;
        }

        Builder support(Support support) {
            this.support = support;
            return this;
        }

        Builder doc(String description) {
            this.description = description;
            return this;
        }

        Builder example(String example) {
            this.example = example;
            return this;
        }

        /** The finished row, reading its statements with {@code handler}. */
        <D> Keyword handler(Handler<D> handler) {
            if (block == null || shape == null || description.isEmpty()) {
                throw new IllegalStateException("keyword " + name + " needs a block, a shape and a description");
            }
            return new Keyword(name, block, syntax, defaultValue, unit, support, shape, description, example, handler);
        }
    }
}
