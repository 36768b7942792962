package dev.vigil.forward;

import dev.vigil.balance.RealServerState;
import dev.vigil.balance.VirtualService;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The transactions one service's table changes make, in the order nft must see them. */
class KernelServiceTest {
    private static final InetSocketAddress RS2 = new InetSocketAddress("10.198.0.2", 8080);
    private static final KernelRuleset.Service RULES = new KernelRuleset.Service(1, Protocol.TCP,
            KernelRuleset.Family.IPV4, List.of(new InetSocketAddress("10.199.0.50", 80)), List.of(), Optional.empty(),
            Optional.of(new KernelRuleset.Persistence(Duration.ofSeconds(60), Optional.empty())));

    private static VirtualServer config(String... servers) {
        return parse("  lb_algo rr\n  persistence_timeout 60\n", servers);
    }

    private static VirtualServer parse(String options, String... servers) {
        StringBuilder b = new StringBuilder("virtual_server 10.199.0.50 80 {\n" + options);
        for (String s : servers) b.append("  real_server ").append(s).append(" 8080 {\n  }\n");
        ParseResult r = ConfigParser.parse(b.append("}\n").toString(), "t.conf", new ParseOptions("t", true, false));
        assertThat(r.errors()).isEmpty();
        return r.config().orElseThrow().virtualServers().getFirst();
    }

    private static final KernelRuleset.Service COUNTED = new KernelRuleset.Service(2, Protocol.TCP,
            KernelRuleset.Family.IPV4, List.of(new InetSocketAddress("10.199.0.50", 80)), List.of(), Optional.empty(),
            Optional.empty(), true);

    private static String update(KernelService k, VirtualService s) {
        StringBuilder tx = new StringBuilder();
        assertThat(k.update(s.config(), s.table(), tx)).isEmpty();
        k.commit();
        return tx.toString();
    }

    @Test
    void serversComeFirstThenSlotsThenTheChain() {
        VirtualService s = new VirtualService(config("10.198.0.2", "10.198.0.3"));
        String tx = update(new KernelService(RULES), s);
        assertThat(tx.indexOf("add chain inet vigil vs1_s1")).isLessThan(tx.indexOf("add element inet vigil vs1 "));
        assertThat(tx.indexOf("add element inet vigil vs1 { 0 : goto vs1_s0, 1 : goto vs1_s1 }"))
                .isLessThan(tx.indexOf("flush chain inet vigil vs1\n"));
        assertThat(tx).contains("add rule inet vigil vs1_keep ");
    }

    @Test
    void aServerGoingDownForgetsItsTemplatesWithoutRewritingTheChain() {
        VirtualService s = new VirtualService(config("10.198.0.2", "10.198.0.3"));
        KernelService k = new KernelService(RULES);
        update(k, s);
        s.setHealth(RS2, true, 0);
        String quiesced = update(k, s);
        assertThat(quiesced).doesNotContain("flush set").contains("delete element inet vigil vs1 { 0, 1 }");
        s.setHealth(RS2, false, 1);
        assertThat(update(k, s)).isEqualTo("flush set inet vigil vs1_p0\n");
        s.setHealth(RS2, true, 1);
        assertThat(update(k, s)).doesNotContain("flush set").contains("add element inet vigil vs1 {");
    }

    @Test
    void aReloadKeepsTheServersItKeepsAndRemovesTheOthersLast() {
        VirtualService s = new VirtualService(config("10.198.0.2", "10.198.0.3"));
        KernelService k = new KernelService(RULES);
        update(k, s);
        s.reconfigure(config("10.198.0.3", "10.198.0.4"));
        KernelService reloaded = new KernelService(RULES, k);
        String tx = update(reloaded, s);
        // 10.198.0.3 keeps index 1 (and its templates); 10.198.0.4 is new, index 2; 10.198.0.2 goes.
        assertThat(tx).doesNotContain("add chain inet vigil vs1_s1").contains("add chain inet vigil vs1_s2\n");
        assertThat(tx).endsWith("delete chain inet vigil vs1_s0\ndelete set inet vigil vs1_p0\n");
        assertThat(reloaded.serverIndexes()).containsExactly(1, 2);
        assertThat(KernelRuleset.removeService(RULES, reloaded.serverIndexes()))
                .contains("delete chain inet vigil vs1_s1\n", "delete set inet vigil vs1_p2\n");
    }

    @Test
    void aCountedSchedulersMarksNameServersByTheirIndexSoAReorderRewritesNoElement() {
        VirtualService s = new VirtualService(parse("  lb_algo wlc\n", "10.198.0.2", "10.198.0.3", "10.198.0.4"));
        KernelService k = new KernelService(COUNTED);
        assertThat(update(k, s)).contains("add element inet vigil vs2 { " + KernelService.mark(0) + " : goto vs2_s0, "
                + KernelService.mark(1) + " : goto vs2_s1, " + KernelService.mark(2) + " : goto vs2_s2 }");
        s.reconfigure(parse("  lb_algo wlc\n", "10.198.0.4", "10.198.0.3", "10.198.0.2"));
        KernelService reloaded = new KernelService(COUNTED, k);
        assertThat(update(reloaded, s)).doesNotContain("element");
        List<InetSocketAddress> order = s.table().realServers().stream().map(RealServerState::address).toList();
        assertThat(reloaded.marks(order)).containsExactly(KernelService.mark(2), KernelService.mark(1), KernelService.mark(0));
    }

    @Test
    void aServiceInPlaceOfAnotherGivesItsServersTheirIndexesAgainAndNewOnesFreshOnes() {
        VirtualService s = new VirtualService(parse("  lb_algo wlc\n", "10.198.0.2", "10.198.0.3"));
        KernelService k = new KernelService(COUNTED);
        update(k, s);
        s.reconfigure(parse("  lb_algo wlc\n", "10.198.0.3"));
        KernelService kept = new KernelService(COUNTED, k);
        update(kept, s); // 10.198.0.2 gone: 10.198.0.3 keeps 1, the next is 2
        s.reconfigure(parse("  lb_algo wlc\n  persistence_timeout 60\n", "10.198.0.4", "10.198.0.3"));
        KernelService replacing = KernelService.replacing(new KernelRuleset.Service(3, Protocol.TCP,
                KernelRuleset.Family.IPV4, List.of(new InetSocketAddress("10.199.0.50", 80)), List.of(), Optional.empty(),
                Optional.of(new KernelRuleset.Persistence(Duration.ofSeconds(60), Optional.empty())), true), kept);
        assertThat(update(replacing, s)).contains("add chain inet vigil vs3_s1\n", "add chain inet vigil vs3_s2\n");
        assertThat(replacing.serverIndexes()).containsExactly(1, 2);
        assertThat(replacing.marks(List.of(new InetSocketAddress("10.198.0.4", 8080), new InetSocketAddress("10.198.0.3", 8080))))
                .containsExactly(KernelService.mark(2), KernelService.mark(1));
    }
}
