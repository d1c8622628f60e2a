package org.v2vwrapper.output.rhv.fake;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away certificate authority for tests, made with the JDK's {@code keytool}: a CA certificate (PEM, for
 * {@code --ca-bundle}) and a server key and certificate signed by it for {@code localhost} and {@code 127.0.0.1}
 * (a PKCS12 key store for the fake engine).
 */
public final class TestCa {
    public static final String STORE_PASSWORD = "changeit";

    private final Path dir;
    private final Path caPem;
    private final Path serverStore;

    private TestCa(Path dir, Path caPem, Path serverStore) {
        this.dir = dir;
        this.caPem = caPem;
        this.serverStore = serverStore;
    }

    /**
     * A new CA called {@code name} in {@code dir} with a server certificate whose subject alternative names are
     * {@code sans} (keytool syntax, e.g. {@code dns:localhost,ip:127.0.0.1}).
     */
    public static TestCa create(Path dir, String name, String sans) throws IOException {
        Files.createDirectories(dir);
        Path caStore = dir.resolve("ca.p12");
        Path caPem = dir.resolve("ca.pem");
        Path serverStore = dir.resolve("server.p12");
        Path csr = dir.resolve("server.csr");
        Path serverPem = dir.resolve("server.pem");
        String pw = STORE_PASSWORD;
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3",
                "-dname", "CN=" + name, "-ext", "bc:c", "-ext", "KeyUsage=keyCertSign,cRLSign",
                "-keystore", caStore.toString(), "-storetype", "PKCS12", "-storepass", pw, "-keypass", pw);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-storepass", pw,
                "-file", caPem.toString());
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3",
                "-dname", "CN=localhost", "-keystore", serverStore.toString(), "-storetype", "PKCS12",
                "-storepass", pw, "-keypass", pw);
        keytool("-certreq", "-alias", "server", "-keystore", serverStore.toString(), "-storepass", pw,
                "-file", csr.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-storepass", pw,
                "-infile", csr.toString(), "-outfile", serverPem.toString(), "-validity", "3",
                "-ext", "SAN=" + sans, "-ext", "ExtendedKeyUsage=serverAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(),
                "-keystore", serverStore.toString(), "-storepass", pw);
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", serverPem.toString(),
                "-keystore", serverStore.toString(), "-storepass", pw);
        return new TestCa(dir, caPem, serverStore);
    }

    private static volatile TestCa shared;

    /** One CA for the whole test JVM (keytool is slow), with a server certificate for localhost/127.0.0.1. */
    public static synchronized TestCa shared() throws IOException {
        if (shared == null) {
            Path dir = Files.createTempDirectory("v2v-test-ca-");
            dir.toFile().deleteOnExit();
            shared = create(dir, "v2v-wrapper test CA", "dns:localhost,ip:127.0.0.1");
        }
        return shared;
    }

    /** The CA certificate in PEM form: what {@code --ca-bundle} points at. */
    public Path caPem() {
        return caPem;
    }

    public Path directory() {
        return dir;
    }

    /** A server-side SSL context presenting the server certificate (and the CA certificate as its chain). */
    public SSLContext serverContext() throws IOException {
        try (InputStream in = Files.newInputStream(serverStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, STORE_PASSWORD.toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, STORE_PASSWORD.toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load the test server key store", e);
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // keytool is a JVM per call: start it the cheap way
        cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xshare:auto"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool timed out");
            }
            if (p.exitValue() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + new String(out, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
