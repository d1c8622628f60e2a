package org.v2vwrapper.remote;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;

/**
 * One {@code ssh -N -L} forwarding, local loopback (or a local Unix socket) to the remote host's loopback, so that
 * an export bound to 127.0.0.1 on the conversion host is reachable here and nowhere else.
 * {@code ExitOnForwardFailure} makes ssh exit when the local end cannot be bound, and ServerAlive probes make a
 * dead link end it instead of hanging. {@link #close()} stops ssh (TERM, then KILL).
 */
public final class SshTunnel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SshTunnel.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final int TAIL_LINES = 10;
    private static final String READY_MARKER = "v2v-tunnel-forwards-up";

    /** Whether the far side answers through the tunnel (e.g. an NBD handshake); false or an exception: not yet. */
    @FunctionalInterface
    public interface Probe {
        boolean ready(SocketAddress local) throws IOException;
    }

    private final String step;
    private final Forward forward;
    private final SocketAddress local;
    private final Process process;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private volatile boolean forwardsUp;
    private boolean closed;

    private SshTunnel(String step, Forward forward, SocketAddress local, Process process) {
        this.step = step;
        this.forward = forward;
        this.local = local;
        this.process = process;
    }

    static SshTunnel open(SshRunner runner, String step, Forward requested, Duration readyTimeout, Probe probe)
            throws ConversionException {
        Forward forward = requested;
        String spec;
        SocketAddress local;
        if (requested instanceof Forward.Tcp tcp) {
            int port = tcp.localPort() == 0 ? freePort(step) : tcp.localPort();
            forward = new Forward.Tcp(port, tcp.remotePort());
            spec = "127.0.0.1:" + port + ":127.0.0.1:" + tcp.remotePort();
            local = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        } else {
            Forward.Unix unix = (Forward.Unix) requested;
            spec = unix.localSocket() + ":" + unix.remoteSocket();
            local = UnixDomainSocketAddress.of(unix.localSocket());
        }
        List<String> argv = runner.sshCommand(List.of("-N", "-T",
                "-o", "ExitOnForwardFailure=yes",
                "-o", "StreamLocalBindUnlink=yes",
                "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
                // ssh runs the LocalCommand after it has set up the forwards (a bind failure has made it exit
                // before): so a connect that succeeds is not someone else's listener on a port taken meanwhile.
                "-o", "PermitLocalCommand=yes", "-o", "LocalCommand=echo " + READY_MARKER,
                "-L", spec), null);
        LOG.info("{}: opening the tunnel {} through {}", step, spec, runner.destination());
        Process p = runner.start(step, argv, true, false);
        SshTunnel tunnel = new SshTunnel(step, forward, local, p);
        tunnel.forwardStderr();
        try {
            tunnel.awaitReady(runner, readyTimeout, probe);
            return tunnel;
        } catch (ConversionException | RuntimeException e) {
            tunnel.close();
            throw e;
        }
    }

    public Forward forward() {
        return forward;
    }

    /** The local end: 127.0.0.1:port or the local socket. */
    public SocketAddress localAddress() {
        return local;
    }

    /** The local TCP port, or -1 for a Unix-socket forward. */
    public int localPort() {
        return forward instanceof Forward.Tcp tcp ? tcp.localPort() : -1;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    private void awaitReady(SshRunner runner, Duration timeout, Probe probe) throws ConversionException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "";
        while (true) {
            if (!process.isAlive()) {
                throw new ConversionException(step + ": the ssh tunnel to " + runner.destination() + " exited with code "
                        + exitCode() + tail());
            }
            if (!forwardsUp) {
                lastProblem = "ssh has not set up the forwarding";
            } else if (connects()) {
                try {
                    if (probe == null || probe.ready(local)) {
                        LOG.info("{}: tunnel ready at {}", step, local);
                        return;
                    }
                    lastProblem = "the far side does not answer yet";
                } catch (IOException e) {
                    lastProblem = e.getMessage();
                }
            } else {
                lastProblem = "the local end does not accept connections";
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ConversionException(step + ": the ssh tunnel to " + runner.destination()
                        + " was not ready within " + SshRunner.seconds(timeout) + ": " + lastProblem + tail());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConversionException(step + ": interrupted while waiting for the ssh tunnel");
            }
        }
    }

    private boolean connects() {
        try (SocketChannel ch = SocketChannel.open(local instanceof UnixDomainSocketAddress
                ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET)) {
            if (local instanceof UnixDomainSocketAddress u && !Files.exists(u.getPath())) {
                return false;
            }
            ch.connect(local);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String exitCode() {
        try {
            process.waitFor(1, TimeUnit.SECONDS);
            return process.isAlive() ? "?" : Integer.toString(process.exitValue());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private String tail() {
        synchronized (stderrTail) {
            return stderrTail.isEmpty() ? "" : " (" + String.join(" / ", stderrTail) + ")";
        }
    }

    private void forwardStderr() {
        Thread out = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.equals(READY_MARKER)) {
                        forwardsUp = true;
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "ssh-tunnel-stdout");
        out.setDaemon(true);
        out.start();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    LOG.info("[ssh tunnel {}] {}", step, line);
                    synchronized (stderrTail) {
                        if (stderrTail.size() == TAIL_LINES) {
                            stderrTail.removeFirst();
                        }
                        stderrTail.addLast(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "ssh-tunnel-stderr");
        t.setDaemon(true);
        t.start();
    }

    private static int freePort(String step) throws ConversionException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new ConversionException(step + ": no free local port for the ssh tunnel: " + e.getMessage(), e);
        }
    }

    /** Stops ssh (TERM, then KILL) and removes a local socket. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (forward instanceof Forward.Unix unix) {
            try {
                Files.deleteIfExists(unix.localSocket());
            } catch (IOException e) {
                LOG.debug("cannot remove {}: {}", unix.localSocket(), e.toString());
            }
        }
        LOG.info("{}: tunnel {} closed", step, local);
    }

    @Override
    public String toString() {
        return "ssh tunnel " + local + " (pid " + process.pid() + ")";
    }
}
