package dev.vigil.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KeywordTableTest {
    final KeywordTable table = KeywordTable.standard();

    @Test
    void suggestsTheNearestKeywordOfTheSameBlock() {
        assertThat(table.nearest(Block.VRRP_INSTANCE, "priorty")).contains("priority");
        assertThat(table.nearest(Block.VRRP_INSTANCE, "virtual_ipadress")).contains("virtual_ipaddress");
        assertThat(table.nearest(Block.REAL_SERVER, "MISC_CHEK")).contains("MISC_CHECK");
        assertThat(table.nearest(Block.REAL_SERVER, "delay_lop")).contains("delay_loop");
        assertThat(table.nearest(Block.GLOBAL_DEFS, "frobnicate")).isEmpty();
    }

    @Test
    void checkersAcceptTimingAndConnectionKeywords() {
        assertThat(table.find(Block.HTTP_CHECK, "connect_port")).isPresent();
        assertThat(table.find(Block.HTTP_CHECK, "retry")).isPresent();
        assertThat(table.find(Block.MISC_CHECK, "retry")).isPresent();
        assertThat(table.find(Block.MISC_CHECK, "connect_port")).isEmpty();
        assertThat(table.find(Block.VRRP_INSTANCE, "delay_loop")).isEmpty();
    }

    @Test
    void editDistance() {
        assertThat(KeywordTable.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(KeywordTable.distance("", "abc")).isEqualTo(3);
        assertThat(KeywordTable.distance("same", "same")).isZero();
    }
}
