package dev.vigil.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ScriptArgvTest {
    @Test
    void whitespaceSeparatesQuotesGroupBackslashEscapes() {
        assertThat(ScriptArgv.split("  /bin/x  a\tb ")).containsExactly("/bin/x", "a", "b");
        assertThat(ScriptArgv.split("/bin/x ' a b ' \"c d\" e\\ f")).containsExactly("/bin/x", " a b ", "c d", "e f");
        assertThat(ScriptArgv.split("/bin/x 'no \\escape' \"q\\\"q\"")).containsExactly("/bin/x", "no \\escape", "q\"q");
        assertThat(ScriptArgv.split("/bin/x a''b ''")).containsExactly("/bin/x", "ab", "");
        assertThat(ScriptArgv.split("/bin/x $(rm -rf /) ; ls")).containsExactly("/bin/x", "$(rm", "-rf", "/)", ";", "ls");
        assertThat(ScriptArgv.split("/bin/x 'unterminated")).containsExactly("/bin/x", "unterminated");
        assertThat(ScriptArgv.split("   ")).isEmpty();
    }
}
