package dev.vigil.text;

/**
 * Makes outside text (script output, what a real server answered, a name from the configuration, a reason
 * given to the admin API) safe to put in a log line, a notify FIFO line or a mail: every control character
 * is written as an escape, so the text can neither start a forged line (newline, carriage return) nor drive
 * the reader's terminal (ESC sequences), and Unicode's line separators and bidirectional overrides cannot
 * reorder what is shown. {@code ESC} becomes {@code \x1b}, newline {@code \n}, U+202E {@code \u202e}.
 * Backslashes are kept as they are, so escaping twice changes nothing: the function can be applied where
 * the text enters and again where it is written.
 */
public final class ControlCharacters {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ControlCharacters() {}

    /** {@code text} with its control characters escaped; {@code text} itself when it has none. */
    public static String escape(String text) {
        int i = 0;
        while (i < text.length() && !needsEscape(text.charAt(i))) i++;
        if (i == text.length()) return text;
        StringBuilder b = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c)) {
                b.append(c);
                continue;
            }
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x80) b.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    else b.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                            .append(HEX[c & 0xf]);
                }
            }
        }
        return b.toString();
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || c == 0x7f                 // C0 controls and DEL
                || (c >= 0x80 && c <= 0x9f)          // C1 controls (U+009B is a terminal's CSI)
                || c == 0x2028 || c == 0x2029        // line and paragraph separators
                || (c >= 0x202a && c <= 0x202e)      // bidirectional embeddings and overrides
                || (c >= 0x2066 && c <= 0x2069);     // bidirectional isolates
    }
}
