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
    }
}
