package org.v2vwrapper.output.osp;

import org.v2vwrapper.tls.PemTrust;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;

import javax.net.ssl.SSLContext;
import java.util.List;

import org.openstack4j.core.transport.Config;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.OspDestination;

/**
 * The two OpenStack sessions of an OpenStack conversion, made on first use and then shared by all threads:
 * one scoped to the conversion host's project (from {@code osp_environment}: virt-v2v creates the volumes there)
 * and one scoped to {@code osp_destination_project_id} (where the volumes go and the instance is created).
 * Both use the same user and password.
 */
public class OspClients implements AutoCloseable {
    private final OspCredentials credentials;
    private final String destinationProjectId;
    private final OspTimeouts timeouts;
    private OspSession conversionProject;
    private OspSession destinationProject;
    private Config config;
    private boolean closed;

    public OspClients(OspCredentials credentials, String destinationProjectId, OspTimeouts timeouts) {
        this.credentials = credentials;
        this.destinationProjectId = destinationProjectId;
        this.timeouts = timeouts;
    }

    public static OspClients forRequest(OspDestination osp, boolean insecure, OspTimeouts timeouts)
            throws ConversionException {
        return new OspClients(OspCredentials.from(osp.environment(), insecure), osp.destinationProjectId(), timeouts);
    }

    public OspCredentials credentials() {
        return credentials;
    }

    public OspTimeouts timeouts() {
        return timeouts;
    }

    /** The session in the conversion host's project (where virt-v2v's volumes are created). */
    public synchronized OspSession conversionProject() throws ConversionException {
        if (conversionProject == null) {
            checkOpen();
            conversionProject = new OspSession("the conversion host's project", credentials, credentials.project(),
                    config(), timeouts);
        }
        return conversionProject;
    }

    /** The session in {@code osp_destination_project_id}. */
    public synchronized OspSession destinationProject() throws ConversionException {
        if (destinationProject == null) {
            checkOpen();
            destinationProject = new OspSession("destination project " + destinationProjectId, credentials,
                    OspCredentials.Ref.byId(destinationProjectId), config(), timeouts);
        }
        return destinationProject;
    }

    public String destinationProjectId() {
        return destinationProjectId;
    }

    private void checkOpen() throws ConversionException {
        if (closed) {
            throw new ConversionException("the OpenStack connections are already closed");
        }
    }

    private Config config() throws ConversionException {
        if (config == null) {
            config = configFor(credentials, timeouts);
        }
        return config;
    }

    /** The HTTP settings of every session: timeouts, TLS verification or the CA bundle. */
    static Config configFor(OspCredentials credentials, OspTimeouts timeouts) throws ConversionException {
        Config c = Config.newConfig()
                .withConnectionTimeout(millis(timeouts.connect()))
                .withReadTimeout(millis(timeouts.read()));
        if (credentials.insecure()) {
            c = c.withSSLVerificationDisabled();
        } else if (credentials.caCert().isPresent()) {
            c = c.withSSLContext(sslContext(credentials.caCert().get()));
        }
        return c;
    }

    /**
     * A session of its own in another cloud (the OpenStack to OpenStack source), made the same way as the
     * destination's; the caller closes it.
     */
    public static OspSession session(String label, OspCredentials credentials, OspTimeouts timeouts)
            throws ConversionException {
        return new OspSession(label, credentials, credentials.project(), configFor(credentials, timeouts), timeouts);
    }

    private static int millis(java.time.Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    /** Trusts exactly the certificates of the PEM bundle {@code OS_CACERT}. */
    static SSLContext sslContext(Path bundle) throws ConversionException {
        try {
            List<Certificate> certs = PemTrust.certificates(Files.readAllBytes(bundle));
            if (certs.isEmpty()) {
                throw new ConversionException("osp_environment: OS_CACERT " + bundle + " holds no certificate");
            }
            return PemTrust.trusting(certs);
        } catch (IOException e) {
            throw new ConversionException("osp_environment: cannot read OS_CACERT " + bundle + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new ConversionException("osp_environment: OS_CACERT " + bundle + " is not a PEM certificate bundle: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (destinationProject != null) {
            destinationProject.close();
        }
        if (conversionProject != null) {
            conversionProject.close();
        }
    }
}
