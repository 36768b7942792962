package dev.vigil.config;

import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** One statement of the configuration: a keyword, its arguments, and its {@code { }} block if it has one. */
final class ConfigNode {
    private final Token keyword;
    private final List<Token> args;
    private @Nullable List<ConfigNode> children; // with openBrace, set when the node opens a block
    private @Nullable Token openBrace;

    ConfigNode(List<Token> words) {
        this.keyword = words.getFirst();
        this.args = List.copyOf(words.subList(1, words.size()));
    }

    String name() {
        return keyword.text();
    }

    Token keyword() {
        return keyword;
    }

    Source source() {
        return keyword.source();
    }

    List<Token> args() {
        return args;
    }

    int argCount() {
        return args.size();
    }

    Token arg(int i) {
        return args.get(i);
    }

    boolean hasBlock() {
        return children != null;
    }

    List<ConfigNode> children() {
        return children == null ? List.of() : children;
    }

    /** The opening brace of a node that {@link #hasBlock has a block}. */
    Token openBrace() {
        return Objects.requireNonNull(openBrace, "not a block");
    }

    void openBlock(Token brace) {
        this.children = new ArrayList<>();
        this.openBrace = brace;
    }

    void add(ConfigNode child) {
        Objects.requireNonNull(children, "not a block").add(child);
    }
}
