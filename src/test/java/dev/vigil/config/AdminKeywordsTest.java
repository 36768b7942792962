package dev.vigil.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vigil_admin_token} and {@code vigil_admin_host_names}: what they give, and what they warn about. */
class AdminKeywordsTest {
    private static final String GOOD_TOKEN = "9c1f4e7a20b65d83e4f1";

    private static Path write(Path file, String text, String mode) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void aShortTokenIsWarnedAboutWhereItIsWritten() {
        ParseResult r = ConfigParser.parse("global_defs {\n  vigil_admin_token change-me\n}\n", "t.conf",
                LanguageTest.OPTIONS);
        assertThat(r.errors()).isEmpty();
        assertThat(r.diagnostics()).extracting(Diagnostic::toString).containsExactly("t.conf:2:3: warning: "
                + "vigil_admin_token has only 9 characters; use at least 16 random ones (e.g. from 'openssl rand -hex 16')");
        assertThat(r.config().orElseThrow().global().adminToken()).hasValue("change-me");
    }

    @Test
    void aTokenInAFileOthersCanReadIsWarnedAboutAndOneOnlyRootReadsIsNot(@TempDir Path dir) throws IOException {
        Path secret = write(dir.resolve("secret.conf"), "vigil_admin_token " + GOOD_TOKEN + "\n", "rw-------");
        Path main = write(dir.resolve("keepalived.conf"), "global_defs {\n  include secret.conf\n}\n", "rw-r--r--");
        ParseResult kept = ConfigParser.parse(main, LanguageTest.OPTIONS);
        assertThat(kept.diagnostics()).as("the main file is readable, but the token is not in it").isEmpty();
        assertThat(kept.config().orElseThrow().global().adminToken()).hasValue(GOOD_TOKEN);

        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(ConfigParser.parse(main, LanguageTest.OPTIONS).diagnostics()).extracting(Diagnostic::toString)
                .containsExactly(secret + ":1:1: warning: " + secret + " holds vigil_admin_token and is readable by its "
                        + "group: chmod 600 it, or keep the token in an included file only root can read");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-rw-r--"));
        assertThat(ConfigParser.parse(main, LanguageTest.OPTIONS).diagnostics()).singleElement()
                .extracting(Diagnostic::toString).asString().contains("is readable by every user");
    }

    @Test
    void hostNamesAddUpAndSomethingElseIsAnError() {
        NodeConfig c = LanguageTest.model("global_defs {\n  vigil_admin_host_names lb1.example.com lb1\n"
                + "  vigil_admin_host_names Admin-LB.example.\n}\n");
        assertThat(c.global().adminHostNames()).containsExactly("lb1.example.com", "lb1", "Admin-LB.example.");
        ParseResult bad = ConfigParser.parse("global_defs {\n  vigil_admin_host_names lb1:9180 -x\n"
                + "  vigil_admin_host_names\n}\n", "t.conf", LanguageTest.OPTIONS);
        assertThat(bad.errors()).extracting(Diagnostic::toString).containsExactly(
                "t.conf:2:26: error: 'lb1:9180' is not a host name", "t.conf:2:35: error: '-x' is not a host name",
                "t.conf:3:3: error: 'vigil_admin_host_names' needs at least one host name");
    }
}
