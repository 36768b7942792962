package dev.vigil.linux;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NetworkInterfacesTest {
    @Test
    void theNamesOfProcNetDevLeaveOutLoopbackAndTheHeader() {
        assertThat(NetworkInterfaces.names(List.of(
                "Inter-|   Receive                                                |  Transmit",
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets",
                "    lo: 1807095   32705    0    0    0     0          0         0  1807095   32705",
                "  eth0:       0       0    0    0    0     0          0         0        0       0",
                "vigil-v1.2:   0       0    0    0    0     0          0         0        0       0")))
                .containsExactly("eth0", "vigil-v1.2");
    }
}
