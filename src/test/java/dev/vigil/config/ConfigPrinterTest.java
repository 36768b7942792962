package dev.vigil.config;

import org.junit.jupiter.api.Test;

import static dev.vigil.config.ConfigModels.ip;
import static org.assertj.core.api.Assertions.assertThat;

class ConfigPrinterTest {
    @Test
    void ipv6IsPrintedInItsShortForm() {
        assertThat(ConfigPrinter.address(ip("2001:db8:0:0:0:0:0:1"))).isEqualTo("2001:db8::1");
        assertThat(ConfigPrinter.address(ip("::"))).isEqualTo("::");
        assertThat(ConfigPrinter.address(ip("1:0:0:2:0:0:0:3"))).isEqualTo("1:0:0:2::3");
        assertThat(ConfigPrinter.address(ip("1:0:2:0:3:0:4:0"))).isEqualTo("1:0:2:0:3:0:4:0");
        assertThat(ConfigPrinter.address(ip("ae00::1"))).isEqualTo("ae00::1");
        assertThat(ConfigPrinter.address(ip("10.0.0.1"))).isEqualTo("10.0.0.1");
    }

    @Test
    void wordsAreQuotedOnlyWhenTheyNeedIt() {
        assertThat(ConfigPrinter.quote("eth0")).isEqualTo("eth0");
        assertThat(ConfigPrinter.quote("a b")).isEqualTo("\"a b\"");
        assertThat(ConfigPrinter.quote("")).isEqualTo("\"\"");
        assertThat(ConfigPrinter.quote("x#y")).isEqualTo("\"x#y\"");
        assertThat(ConfigPrinter.quote("q\"\\")).isEqualTo("\"q\\\"\\\\\"");
        assertThat(ConfigPrinter.quote("@id")).isEqualTo("\"@id\"");
        assertThat(ConfigPrinter.quote("tab\there")).isEqualTo("\"tab\\x09here\"");
        assertThat(ConfigPrinter.quote("~SEQ")).isEqualTo("\"~SEQ\"");
        assertThat(ConfigPrinter.quote("include")).isEqualTo("\"include\"");
        assertThat(ConfigPrinter.quote("$A=b")).isEqualTo("\"$A=b\"");
        assertThat(ConfigPrinter.quote("includes")).isEqualTo("includes");
    }

    /** scripts/fuzz config's finding: list entries that read as directives when printed plain at a line start. */
    @Test
    void listEntriesThatLookLikeDirectivesPrintBackAsThemselves() {
        ParseOptions options = new ParseOptions("main", true, false);
        NodeConfig c = ConfigParser.parse("global_defs {\n notification_email {\n \"~SEQ\"\n \"include\"\n"
                + " \"~LST(x)\"\n \"$A=b\"\n ops@example.org\n }\n}\n", "t.conf", options).config().orElseThrow();
        assertThat(c.global().notificationEmail()).containsExactly("~SEQ", "include", "~LST(x)", "$A=b", "ops@example.org");
        ParseResult again = ConfigParser.parse(ConfigPrinter.print(c), "printed.conf", options);
        assertThat(again.diagnostics()).isEmpty();
        assertThat(SourceErasure.sameMeaning(again.config().orElseThrow(), c)).isTrue();
    }
}
