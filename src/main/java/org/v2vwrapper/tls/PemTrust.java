package org.v2vwrapper.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;

/**
 * A TLS context that trusts exactly the CA certificates of a PEM bundle (the oVirt engine's CA, OpenStack's
 * {@code OS_CACERT}). Callers read the file and word the errors for their own key.
 */
public final class PemTrust {
    private PemTrust() {
    }

    /** The X.509 certificates of a PEM bundle, in file order; empty when it holds none. */
    public static List<Certificate> certificates(byte[] pem) throws GeneralSecurityException {
        return List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem)));
    }

    /** A context whose only trust anchors are {@code anchors}. */
    public static SSLContext trusting(List<Certificate> anchors) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            // An empty in-memory key store reads nothing.
            throw new GeneralSecurityException(e);
        }
        int i = 0;
        for (Certificate cert : anchors) {
            store.setCertificateEntry("ca-" + i++, cert);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
