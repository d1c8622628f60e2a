package org.v2vwrapper.osp2osp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.nbd.NbdConnection;
import org.v2vwrapper.remote.Forward;
import org.v2vwrapper.remote.SshOptions;
import org.v2vwrapper.remote.SshRunner;
import org.v2vwrapper.remote.SshTunnel;
import org.v2vwrapper.request.Secret;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.secrets.SshAgent;
import org.v2vwrapper.testing.SshdHarness;

/**
 * The "plain nbdkit over ssh" export end to end against the real sshd: nbdkit started over ssh as cloud-user on
 * the remote loopback, reached through an {@code ssh -L} tunnel whose readiness is an NBD handshake, the bytes
 * read through it equal the disk's, and everything stops.
 */
class RemoteNbdExportTest {
    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void exportOverSshTunnel() throws Exception {
        Path dir = Files.createTempDirectory("v2v-remote-export-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try (SshdHarness sshd = SshdHarness.start(); Cleanup cleanup = new Cleanup()) {
            SecretStore secrets = SecretStore.create(dir);
            cleanup.register("secrets", secrets::close);
            SshAgent agent = SshAgent.start(cleanup);
            agent.addKey(Optional.of(new Secret(sshd.clientKeyText())), secrets);
            SshRunner ssh = new SshRunner(SshdHarness.HOST_ADDRESS,
                    SshOptions.defaults(Optional.of(agent.socket())).withHome(sshd.home()));

            byte[] data = new byte[2 << 20];
            new Random(7).nextBytes(data);
            Path disk = dir.resolve("disk.img");
            Files.write(disk, data);
            Files.setPosixFilePermissions(disk, PosixFilePermissions.fromString("rw-r--r--"));
            int remotePort;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                remotePort = s.getLocalPort();
            }

            String tmp = ssh.run("creating the remote work directory", T, List.of("mktemp", "-d", "-t", "v2v-XXXXXX"))
                    .stdout();
            String pidFile = tmp + "/nbdkit.pid";
            // Before nbdkit runs, a tunnel with an NBD probe is not ready (ssh itself accepts locally).
            ConversionException early = assertThrows(ConversionException.class, () -> ssh.forward("exporting",
                    new Forward.Tcp(0, remotePort), Duration.ofSeconds(2), NbdProbe.handshake()));
            assertTrue(early.getMessage().contains("was not ready within 2 s"), early.getMessage());

            ssh.run("starting nbdkit on the source conversion host", T, List.of("sh", "-c",
                    "exec nbdkit --readonly -i 127.0.0.1 -p " + remotePort + " -P " + pidFile + " file "
                            + disk + " </dev/null >/dev/null 2>&1"));
            try (SshTunnel tunnel = ssh.forward("exporting", new Forward.Tcp(0, remotePort), T, NbdProbe.handshake())) {
                assertEquals(List.of("127.0.0.1"), SshdHarness.listeningAddresses(remotePort));
                assertEquals(List.of("127.0.0.1"), SshdHarness.listeningAddresses(tunnel.localPort()));
                try (NbdConnection c = NbdConnection.open(NbdProbe.uri(tunnel.localAddress()), T, T)) {
                    assertTrue(c.export().readOnly());
                    assertEquals(data.length, c.export().size());
                    ByteBuffer buf = ByteBuffer.allocate(65536);
                    c.read(1 << 20, buf).get(30, TimeUnit.SECONDS);
                    assertArrayEquals(java.util.Arrays.copyOfRange(data, 1 << 20, (1 << 20) + 65536), buf.array());
                }
            } finally {
                ssh.run("stopping nbdkit", T, List.of("sh", "-c", "kill $(cat " + pidFile + ")"));
                ssh.run("removing the remote work directory", T, List.of("rm", "-rf", tmp));
            }
            for (int i = 0; i < 100 && !SshdHarness.listeningAddresses(remotePort).isEmpty(); i++) {
                Thread.sleep(50);
            }
            assertEquals(List.of(), SshdHarness.listeningAddresses(remotePort), "remote nbdkit still listens");
            assertFalse(Files.exists(Path.of(tmp)));
        } finally {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
