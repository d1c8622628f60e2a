package org.v2vwrapper.output.rhv;

import org.apache.http.client.config.CookieSpecs;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.config.Registry;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.DefaultHostnameVerifier;
import org.apache.http.conn.ssl.NoopHostnameVerifier;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.ovirt.engine.sdk4.Connection;
import org.ovirt.engine.sdk4.ConnectionBuilder;
import org.ovirt.engine.sdk4.HttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;

import javax.net.ssl.SSLContext;

/**
 * Opens authenticated connections to the oVirt engine with ovirt-engine-sdk-java.
 *
 * <p>The SDK's own HTTP client only knows a connect timeout, a trust store file and "insecure"; we plug in our
 * own client (the SDK's {@link ConnectionBuilder#createHttpClient()} extension point) that trusts exactly the
 * {@code --ca-bundle} PEM (read in memory, no temporary trust store), verifies the host name, bounds connect,
 * read and whole-request time, and logs redacted requests when {@code rhv_debug} is set.
 */
public class OvirtConnectionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(OvirtConnectionFactory.class);

    static {
        WireLogGuard.apply();
    }

    private final OvirtTimeouts timeouts;

    public OvirtConnectionFactory() {
        this(OvirtTimeouts.DEFAULT);
    }

    public OvirtConnectionFactory(OvirtTimeouts timeouts) {
        this.timeouts = timeouts;
    }

    public OvirtTimeouts timeouts() {
        return timeouts;
    }

    /**
     * Connects and logs in (gets the SSO token), so that a wrong URL, an untrusted certificate or a bad password
     * shows up here, as a {@link ConversionException} with a one-line message naming the engine URL.
     */
    public OvirtSession open(OvirtEndpoint endpoint) throws ConversionException {
        WireLogGuard.apply();
        Redactor redactor = new Redactor();
        redactor.addSecret(endpoint.password().reveal());
        SSLContext ssl = null;
        if (endpoint.isHttps()) {
            ssl = endpoint.insecure() ? TrustMaterial.trustingAnything()
                    : TrustMaterial.fromPemBundle(endpoint.caBundle());
        }
        LOG.info("connecting to the oVirt engine at {} as {} ({})", endpoint.apiUrl(), endpoint.user(),
                !endpoint.isHttps() ? "plain HTTP"
                        : endpoint.insecure() ? "certificate not verified: insecure_connection"
                        : "trusting " + endpoint.caBundle());
        Connection connection;
        try {
            connection = new Builder(ssl, endpoint, timeouts, redactor)
                    .url(endpoint.apiUrl())
                    .user(endpoint.user())
                    .password(endpoint.password().reveal())
                    .insecure(endpoint.insecure())
                    .timeout((int) timeouts.connect().toMillis())
                    .build();
        } catch (RuntimeException e) {
            throw OvirtErrors.toConversionException("cannot set up the connection to", endpoint, e);
        }
        OvirtSession session = new OvirtSession(connection, endpoint);
        try {
            connection.authenticate();
        } catch (RuntimeException e) {
            session.closeQuietly(false);
            throw OvirtErrors.toConversionException("cannot log in to", endpoint, e);
        }
        LOG.info("logged in to the oVirt engine at {} as {}", endpoint.apiUrl(), endpoint.user());
        return session;
    }

    /** The SDK's builder with our HTTP client. */
    private static final class Builder extends ConnectionBuilder {
        private final SSLContext ssl;
        private final OvirtEndpoint endpoint;
        private final OvirtTimeouts timeouts;
        private final Redactor redactor;

        Builder(SSLContext ssl, OvirtEndpoint endpoint, OvirtTimeouts timeouts, Redactor redactor) {
            this.ssl = ssl;
            this.endpoint = endpoint;
            this.timeouts = timeouts;
            this.redactor = redactor;
        }

        @Override
        protected HttpClient createHttpClient() {
            RegistryBuilder<ConnectionSocketFactory> sockets = RegistryBuilder.<ConnectionSocketFactory>create()
                    .register("http", PlainConnectionSocketFactory.getSocketFactory());
            if (ssl != null) {
                sockets.register("https", new SSLConnectionSocketFactory(ssl,
                        endpoint.insecure() ? NoopHostnameVerifier.INSTANCE : new DefaultHostnameVerifier()));
            }
            Registry<ConnectionSocketFactory> registry = sockets.build();
            // A pool, not the SDK's single connection: cleanup may run from the shutdown hook while the main
            // thread still waits for an answer.
            PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager(registry);
            pool.setMaxTotal(4);
            pool.setDefaultMaxPerRoute(4);
            int read = (int) timeouts.read().toMillis();
            pool.setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(read).build());
            int connect = (int) timeouts.connect().toMillis();
            RequestConfig config = RequestConfig.custom()
                    .setCookieSpec(CookieSpecs.IGNORE_COOKIES)
                    .setConnectTimeout(connect)
                    .setConnectionRequestTimeout(connect)
                    .setSocketTimeout(read)
                    .build();
            HttpClientBuilder builder = HttpClientBuilder.create()
                    .setConnectionManager(pool)
                    .setDefaultRequestConfig(config)
                    .disableContentCompression()
                    .disableAutomaticRetries()
                    .disableRedirectHandling();

            return new BoundedHttpClient(builder.build(), timeouts.request(), endpoint.debug(), redactor);
        }
    }
}
