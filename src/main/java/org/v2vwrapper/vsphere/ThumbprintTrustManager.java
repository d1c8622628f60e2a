package org.v2vwrapper.vsphere;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Trusts exactly the server certificate whose SHA-1 thumbprint is pinned (or any, when {@code pinned} is
 * {@code null}: {@code no_verify}). It extends {@link X509ExtendedTrustManager} on purpose: the JDK wraps a plain
 * {@code X509TrustManager} and then also checks the host name, which vCenter's self-signed certificates often fail;
 * the thumbprint already identifies the server.
 */
final class ThumbprintTrustManager extends X509ExtendedTrustManager {
    private final String pinned;

    private ThumbprintTrustManager(String pinned) {
        this.pinned = pinned;
    }

    /** An SSL context trusting the certificate with this thumbprint, or every certificate when it is {@code null}. */
    static SSLContext sslContext(String pinnedThumbprint) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new ThumbprintTrustManager(pinnedThumbprint)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** SHA-1 of the DER encoding as upper-case colon hex, the form vSphere shows. */
    static String thumbprint(X509Certificate cert) throws CertificateException {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(cert.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest).toUpperCase(Locale.ROOT);
        } catch (NoSuchAlgorithmException e) {
            throw new CertificateException("SHA-1 is not available", e);
        }
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the server sent no certificate");
        }
        if (pinned == null) {
            return;
        }
        String actual = thumbprint(chain[0]);
        if (!actual.equals(pinned)) {
            throw new CertificateException("server certificate thumbprint " + actual
                    + " does not match vmware_fingerprint " + pinned);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
