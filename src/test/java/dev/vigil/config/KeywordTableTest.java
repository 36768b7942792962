package dev.vigil.config;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.time.Duration;
import java.util.List;
import java.util.Random;

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
    void blocksListTheirKeywordsInTheOrderTheirPartsDeclareThem() {
        assertThat(names(Block.TOP).subList(0, 6)).containsExactly("global_defs", "vrrp_script", "vrrp_instance",
                "vrrp_sync_group", "virtual_server_group", "virtual_server");
        List<String> realServer = names(Block.REAL_SERVER);
        assertThat(realServer.subList(0, 2)).containsExactly("weight", "lvs_method");
        assertThat(realServer.indexOf("inhibit_on_failure")).isEqualTo(realServer.indexOf("TCP_CHECK") - 1);
        assertThat(table.all()).containsExactlyElementsOf(
                Arrays.stream(Block.values()).flatMap(b -> table.in(b).stream()).toList());
    }

    @Test
    void editDistance() {
        assertThat(KeywordTable.distance("kitten", "sitting", 3)).isEqualTo(3);
        assertThat(KeywordTable.distance("", "abc", 10)).isEqualTo(3);
        assertThat(KeywordTable.distance("same", "same", 0)).isZero();
    }

    @Test
    void editDistanceGivesUpPastItsBound() {
        assertThat(KeywordTable.distance("kitten", "sitting", 2)).isEqualTo(Integer.MAX_VALUE);
        assertThat(KeywordTable.distance("abcdefgh", "stuvwxyz", 3)).isEqualTo(Integer.MAX_VALUE);
    }

    /** The pruning must not change a suggestion: the nearest within the limit, the first of equals. */
    @Test
    void suggestsTheNearestKeywordWithinALimitOfAQuarterOfTheName() {
        assertThat(table.nearest(Block.VRRP_INSTANCE, "priorty")).hasValue("priority");
        assertThat(table.nearest(Block.VRRP_INSTANCE, "virtual_routr_id")).hasValue("virtual_router_id");
        assertThat(table.nearest(Block.VRRP_INSTANCE, "PRIORITY")).hasValue("priority");
        assertThat(table.nearest(Block.VRRP_INSTANCE, "xyzzy")).isEmpty();
        assertThat(table.nearest(Block.REAL_SERVER, "TCP_CHEK")).hasValue("TCP_CHECK");
    }

    /**
     * Jazzer's config finding (scripts/fuzz config ran at 170 inputs/s): every unknown word was compared in
     * full with every keyword of its block, about 1 ms a word, so a 2 MiB file of them took 42 s to check
     * and the reader's 16 MiB limit about six minutes. Now 40,000 of them take well under a second.
     */
    @Test
    void aFileOfUnknownWordsIsCheckedInSeconds() {
        Random random = new Random(1);
        StringBuilder text = new StringBuilder("global_defs {\n");
        for (int i = 0; i < 40_000; i++) {
            text.append("    ");
            for (int c = 0; c < 40; c++) text.append((char) ('a' + random.nextInt(26)));
            text.append('\n');
        }
        text.append("}\n");
        long t0 = System.nanoTime();
        ParseResult r = ConfigParser.parse(text.toString(), "t.conf", new ParseOptions("main", true, false));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(r.errors()).hasSize(40_000);
        // About 1 ms a word before (40 s here on a quiet machine), well under a second now; the bound leaves
        // room for a 2-core machine under heavy load.
        assertThat(took).isLessThan(Duration.ofSeconds(15));
    }

    private List<String> names(Block block) {
        return table.in(block).stream().map(Keyword::name).toList();
    }
}
