package dev.vigil.linux;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java side of the libnftables binding that needs no privileges: loading, and nft's own error text. */
class NftablesTest {

    @Test
    void aMissingLibrarySaysWhatToInstall() throws Exception {
        try (NamespaceThread thread = NamespaceThread.start(Optional.empty(), "nft-test")) {
            assertThatThrownBy(() -> Nftables.open(thread, "libnftables-not-here.so.1"))
                    .isInstanceOf(NativeException.class)
                    .hasMessageStartingWith("cannot load libnftables-not-here.so.1 (")
                    .hasMessageEndingWith("install nftables (libnftables1), e.g. apt-get install nftables");
        }
    }

    @Test
    void aSyntaxErrorComesBackWithNftsOwnMessage() throws Exception {
        // nft parses the whole buffer before it talks to the kernel: no privileges needed, nothing changed.
        try (NamespaceThread thread = NamespaceThread.start(Optional.empty(), "nft-test");
             Nftables nft = Nftables.open(thread)) {
            assertThatThrownBy(() -> nft.run("add chian inet vigil_test c\n"))
                    .isInstanceOf(NativeException.class)
                    .hasMessageStartingWith("nftables refused the change in this process's network namespace: Error: ")
                    .hasMessageContaining("syntax error")
                    .hasMessageContaining("add chian inet vigil_test c\n          ^^^^");
            // The context is still usable after a refusal.
            assertThatThrownBy(() -> nft.run("add tabel inet x"))
                    .hasMessageContaining("add tabel inet x");
        }
    }

    @Test
    void aClosedContextIsNotUsedAgain() throws Exception {
        try (NamespaceThread thread = NamespaceThread.start(Optional.empty(), "nft-test")) {
            Nftables nft = Nftables.open(thread);
            nft.close();
            nft.close();
            assertThatThrownBy(() -> nft.run("list tables")).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void refusalsWithoutTextStillSaySo() {
        assertThat(Nftables.refusedMessage("network namespace x", "  \n"))
                .isEqualTo("nftables refused the change in network namespace x: (no message)");
    }
}
