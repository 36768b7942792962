package dev.vigil.linux;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NativeExceptionTest {
    @Test
    void permissionDeniedNamesTheCapabilitiesAndLibcText() {
        NativeException e = new NativeException("socket(AF_INET, SOCK_RAW, 112)", "eth0", Errno.EPERM);
        assertThat(e.getMessage())
                .startsWith("socket(AF_INET, SOCK_RAW, 112) for eth0 failed: Operation not permitted (EPERM).")
                .contains("root", "CAP_NET_RAW", "CAP_NET_ADMIN");
        assertThat(e.isPermissionDenied()).isTrue();
        assertThat(e.errno()).isEqualTo(1);
    }

    @Test
    void missingInterfaceSaysSo() {
        NativeException e = new NativeException("if_nametoindex", "interface 'eth9'", Errno.ENODEV);
        assertThat(e.getMessage()).contains("interface 'eth9'", "No such device (ENODEV)", "does not exist", "ip link");
        assertThat(e.isPermissionDenied()).isFalse();
    }

    @Test
    void otherErrorsKeepLibcTextAndName() {
        assertThat(NativeException.message("bind", "", Errno.EINVAL, "Invalid argument"))
                .isEqualTo("bind failed: Invalid argument (EINVAL).");
        assertThat(Errno.name(4242)).isEqualTo("errno 4242");
        assertThat(Errno.describe(Errno.EEXIST)).isEqualTo("File exists");
    }

    @Test
    void otherOperatingSystemsGetAPlainSentence() {
        assertThat(LinuxPlatform.isLinux("Linux")).isTrue();
        assertThat(LinuxPlatform.isLinux("Windows Server 2022")).isFalse();
        assertThat(LinuxPlatform.unsupportedMessage("Windows Server 2022", "amd64"))
                .startsWith("Vigil's VRRP (raw sockets, rtnetlink, gratuitous ARP) needs Linux; this is Windows Server 2022 amd64.");
    }
}
