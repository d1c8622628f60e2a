package org.v2vwrapper.vsphere.fake;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A self-signed server certificate made at test time with the JDK's {@code keytool} (one per test JVM, removed at
 * exit), so the client's thumbprint pinning is checked against a real TLS handshake. It names
 * {@code fake-vcenter.test} only, not 127.0.0.1 where the fake listens, as many vCenter certificates do not name
 * the address they are reached by: the pinned thumbprint alone must be enough.
 */
final class FakeCertificate {
    private static final String PASSWORD = "changeit";
    private static FakeCertificate shared;

    private final Path store;
    private final String thumbprint;

    private FakeCertificate(Path store, String thumbprint) {
        this.store = store;
        this.thumbprint = thumbprint;
    }

    static synchronized FakeCertificate shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("v2v-fake-vsphere-cert-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                Path store = dir.resolve("server.p12");
                keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                        "-validity", "3", "-dname", "CN=fake-vcenter.test", "-ext", "SAN=dns:fake-vcenter.test",
                        "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                        "-keypass", PASSWORD);
                shared = new FakeCertificate(store, sha1(load(store).getCertificate("server")));
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot make the fake vSphere certificate: " + e.getMessage(), e);
            }
        }
        return shared;
    }

    /** The SHA-1 thumbprint, upper-case colon hex, as vSphere shows it. */
    String thumbprint() {
        return thumbprint;
    }

    SSLContext serverContext() {
        try {
            KeyStore ks = load(store);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASSWORD.toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the fake vSphere key store", e);
        }
    }

    private static KeyStore load(Path store) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            return ks;
        }
    }

    private static String sha1(Certificate cert) throws GeneralSecurityException {
        return HexFormat.ofDelimiter(":").withUpperCase()
                .formatHex(MessageDigest.getInstance("SHA-1").digest(cert.getEncoded()));
    }

    private static void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
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
                throw new IOException("keytool failed: " + new String(out, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort at JVM exit
        }
    }
}
