package dev.vigil.config;

/** One word of a configuration line, after quotes and escapes are resolved; braces are their own tokens. */
record Token(String text, Source source, boolean quoted) {
    boolean isOpenBrace() {
        return !quoted && text.equals("{");
    }

    boolean isCloseBrace() {
        return !quoted && text.equals("}");
    }
}
