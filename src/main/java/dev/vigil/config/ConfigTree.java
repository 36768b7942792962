package dev.vigil.config;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Groups token lines into statements and {@code { }} blocks. A brace may be attached to a word, stand
 * on the keyword's line, or open the block on the next line, as keepalived allows.
 */
final class ConfigTree {
    private ConfigTree() {
    }

    static List<ConfigNode> build(List<List<Token>> lines, Diagnostics diagnostics) {
        ConfigNode root = new ConfigNode(List.of(new Token("<top>", Source.BUILT_IN, false)));
        root.openBlock(new Token("{", Source.BUILT_IN, false));
        Deque<ConfigNode> stack = new ArrayDeque<>();
        stack.push(root);
        ConfigNode previousLineStatement = null;
        for (List<Token> line : lines) {
            List<Token> words = new ArrayList<>();
            ConfigNode eligible = previousLineStatement;
            ConfigNode lastOnLine = null;
            for (Token t : line) {
                if (t.isOpenBrace()) {
                    ConfigNode owner;
                    if (!words.isEmpty()) {
                        owner = new ConfigNode(words);
                        stack.peek().add(owner);
                        words.clear();
                    } else if (eligible != null && !eligible.hasBlock()) {
                        owner = eligible;
                    } else {
                        diagnostics.error(t.source(), "'{' without a keyword before it");
                        owner = new ConfigNode(List.of(t));
                    }
                    owner.openBlock(t);
                    stack.push(owner);
                    eligible = null;
                    lastOnLine = null;
                } else if (t.isCloseBrace()) {
                    if (!words.isEmpty()) {
                        stack.peek().add(new ConfigNode(words));
                        words.clear();
                    }
                    if (stack.size() == 1) diagnostics.error(t.source(), "unexpected '}' (no block is open)");
                    else stack.pop();
                    eligible = null;
                    lastOnLine = null;
                } else {
                    words.add(t);
                }
            }
            if (!words.isEmpty()) {
                lastOnLine = new ConfigNode(words);
                stack.peek().add(lastOnLine);
            }
            previousLineStatement = lastOnLine;
        }
        while (stack.size() > 1) {
            ConfigNode open = stack.pop();
            diagnostics.error(open.openBrace().source(), "unclosed '{' of '" + open.name() + "'");
        }
        return root.children();
    }
}
