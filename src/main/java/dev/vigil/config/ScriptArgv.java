package dev.vigil.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a script's command line into its argument vector the way keepalived does, without a shell:
 * whitespace separates, single and double quotes group (and are removed), a backslash outside single
 * quotes takes the next character literally.
 */
public final class ScriptArgv {
    private ScriptArgv() {
    }

    public static List<String> split(String commandLine) {
        List<String> argv = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        int n = commandLine.length();
        for (int i = 0; i < n; i++) {
            char c = commandLine.charAt(i);
            if (quote == '\'') {
                if (c == '\'') quote = 0;
                else word.append(c);
            } else if (quote == '"') {
                if (c == '"') quote = 0;
                else if (c == '\\' && i + 1 < n) word.append(commandLine.charAt(++i));
                else word.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < n) {
                word.append(commandLine.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    argv.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) argv.add(word.toString());
        return argv;
    }
}
