package dev.vigil.script;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ScriptLintTest {

    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void theArticlesScriptIsFlaggedWhenShIsDash() throws Exception {
        Path dash = file("dash", "");
        Path sh = Files.createSymbolicLink(dir.resolve("sh"), dash);
        Path bash = file("bash", "");
        Path shBash = Files.createSymbolicLink(dir.resolve("sh2"), bash);
        Path article = file("check_exchange.sh", "#!/bin/sh\nerror=0\nfor i in `seq 1 3`\ndo\n"
                + "echo \"GET /rpc/healthcheck.htm\" | openssl s_client -connect $1:443 -crlf -quiet 2>/dev/null"
                + " | grep \"200 OK\" || let error=$error+1\ndone\n[ $error -lt 3 ] && exit 0 || exit 1\n");
        assertThat(ScriptLint.dashLetTrap(article, sh)).hasValueSatisfying(w -> assertThat(w)
                .contains(article.toString()).contains("'let'"));
        assertThat(ScriptLint.dashLetTrap(article, shBash)).isEmpty();
        Path bashScript = file("b.sh", "#!/bin/bash\nlet x=1\n");
        assertThat(ScriptLint.dashLetTrap(bashScript, sh)).isEmpty();
        Path commentOnly = file("c.sh", "#!/bin/sh\n# let us count\nx=$((x+1))\n");
        assertThat(ScriptLint.dashLetTrap(commentOnly, sh)).isEmpty();
        Path letters = file("d.sh", "#!/bin/sh\necho outlet letter\n");
        assertThat(ScriptLint.dashLetTrap(letters, sh)).isEmpty();
    }
}
