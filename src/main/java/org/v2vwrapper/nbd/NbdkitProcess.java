package org.v2vwrapper.nbd;

import org.v2vwrapper.lifecycle.Children;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.request.Secret;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One nbdkit serving one disk read-only on a Unix socket in a private 0700 directory, which also holds its
 * pidfile and, until nbdkit has read it, the 0600 password file.
 *
 * <p>{@link #stop()} (TERM, then KILL) runs on every exit path: close(), a failed start, and the run's
 * {@code Cleanup} (or, stand-alone, JVM shutdown via {@link NbdkitRegistry}).
 */
public final class NbdkitProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdkitProcess.class);
    private static final Logger NBDKIT_LOG = LoggerFactory.getLogger("org.v2vwrapper.nbd.nbdkit");
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final int TAIL_LINES = 20;

    /**
     * nbdkit's --exit-with-parent uses PR_SET_PDEATHSIG, which fires when the *thread* that started it ends.
     * Starting every nbdkit from this one never-ending thread keeps a short-lived caller thread from killing it.
     */
    private static final ExecutorService SPAWNER = Executors.newSingleThreadExecutor(runnable -> {
        Thread t = new Thread(runnable, "nbdkit-spawner");
        t.setDaemon(true);
        return t;
    });

    private final String label;
    private final Process process;
    private final Path directory;
    private final Path socket;
    private final NbdUri uri;
    private final Deque<String> outputTail = new ArrayDeque<>();
    private Thread outputForwarder;
    private boolean stopped;

    private NbdkitProcess(String label, Process process, Path directory, Path socket, NbdUri uri) {
        this.label = label;
        this.process = process;
        this.directory = directory;
        this.socket = socket;
        this.uri = uri;
    }

    /** Starts nbdkit with the default binary ("nbdkit" on PATH). */
    public static NbdkitProcess start(String label, NbdkitConfig config, Duration startTimeout) throws IOException {
        return start("nbdkit", label, config, startTimeout);
    }

    /**
     * Starts nbdkit and waits until its socket and pidfile exist.
     *
     * @param label names the disk in logs and messages
     */
    public static NbdkitProcess start(String nbdkit, String label, NbdkitConfig config, Duration startTimeout)
        throws IOException {
        return start(nbdkit, label, config, startTimeout, null, null, 0);
    }

    /**
     * Starts nbdkit for a run: its stop is registered with the run's {@code cleanup}, which runs in order with
     * the run's other undo actions (the JVM runs shutdown hooks concurrently, so a hook of its own could stop
     * nbdkit while the run still winds down). Without a cleanup (stand-alone use) a shutdown hook stops it.
     */
    public static NbdkitProcess start(String label, NbdkitConfig config, Duration startTimeout, Cleanup cleanup)
        throws IOException {
        return start("nbdkit", label, config, startTimeout, cleanup, null, 0);
    }

    /** As {@link #start(String, NbdkitConfig, Duration, Cleanup)} with another nbdkit binary ({@code --nbdkit}). */
    public static NbdkitProcess start(String nbdkit, String label, NbdkitConfig config, Duration startTimeout,
                                      Cleanup cleanup) throws IOException {
        return start(nbdkit, label, config, startTimeout, cleanup, null, 0);
    }

    /**
     * Starts nbdkit listening on TCP {@code 127.0.0.1:port} instead of a Unix socket (for {@code nbd_export_only},
     * whose exports are reached through an ssh tunnel) and waits until its pidfile exists, which nbdkit writes
     * once it listens. Always loopback: nothing this wrapper starts listens beyond 127.0.0.1.
     */
    public static NbdkitProcess startOnLoopbackPort(String label, NbdkitConfig config, int port, Duration startTimeout)
        throws IOException {
        return startOnLoopbackPort(label, config, port, startTimeout, null);
    }

    /** As {@link #startOnLoopbackPort(String, NbdkitConfig, int, Duration)}, stopped by the run's cleanup. */
    public static NbdkitProcess startOnLoopbackPort(String label, NbdkitConfig config, int port, Duration startTimeout,
                                                    Cleanup cleanup) throws IOException {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        return start("nbdkit", label, config, startTimeout, cleanup, "127.0.0.1", port);
    }

    static NbdkitProcess start(String nbdkit, String label, NbdkitConfig config, Duration startTimeout,
                               Cleanup cleanup, String tcpAddress, int tcpPort) throws IOException {
        Path directory = Files.createTempDirectory("v2v-nbdkit-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = directory.resolve("nbdkit.sock");
        Path pidFile = directory.resolve("nbdkit.pid");
        Path passwordFile = directory.resolve("password");
        NbdkitProcess started = null;
        try {
            if (config.password() != null) {
                writeSecret(passwordFile, config.password());
            }
            List<String> command = tcpAddress == null
                ? buildCommand(nbdkit, config, socket, pidFile, passwordFile)
                : buildCommand(nbdkit, config, List.of("-i", tcpAddress, "-p", Integer.toString(tcpPort)), pidFile,
                    passwordFile);
            LOG.info("starting nbdkit for {}: {}", label, command); // no secret: the password is +FILE
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(config.environment());
            Process process = spawn(builder);
            started = new NbdkitProcess(label, process, directory, socket,
                tcpAddress == null ? NbdUri.unix(socket, "") : NbdUri.tcp(tcpAddress, tcpPort, ""));
            if (cleanup != null) {
                cleanup.register("nbdkit for " + label, started::stop);
            } else {
                NbdkitRegistry.register(started);
            }
            started.forwardOutput();
            started.awaitReady(pidFile, startTimeout);
            Files.deleteIfExists(passwordFile); // nbdkit read it while parsing its arguments
            LOG.info("nbdkit for {} is ready: pid {}, {}", label, process.pid(), started.uri);
            return started;
        } catch (IOException | RuntimeException e) {
            if (started != null) {
                started.stop();
            } else {
                deleteRecursively(directory);
            }
            throw e;
        }
    }

    static List<String> buildCommand(String nbdkit, NbdkitConfig config, Path socket, Path pidFile,
                                     Path passwordFile) {
        return buildCommand(nbdkit, config, List.of("-U", socket.toString()), pidFile, passwordFile);
    }

    private static List<String> buildCommand(String nbdkit, NbdkitConfig config, List<String> listen, Path pidFile,
                                             Path passwordFile) {
        List<String> command = new ArrayList<>(List.of(nbdkit, "--exit-with-parent", "--readonly", "--foreground"));
        command.addAll(listen);
        command.addAll(List.of("-P", pidFile.toString()));
        for (String filter : config.optionalFilters()) {
            if (NbdkitFilters.isAvailable(nbdkit, filter)) {
                command.add("--filter=" + filter);
            }
        }
        for (String filter : config.filters()) {
            command.add("--filter=" + filter);
        }
        command.add(config.plugin());
        command.addAll(config.pluginArgs());
        if (config.password() != null) {
            command.add(config.passwordKey() + "=+" + passwordFile);
        }
        return command;
    }

    public NbdUri uri() {
        return uri;
    }

    /** The Unix socket (it does not exist for a TCP nbdkit). */
    public Path socket() {
        return socket;
    }

    /** The private directory (socket, pidfile, password file); gone after {@link #stop()}. */
    public Path directory() {
        return directory;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** TERM, then KILL after a grace period; removes the private directory. Idempotent, thread-safe. */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            // SIGTERM: nbdkit closes connections and exits
            Children.stop(process, "nbdkit for " + label, STOP_GRACE);
            LOG.info("nbdkit for {} stopped (exit code {})", label, process.isAlive() ? "?" : process.exitValue());
        } finally {
            deleteRecursively(directory);
            NbdkitRegistry.unregister(this);
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "nbdkit for " + label + " (pid " + process.pid() + ")";
    }

    private static Process spawn(ProcessBuilder builder) throws IOException {
        try {
            return SPAWNER.submit(() -> Children.start(builder)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while starting nbdkit");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io
                : new IOException("cannot start nbdkit: " + NbdConnection.describe(e.getCause()), e.getCause());
        }
    }

    /** Copies nbdkit's output, line by line, into the wrapper log, keeping the last lines for error messages. */
    private void forwardOutput() {
        outputForwarder = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    NBDKIT_LOG.info("[{}] {}", label, line);
                    synchronized (outputTail) {
                        if (outputTail.size() == TAIL_LINES) {
                            outputTail.removeFirst();
                        }
                        outputTail.addLast(line);
                    }
                }
            } catch (IOException e) {
                LOG.debug("reading nbdkit output for {}: {}", label, e.toString());
            }
        }, "nbdkit-log-" + label);
        outputForwarder.setDaemon(true);
        outputForwarder.start();
    }

    private void awaitReady(Path pidFile, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            // nbdkit writes the pidfile once it listens (on the socket or the TCP port).
            if ((!uri.isUnix() || Files.exists(socket)) && Files.exists(pidFile) && Files.size(pidFile) > 0) {
                return;
            }
            if (!process.isAlive()) {
                waitForOutput();
                throw new IOException("nbdkit for " + label + " exited with code " + process.exitValue()
                    + " before it was ready" + lastOutput());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("nbdkit for " + label + " was not ready within "
                    + NbdConnection.formatDuration(timeout) + lastOutput());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for nbdkit");
            }
        }
    }

    private void waitForOutput() {
        // The forwarder may still be reading the last lines of a process that just died; it ends at EOF.
        try {
            outputForwarder.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String lastOutput() {
        synchronized (outputTail) {
            return outputTail.isEmpty() ? "" : ": " + String.join(" / ", outputTail);
        }
    }

    private static void writeSecret(Path file, Secret secret) throws IOException {
        // The 0600 mode is set when the file is created, so the secret is never readable by others.
        try (SeekableByteChannel channel = Files.newByteChannel(file,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer data = StandardCharsets.UTF_8.encode(secret.reveal());
            while (data.hasRemaining()) {
                channel.write(data);
            }
        }
    }

    private static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", directory, e.getMessage());
        }
    }
}
