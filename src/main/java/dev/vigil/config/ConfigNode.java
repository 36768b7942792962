package dev.vigil.config;

import java.util.ArrayList;
import java.util.List;

/** One statement of the configuration: a keyword, its arguments, and its {@code { }} block if it has one. */
final class ConfigNode {
    private final Token keyword;
    private final List<Token> args;
    private List<ConfigNode> children;
    private Token openBrace;

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

    Token openBrace() {
        return openBrace;
    }

    void openBlock(Token brace) {
        this.children = new ArrayList<>();
        this.openBrace = brace;
    }

    void add(ConfigNode child) {
        children.add(child);
    }
}
