package org.v2vwrapper.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real OpenSSH server for tests: Debian's {@code /usr/sbin/sshd} (package openssh-server) on a free
 * 127.0.0.1 port, with its own host key, config and authorized_keys, all in a temp directory, run with
 * {@code -D -e} as a child of the test JVM and stopped by {@link #close()}.
 *
 * <p>It logs in the account {@value #USER}, created for the test when missing (needs root — CI runs as root;
 * otherwise the test is skipped through an assumption). The account is left in place afterwards: it is
 * harmless and other tests may be using it at the same time.
 *
 * <p>The client side: a key pair generated at test time ({@link #clientKey()}) and a temp {@link #home()} whose
 * {@code .ssh/config} maps the host names {@link #HOST_ALIAS} and {@link #HOST_ADDRESS} (what a fake cloud
 * reports as the conversion host's address) to 127.0.0.1 and this port, with a known_hosts that already holds
 * this server's host key. Run ssh with {@code HOME=home()} and {@code -F home()/.ssh/config}.
 */
public final class SshdHarness implements AutoCloseable {
    public static final String USER = "cloud-user";
    public static final String HOST_ALIAS = "conversion-host.test";
    public static final String HOST_ADDRESS = "127.0.0.2";
    private static final Path SSHD = Path.of("/usr/sbin/sshd");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path root;
    private final Path home;
    private final Path clientKey;
    private final int port;
    private final Process sshd;
    private final Path log;

    private SshdHarness(Path root, Path home, Path clientKey, int port, Process sshd, Path log) {
        this.root = root;
        this.home = home;
        this.clientKey = clientKey;
        this.port = port;
        this.sshd = sshd;
        this.log = log;
    }

    /** Starts sshd, or skips the calling test (assumption) when sshd is missing or we are not root. */
    public static SshdHarness start() throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(SSHD), "openssh-server is not installed (" + SSHD + ")");
        assumeTrue("root".equals(System.getProperty("user.name")),
                "the sshd harness needs root (to run sshd and create the " + USER + " account)");
        ensureUser();
        // World-readable where sshd reads as the user: authorized_keys is opened with the user's uid.
        Path root = Files.createTempDirectory("v2v-sshd-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        boolean ok = false;
        try {
            Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
            Path hostKey = root.resolve("ssh_host_ed25519_key");
            run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test-host", "-f", hostKey.toString()));
            Path home = root.resolve("home");
            Path dotSsh = home.resolve(".ssh");
            Files.createDirectories(dotSsh, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path clientKey = dotSsh.resolve("test_client_key");
            run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test-client", "-f", clientKey.toString()));
            Path authorized = root.resolve("authorized_keys");
            Files.copy(clientKey.resolveSibling("test_client_key.pub"), authorized);
            Files.setPosixFilePermissions(authorized, PosixFilePermissions.fromString("rw-r--r--"));

            int port = freePort();
            Path config = root.resolve("sshd_config");
            Files.writeString(config, String.join("\n",
                    "ListenAddress 127.0.0.1:" + port,
                    "HostKey " + hostKey,
                    "PidFile " + root.resolve("sshd.pid"),
                    "AuthorizedKeysFile " + authorized,
                    "StrictModes no",
                    "UsePAM no",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    "PermitRootLogin no",
                    "AllowUsers " + USER,
                    "AllowTcpForwarding yes",
                    "AllowStreamLocalForwarding yes",
                    "X11Forwarding no",
                    "Subsystem sftp internal-sftp",
                    "LogLevel VERBOSE",
                    ""));
            String hostPub = Files.readString(hostKey.resolveSibling("ssh_host_ed25519_key.pub")).trim();
            String[] keyParts = hostPub.split(" ");
            Files.writeString(dotSsh.resolve("known_hosts"),
                    "[127.0.0.1]:" + port + " " + keyParts[0] + " " + keyParts[1] + "\n");
            Files.writeString(dotSsh.resolve("config"), String.join("\n",
                    "Host " + HOST_ALIAS + " " + HOST_ADDRESS,
                    "    HostName 127.0.0.1",
                    "    Port " + port,
                    "    UserKnownHostsFile " + dotSsh.resolve("known_hosts"),
                    "    StrictHostKeyChecking yes",
                    ""));
            Path log = root.resolve("sshd.log");
            Process sshd = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            SshdHarness harness = new SshdHarness(root, home, clientKey, port, sshd, log);
            try {
                harness.awaitListening();
            } catch (IOException | RuntimeException e) {
                harness.close();
                throw e;
            }
            ok = true;
            return harness;
        } finally {
            if (!ok) {
                deleteTree(root);
            }
        }
    }

    public int port() {
        return port;
    }

    /** The temp HOME holding {@code .ssh/config}, {@code .ssh/known_hosts} and the client key pair. */
    public Path home() {
        return home;
    }

    public Path sshConfig() {
        return home.resolve(".ssh/config");
    }

    /** The client's private key (OpenSSH format, no passphrase); its public half is the only authorized key. */
    public Path clientKey() {
        return clientKey;
    }

    public String clientKeyText() throws IOException {
        return Files.readString(clientKey);
    }

    public long pid() {
        return sshd.pid();
    }

    public boolean isAlive() {
        return sshd.isAlive();
    }

    /** What sshd logged so far (for failure messages). */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }

    /**
     * The local addresses of every listening TCP socket on {@link #port()}, from /proc/net/tcp and tcp6
     * (e.g. {@code 127.0.0.1}), so that a test can prove nothing listens beyond loopback.
     */
    public List<String> listeningAddresses() throws IOException {
        return listeningAddresses(port);
    }

    public static List<String> listeningAddresses(int port) throws IOException {
        List<String> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 4 || !f[3].equals("0A")) { // 0A = TCP_LISTEN
                    continue;
                }
                String[] local = f[1].split(":");
                if (Integer.parseInt(local[1], 16) == port) {
                    out.add(decodeAddress(local[0]));
                }
            }
        }
        return out;
    }

    /** /proc/net/tcp writes addresses as host-order (little-endian) 32-bit words in hex. */
    private static String decodeAddress(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = word * 8 + (3 - i) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return java.net.InetAddress.getByAddress(bytes).getHostAddress().toLowerCase(Locale.ROOT);
        } catch (java.net.UnknownHostException e) {
            return hex;
        }
    }

    @Override
    public void close() {
        sshd.destroy();
        try {
            if (!sshd.waitFor(10, TimeUnit.SECONDS)) {
                sshd.destroyForcibly();
                sshd.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            sshd.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(root);
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!sshd.isAlive()) {
                throw new IOException("sshd exited with code " + sshd.exitValue() + ": " + log().strip());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("sshd did not listen on 127.0.0.1:" + port + " within "
                            + START_TIMEOUT.toSeconds() + " s: " + log().strip());
                }
                Thread.sleep(50);
            }
        }
    }

    /** Creates {@value #USER} if missing, with a usable shell and a "no password" (not locked) entry. */
    private static synchronized void ensureUser() throws IOException, InterruptedException {
        boolean exists = new ProcessBuilder("id", "-u", USER).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        if (!exists) {
            int rc = runRc(List.of("useradd", "--create-home", "--shell", "/bin/sh", USER));
            // 9: created meanwhile by a parallel test JVM
            if (rc != 0 && rc != 9) {
                throw new IOException("useradd " + USER + " exited with code " + rc);
            }
        }
        // Without PAM, sshd refuses accounts whose password field is locked ("!"), as useradd leaves it;
        // "*" means "no password login" without locking the account.
        run(List.of("usermod", "-p", "*", USER));
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        int rc = runRc(command);
        if (rc != 0) {
            throw new IOException(command.get(0) + " exited with code " + rc);
        }
    }

    private static int runRc(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command.get(0) + " did not finish within 60 s");
        }
        return p.exitValue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort in tests
        }
    }
}
