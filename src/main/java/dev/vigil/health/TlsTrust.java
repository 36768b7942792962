package dev.vigil.health;

import org.jspecify.annotations.Nullable;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TLS contexts for checkers. keepalived's SSL_GET does not verify the server's certificate, and neither
 * do Vigil's checkers by default (back ends often carry self-signed or internal certificates); with
 * Vigil's {@code ca_file} the chain must lead to a certificate in that file.
 */
final class TlsTrust {

    private static final Map<Path, SSLContext> BY_CA = new ConcurrentHashMap<>();
    private static volatile @Nullable SSLContext unverified;

    private TlsTrust() {}

    static SSLContext unverified() {
        SSLContext c = unverified;
        if (c == null) {
            try {
                c = SSLContext.getInstance("TLS");
                c.init(null, new TrustManager[] {new AcceptAny()}, null);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("TLS unavailable: " + e.getMessage(), e);
            }
            unverified = c;
        }
        return c;
    }

    /** A context trusting only the certificates in {@code caFile} (PEM or DER, one or more). */
    static SSLContext verifiedBy(Path caFile) throws IOException {
        SSLContext cached = BY_CA.get(caFile);
        if (cached != null) return cached;
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, cert);
            }
            if (i == 0) throw new IOException("no certificate in ca_file " + caFile);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, tmf.getTrustManagers(), null);
            BY_CA.put(caFile, c);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use ca_file " + caFile + ": " + e.getMessage(), e);
        }
    }

    private static final class AcceptAny implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // not a server
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // keepalived's behaviour: any certificate is accepted
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
