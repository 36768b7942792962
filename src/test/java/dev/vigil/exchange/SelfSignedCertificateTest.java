package dev.vigil.exchange;

import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ComponentTest
class SelfSignedCertificateTest {

    private final InetAddress loopback = InetAddress.getLoopbackAddress();
    private final SelfSignedCertificate cert =
            SelfSignedCertificate.create("ex1.demo.test", List.of(loopback, InetAddress.ofLiteral("::1")));

    @Test
    void namesTheServerAndSignsItself() throws Exception {
        X509Certificate c = cert.certificate();
        assertThat(c.getVersion()).isEqualTo(3);
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=ex1.demo.test");
        assertThat(c.getIssuerX500Principal()).isEqualTo(c.getSubjectX500Principal());
        assertThat(c.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "ex1.demo.test"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(c.getBasicConstraints()).isNotNegative(); // CA:true, so ca_file can trust it directly
        assertThat(c.getCriticalExtensionOIDs()).containsExactly("2.5.29.19");
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withECDSA");
        c.verify(c.getPublicKey());
        c.checkValidity(new Date());
        assertThat(c.getNotAfter().toInstant()).isAfter(c.getNotBefore().toInstant().plusSeconds(300 * 86400L));
    }

    @Test
    void pemReadsBackAsTheSameCertificate() throws Exception {
        Path pem = Files.createTempFile("vigil-cert", ".pem");
        try {
            cert.writePem(pem);
            assertThat(Files.readString(pem)).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
            try (InputStream in = Files.newInputStream(pem)) {
                assertThat(CertificateFactory.getInstance("X.509").generateCertificate(in)).isEqualTo(cert.certificate());
            }
        } finally {
            Files.delete(pem);
        }
    }

    @Test
    void servesTlsToAClientThatTrustsOnlyItAndChecksTheName() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", cert.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        try (SSLServerSocket server = (SSLServerSocket) cert.serverContext().getServerSocketFactory()
                .createServerSocket(0, 1, loopback)) {
            Thread.ofVirtual().start(() -> {
                try (var s = server.accept()) {
                    s.getOutputStream().write('x');
                } catch (Exception ignored) {
                    // the client's assertion reports it
                }
            });
            // Connected to the loopback address but named as the server: the DNS SAN must match.
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(
                    new Socket(loopback, server.getLocalPort()), "ex1.demo.test", server.getLocalPort(), true)) {
                var params = s.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(params);
                assertThat(s.getInputStream().read()).isEqualTo('x');
            }
        }
    }
}
