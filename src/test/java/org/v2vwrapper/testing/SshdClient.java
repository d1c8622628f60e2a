package org.v2vwrapper.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.remote.SshOptions;
import org.v2vwrapper.remote.SshRunner;
import org.v2vwrapper.request.Secret;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.secrets.SshAgent;

/**
 * The test sshd ({@link SshdHarness}) with the wrapper's client side as a run sets it up: a secret store in a temp
 * directory, an ssh-agent holding the client key (the only way the key reaches ssh), and runners for
 * {@value SshdHarness#USER}. {@link #close()} stops the agent and sshd and removes the directory.
 */
public final class SshdClient implements AutoCloseable {
    private final SshdHarness sshd;
    private final Cleanup cleanup;
    private final SshAgent agent;
    private final Path dir;

    private SshdClient(SshdHarness sshd, Cleanup cleanup, SshAgent agent, Path dir) {
        this.sshd = sshd;
        this.cleanup = cleanup;
        this.agent = agent;
        this.dir = dir;
    }

    /**
     * Starts sshd (or skips the calling test, see {@link SshdHarness#start()}) and the agent; {@code dirMode} is the
     * temp directory's mode (world-readable or -writable where cloud-user must reach files in it).
     */
    public static SshdClient start(String dirPrefix, String dirMode) throws Exception {
        SshdHarness sshd = SshdHarness.start();
        Cleanup cleanup = new Cleanup();
        try {
            Path dir = Files.createTempDirectory(dirPrefix);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(dirMode));
            cleanup.register("the test directory", () -> removeTree(dir));
            SecretStore secrets = SecretStore.create(dir);
            cleanup.register("secrets", secrets::close);
            SshAgent agent = SshAgent.start(cleanup);
            agent.addKey(Optional.of(new Secret(sshd.clientKeyText())), secrets);
            return new SshdClient(sshd, cleanup, agent, dir);
        } catch (Exception | Error e) {
            cleanup.close();
            sshd.close();
            throw e;
        }
    }

    public SshdHarness sshd() {
        return sshd;
    }

    public SshAgent agent() {
        return agent;
    }

    /** The temp directory (removed by {@link #close()}). */
    public Path dir() {
        return dir;
    }

    /** A runner for cloud-user on {@link SshdHarness#HOST_ADDRESS}. */
    public SshRunner runner(Duration connectTimeout) {
        return runner(SshdHarness.HOST_ADDRESS, connectTimeout);
    }

    public SshRunner runner(String address, Duration connectTimeout) {
        return new SshRunner(address, new SshOptions(SshdHarness.USER, Optional.of(sshd.home()),
                Optional.of(agent.socket()), connectTimeout));
    }

    /**
     * Work directories cloud-user made on "the remote host" (this host's /tmp) with {@code mktemp -d -t v2v-XXXXXX}
     * at or after {@code sinceMillis}; older ones (other tests') are not counted.
     */
    public static List<Path> remoteWorkDirectories(long sinceMillis) throws IOException {
        try (var s = Files.list(Path.of("/tmp"))) {
            return s.filter(p -> p.getFileName().toString().matches("v2v-[A-Za-z0-9]{6}")).filter(p -> {
                try {
                    return SshdHarness.USER.equals(Files.getOwner(p).getName())
                            && Files.getLastModifiedTime(p).toMillis() >= sinceMillis;
                } catch (IOException e) {
                    return false; // gone meanwhile
                }
            }).toList();
        }
    }

    private static void removeTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() {
        try {
            cleanup.close();
        } finally {
            sshd.close();
        }
    }
}
