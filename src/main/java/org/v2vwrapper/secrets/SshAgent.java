package org.v2vwrapper.secrets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.Secret;
import org.v2vwrapper.lifecycle.Children;
import org.v2vwrapper.lifecycle.Cleanup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.util.Map;

/**
 * A private ssh-agent for one run, so that virt-v2v (and the ssh it runs) can use the request's key without
 * the key ever appearing on a command line. Stopped by the run's {@link Cleanup}.
 */
public final class SshAgent {
    private static final Logger LOG = LoggerFactory.getLogger(SshAgent.class);
    static final long START_TIMEOUT_MS = 10_000;
    static final long ADD_TIMEOUT_SECONDS = 30;

    private final Process process;
    private final Path socket;

    private SshAgent(Process process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** Unix socket paths are limited to 108 bytes (with the NUL). */
    static final int SOCKET_PATH_MAX = 107;
    /**
     * Room for {@code /agent-<n>/agent.sock}: {@code Files.createTempDirectory} names with a random long written
     * unsigned, up to 20 digits (not 10: a 109-byte path made ssh-agent exit 1 for OpenstackToOpenstackIT; not 19
     * either: about half the names have 20, and a run directory at the boundary then failed one run in two).
     */
    static final int SOCKET_SUFFIX_MAX = ("/agent-" + Long.toUnsignedString(-1L) + "/agent.sock").length();

    /** Starts {@code ssh-agent} on a socket in a fresh 0700 directory in /tmp and registers its shutdown. */
    public static SshAgent start(Cleanup cleanup) throws ConversionException {
        return start(cleanup, null);
    }

    /**
     * As {@link #start(Cleanup)}, with the socket's directory in {@code secretsDir} (the run's secret store)
     * when the path is short enough: a wrapper killed with SIGKILL then leaves it where the next run's
     * {@code RunDirLeftovers} removes it. Otherwise (a long run directory path) in /tmp.
     */
    public static SshAgent start(Cleanup cleanup, Path secretsDir) throws ConversionException {
        try {
            Path parent = secretsDir != null
                    && secretsDir.toAbsolutePath().toString().length() + SOCKET_SUFFIX_MAX <= SOCKET_PATH_MAX
                    ? secretsDir : Path.of("/tmp");
            Path dir = Files.createTempDirectory(parent, parent == secretsDir ? "agent-" : "v2v-agent-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path socket = dir.resolve("agent.sock");
            // ssh-agent is set-group-id (Debian: group _ssh), and the kernel drops a parent-death signal when it
            // executes such a program: `setpriv --pdeathsig` (Children) cannot reach it (the torture found SIGKILLed
            // runs' agents alive). So the agent runs in command mode, where it watches its parent instead: the
            // process started here becomes `cat` reading a pipe from this JVM, which ends at EOF once the wrapper is
            // gone in any way (even before cat started: no race as with a death signal set after the fork), and
            // the forked agent exits once its parent is gone (ssh-agent looks every 10 s).
            // Its own words go to a file beside the socket (no secret: the agent prints its pid and errors), read
            // only when it fails to start.
            Path said = dir.resolve("agent.out");
            ProcessBuilder pb = new ProcessBuilder("ssh-agent", "-a", socket.toString(), "--", "cat")
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectErrorStream(true)
                    .redirectOutput(said.toFile());
            Process p = pb.start(); // its stdin (our end of the pipe) stays open while the Process is referenced
            SshAgent agent = new SshAgent(p, socket);
            cleanup.register("ssh-agent", () -> {
                agent.stop();
                Files.deleteIfExists(socket);
                Files.deleteIfExists(said);
                Files.deleteIfExists(dir);
            });
            long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
            while (!Files.exists(socket)) {
                if (!p.isAlive()) {
                    throw new ConversionException("ssh-agent exited with code " + p.exitValue() + " before it was ready"
                            + lastLine(said));
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new ConversionException("ssh-agent did not create its socket within "
                            + START_TIMEOUT_MS / 1000 + " s");
                }
                Thread.sleep(20);
            }
            LOG.info("ssh-agent started (pid {}, socket {})", p.pid(), socket);
            return agent;
        } catch (IOException e) {
            throw new ConversionException("cannot start ssh-agent: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted while starting ssh-agent", e);
        }
    }

    /** {@code ": <the file's last non-blank line>"}, or nothing. */
    private static String lastLine(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Adds the request's key (written to a 0600 file first), or with none the user's default keys in
     * {@code $HOME/.ssh}, as plain {@code ssh-add} does.
     */
    public void addKey(Optional<Secret> key, SecretStore secrets) throws ConversionException {
        List<String> cmd = new ArrayList<>(List.of("ssh-add"));
        try {
            if (key.isPresent()) {
                String text = key.get().reveal();
                // A PEM/OpenSSH key must end with a newline or ssh-add calls it invalid.
                Path file = secrets.write("ssh_key", (text.endsWith("\n") ? text : text + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                cmd.add(file.toString());
            }
            Map<String, String> env = new java.util.HashMap<>();
            env.put("SSH_AUTH_SOCK", socket.toString());
            env.put("SSH_ASKPASS_REQUIRE", "never");
            env.put("DISPLAY", null); // with a DISPLAY, ssh-add would look for an askpass program
            Children.Result r;
            try {
                r = Children.run(cmd, env, Duration.ofSeconds(ADD_TIMEOUT_SECONDS));
            } catch (Children.TimeoutException e) {
                throw new ConversionException("ssh-add did not finish within " + ADD_TIMEOUT_SECONDS + " s");
            }
            LOG.info("ssh-add exited with {}: {}", r.exitCode(), r.output());
            if (r.exitCode() != 0) {
                throw new ConversionException((key.isPresent() ? "ssh_key" : "~/.ssh keys")
                        + ": ssh-add could not load the key (exit code " + r.exitCode() + ")");
            }
        } catch (java.io.InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted while adding the ssh key", e);
        } catch (IOException e) {
            throw new ConversionException("cannot run ssh-add: " + e.getMessage(), e);
        }
    }

    void stop() {
        // The agent is the child of the process started (see start): TERM to it first, then its parent goes (the
        // `cat` never reaps it; once gone, init does), then the agent's exit is awaited.
        List<ProcessHandle> agents = process.descendants().toList();
        agents.forEach(ProcessHandle::destroy);
        Children.stop(process, "ssh-agent", Duration.ofSeconds(5));
        for (ProcessHandle a : agents) {
            try {
                a.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                LOG.warn("ssh-agent (pid {}) did not exit within 5 s of SIGTERM; sending SIGKILL", a.pid());
                a.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                a.destroyForcibly();
            }
        }
    }
}
