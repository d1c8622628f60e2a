package org.v2vwrapper.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.secrets.SshAgent;
import org.v2vwrapper.testing.SshdClient;
import org.v2vwrapper.testing.SshdHarness;

/** Against a real sshd ({@link SshdHarness}); the key reaches ssh only through the run's ssh-agent. */
class SshRunnerTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static SshdClient client;
    private static SshdHarness sshd;
    private static SshAgent agent;
    private static Path tmp;

    @BeforeAll
    static void startSshd() throws Exception {
        client = SshdClient.start("v2v-ssh-test-", "rwxr-xr-x");
        sshd = client.sshd();
        agent = client.agent();
        tmp = client.dir();
    }

    @AfterAll
    static void stopSshd() {
        if (client != null) {
            client.close();
        }
    }

    private static SshRunner runner() {
        return client.runner(Duration.ofSeconds(10));
    }

    @Test
    void usesTheConfigOfHomeAndTheAgentKey() throws Exception {
        SshRunner r = runner();
        List<String> argv = r.sshCommand(List.of(), "true");
        assertTrue(argv.containsAll(List.of("-F", sshd.sshConfig().toString())), argv.toString());
        assertTrue(argv.contains("BatchMode=yes"), argv.toString());
        assertEquals("cloud-user@" + SshdHarness.HOST_ADDRESS, argv.get(argv.size() - 2));
        SshResult res = r.run("checking ssh to the source conversion host", T, List.of("echo", "connected"));
        assertEquals("connected", res.stdout());
        assertEquals("cloud-user", r.run("who", T, List.of("id", "-un")).stdout());
    }

    @Test
    void withoutConfigFileTheHostNameIsNotMapped() {
        // A HOME without .ssh/config: no -F, so the fake address is not mapped to the harness's port.
        SshRunner r = new SshRunner(SshdHarness.HOST_ALIAS, new SshOptions("cloud-user", Optional.of(tmp),
                Optional.of(agent.socket()), Duration.ofSeconds(5)));
        assertFalse(r.sshCommand(List.of(), "true").contains("-F"));
        ConversionException e = assertThrows(ConversionException.class,
                () -> r.run("checking ssh", T, List.of("true")));
        assertTrue(e.getMessage().startsWith("checking ssh: ssh cloud-user@" + SshdHarness.HOST_ALIAS + " failed"),
                e.getMessage());
    }

    @Test
    void argumentsArriveExactlyAsGiven() throws Exception {
        List<String> words = List.of("a b", "it's", "$HOME", "x;y", "*", "");
        List<String> cmd = new java.util.ArrayList<>(List.of("printf", "[%s]\\n"));
        cmd.addAll(words);
        String out = runner().run("quoting", T, cmd).stdout();
        assertEquals("[a b]\n[it's]\n[$HOME]\n[x;y]\n[*]\n[]", out);
    }

    @Test
    void inputGoesToTheRemoteStdin() throws Exception {
        byte[] json = "{\"nbd_export_only\": {\"/dev/vdb\": 10809}}".getBytes(StandardCharsets.UTF_8);
        assertEquals(new String(json, StandardCharsets.UTF_8), runner().run("upload", T, List.of("cat"), json).stdout());
    }

    @Test
    void failureIsOneLineNamingStepCommandCodeAndStderr() {
        ConversionException e = assertThrows(ConversionException.class, () -> runner().run("finding the device", T,
                List.of("sh", "-c", "echo first >&2; echo 'no such disk' >&2; exit 3")));
        assertEquals("finding the device: `sh -c 'echo first >&2; echo '\\''no such disk'\\'' >&2; exit 3'` on cloud-user@"
                + SshdHarness.HOST_ADDRESS + " exited with code 3: no such disk", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void executeReturnsTheExitCode() throws Exception {
        SshResult r = runner().execute("test -f", T, List.of("test", "-f", "/nonexistent/nbdready"), null);
        assertEquals(1, r.exitCode());
    }

    @Test
    void perCommandTimeout() {
        ConversionException e = assertThrows(ConversionException.class,
                () -> runner().run("waiting", Duration.ofSeconds(2), List.of("sleep", "60")));
        assertEquals("waiting: no answer from cloud-user@" + SshdHarness.HOST_ADDRESS + " within 2 s (`sleep 60`)",
                e.getMessage());
    }

    @Test
    void withoutTheKeySshFailsWithAPermissionError() throws Exception {
        SshRunner r = new SshRunner(SshdHarness.HOST_ADDRESS, new SshOptions("cloud-user", Optional.of(sshd.home()),
                Optional.of(tmp.resolve("no-agent.sock")), Duration.ofSeconds(5)));
        // IdentityFile none: ssh must not find the harness key next to the config either
        ConversionException e = assertThrows(ConversionException.class, () -> r.run("checking ssh", T,
                List.of("true")));
        assertTrue(e.getMessage().startsWith("checking ssh: ssh cloud-user@" + SshdHarness.HOST_ADDRESS + " failed: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("Permission denied"), e.getMessage());
    }

    @Test
    void refusesAddressesThatLookLikeOptions() {
        assertThrows(IllegalArgumentException.class, () -> new SshRunner("-oProxyCommand=x", SshOptions.defaults(Optional.empty())));
    }

    @Test
    void tcpTunnelReachesARemoteLoopbackServiceAndListensOnlyOnLoopback() throws Exception {
        try (ServerSocket remoteService = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread server = serveGreeting(remoteService);
            SshTunnel tunnel = runner().forward("opening the export tunnel",
                    new Forward.Tcp(0, remoteService.getLocalPort()), T, local -> greets(local));
            int port = tunnel.localPort();
            try {
                assertTrue(port > 0);
                assertEquals(List.of("127.0.0.1"), SshdHarness.listeningAddresses(port));
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    assertEquals("hello", new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
                }
            } finally {
                tunnel.close();
                server.interrupt();
            }
            assertFalse(tunnel.isAlive());
            assertEquals(List.of(), SshdHarness.listeningAddresses(port));
        }
    }

    @Test
    void unixSocketTunnel() throws Exception {
        Path remoteSocket = tmp.resolve("remote.sock");
        Path localSocket = tmp.resolve("local.sock");
        try (ServerSocketChannel remote = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            remote.bind(UnixDomainSocketAddress.of(remoteSocket));
            // sshd connects as cloud-user
            Files.setPosixFilePermissions(remoteSocket, PosixFilePermissions.fromString("rwxrwxrwx"));
            Thread server = new Thread(() -> {
                while (true) {
                    try (SocketChannel c = remote.accept()) {
                        c.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            server.setDaemon(true);
            server.start();
            try (SshTunnel tunnel = runner().forward("unix tunnel", new Forward.Unix(localSocket, remoteSocket.toString()),
                    T, SshRunnerTest::greets)) {
                assertEquals(-1, tunnel.localPort());
                try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(localSocket))) {
                    InputStream in = Channels.newInputStream(c);
                    assertEquals("hello", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
                }
            }
            assertFalse(Files.exists(localSocket), "the local socket was left behind");
        }
    }

    @Test
    void tunnelWhoseFarSideNeverAnswersTimesOut() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ConversionException e = assertThrows(ConversionException.class, () -> runner().forward("opening the export tunnel",
                new Forward.Tcp(0, closedPort), Duration.ofSeconds(2), SshRunnerTest::greets));
        assertTrue(e.getMessage().startsWith("opening the export tunnel: the ssh tunnel to cloud-user@"
                + SshdHarness.HOST_ADDRESS + " was not ready within 2 s"), e.getMessage());
    }

    @Test
    void tunnelWhoseLocalPortIsTakenFailsAtOnce() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ConversionException e = assertThrows(ConversionException.class, () -> runner().forward("tunnel",
                    new Forward.Tcp(taken.getLocalPort(), 22), T, null));
            assertTrue(e.getMessage().contains("exited with code 255"), e.getMessage());
        }
    }

    private static boolean greets(java.net.SocketAddress local) throws java.io.IOException {
        try (SocketChannel c = SocketChannel.open(local instanceof UnixDomainSocketAddress
                ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET)) {
            c.connect(local);
            ByteBuffer b = ByteBuffer.allocate(5);
            while (b.hasRemaining()) {
                if (c.read(b) < 0) {
                    return false;
                }
            }
            return new String(b.array(), StandardCharsets.US_ASCII).equals("hello");
        }
    }

    private static Thread serveGreeting(ServerSocket server) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    out.write("hello".getBytes(StandardCharsets.US_ASCII));
                } catch (Exception e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }
}
