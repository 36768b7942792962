package dev.vigil.testing;

import org.junit.jupiter.api.Test;

import java.net.BindException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kernel behaviour HeldPort relies on, on loopback. */
@ComponentTest
class HeldPortTest {

    @Test
    void aRefusingPortRefusesAndNoOtherSocketCanBindIt() throws Exception {
        try (HeldPort refusing = HeldPort.refusing(); Socket client = new Socket(); ServerSocket other = new ServerSocket()) {
            assertThatThrownBy(() -> client.connect(refusing.address(), 2000)).isInstanceOf(ConnectException.class);
            other.setReuseAddress(true);
            assertThatThrownBy(() -> other.bind(refusing.address())).isInstanceOf(BindException.class);
        }
    }

    @Test
    void aServerWithReuseAddressListensOnAHeldPortAndThePlainBindOfAnotherFails() throws Exception {
        try (HeldPort held = HeldPort.forServer(); ServerSocket server = new ServerSocket(); Socket plain = new Socket()) {
            server.bind(held.address());
            try (Socket client = new Socket()) {
                client.connect(held.address(), 2000);
                assertThat(client.isConnected()).isTrue();
            }
            assertThatThrownBy(() -> plain.bind(held.address())).isInstanceOf(BindException.class);
        }
    }
}
