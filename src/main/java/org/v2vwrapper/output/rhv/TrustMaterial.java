package org.v2vwrapper.output.rhv;

import org.v2vwrapper.tls.PemTrust;
import java.util.List;

import org.v2vwrapper.ConversionException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/** TLS contexts for the engine: one that trusts exactly the CAs of a PEM bundle, and one that trusts anything. */
final class TrustMaterial {

    private TrustMaterial() {
    }

    /** An SSL context whose only trust anchors are the certificates in the PEM file {@code caBundle}. */
    static SSLContext fromPemBundle(Path caBundle) throws ConversionException {
        byte[] pem;
        try {
            pem = Files.readAllBytes(caBundle);
        } catch (NoSuchFileException e) {
            throw new ConversionException("the CA bundle " + caBundle + " does not exist (set --ca-bundle, or"
                    + " insecure_connection to skip certificate checks)", e);
        } catch (IOException e) {
            throw new ConversionException("cannot read the CA bundle " + caBundle + ": " + e.getMessage(), e);
        }
        try {
            List<Certificate> certs = PemTrust.certificates(pem);
            if (certs.isEmpty()) {
                throw new ConversionException("the CA bundle " + caBundle + " holds no certificate");
            }
            return PemTrust.trusting(certs);
        } catch (GeneralSecurityException e) {
            throw new ConversionException("the CA bundle " + caBundle + " is not a valid PEM certificate file: "
                    + e.getMessage(), e);
        }
    }

    /** An SSL context that accepts any certificate ({@code insecure_connection}). */
    static SSLContext trustingAnything() throws ConversionException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAll()}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new ConversionException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
