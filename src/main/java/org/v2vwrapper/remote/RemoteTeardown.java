package org.v2vwrapper.remote;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;

/**
 * A teardown that runs on the remote host when this process goes away, however it goes: one ssh session whose
 * remote shell waits for its stdin to end and then runs the teardown script.
 *
 * <p>Why stdin: the write end of that pipe is held by this JVM only, so the kernel closes it when the wrapper
 * exits, SIGKILL included; ssh then forwards the EOF and exits after the script. If ssh itself is killed, sshd
 * closes the session and the remote {@code cat} sees the same EOF. The remote shell ignores SIGHUP and SIGPIPE
 * (a lost session must not stop the teardown halfway) and writes nothing after it is armed. The ssh process is
 * therefore started without the parent-death signal: it must outlive the wrapper long enough to pass the EOF on.
 *
 * <p>The script must be idempotent: on a normal exit the caller has usually already done its work (and read the
 * logs the teardown would delete); {@link #close} then runs it once more over nothing.
 */
public final class RemoteTeardown implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteTeardown.class);
    static final String ARMED = "v2v-teardown-armed";

    private final String step;
    private final Process ssh;
    private final OutputStream stdin;
    private final Duration closeTimeout;
    private boolean closed;
    private String value = "";

    private RemoteTeardown(String step, Process ssh, Duration closeTimeout) {
        this.step = step;
        this.ssh = ssh;
        this.stdin = ssh.getOutputStream();
        this.closeTimeout = closeTimeout;
    }

    /**
     * Starts the session and returns once the remote shell says it is waiting ({@code timeout} at most), so that
     * whatever the caller starts remotely after this is covered.
     */
    public static RemoteTeardown arm(SshRunner runner, String step, String teardownScript, Duration timeout)
            throws ConversionException {
        return arm(runner, step, "", teardownScript, timeout);
    }

    /**
     * As {@link #arm(SshRunner, String, String, Duration)}, with {@code setupScript} run first in the same shell,
     * so that what it makes (e.g. a work directory from {@code mktemp}) is covered from its first instant; the
     * setup may set the shell variable {@code armed}, whose value {@link #value()} returns, and its failure
     * (non-zero exit) fails the arming before anything is covered.
     */
    public static RemoteTeardown arm(SshRunner runner, String step, String setupScript, String teardownScript,
                                     Duration timeout) throws ConversionException {
        String remote = "trap '' HUP PIPE INT TERM; armed=; " + (setupScript.isBlank() ? "" : setupScript + "; ")
                + "echo " + ARMED + " \"$armed\"; cat >/dev/null 2>&1; exec >/dev/null 2>&1 </dev/null; "
                + teardownScript;
        List<String> command = List.of("sh", "-c", remote);
        List<String> argv = runner.sshCommand(List.of("-T"), SshRunner.quote(command));
        LOG.info("{}: arming the teardown on {}: {}", step, runner.destination(), teardownScript);
        Process p = runner.start(step, argv, false, false);
        RemoteTeardown t = new RemoteTeardown(step, p, timeout);
        // One thread reads the first line (the arming) and then keeps the pipe drained; ssh may still write.
        CompletableFuture<String> firstLine = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                firstLine.complete(r.readLine());
                while (r.readLine() != null) {
                    // nothing
                }
            } catch (IOException e) {
                firstLine.complete(null);
            }
        }, "ssh-teardown-output");
        reader.setDaemon(true);
        reader.start();
        try {
            String line = firstLine.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null || !(line.equals(ARMED) || line.startsWith(ARMED + " "))) {
                p.waitFor(5, TimeUnit.SECONDS);
                String said = p.isAlive() ? "" : SshRunner.lastLine(new String(p.getErrorStream().readAllBytes(),
                        StandardCharsets.UTF_8));
                t.kill();
                throw new ConversionException(step + ": the teardown session on " + runner.destination()
                        + " did not start" + (said.isEmpty() ? "" : ": " + said));
            }
            t.value = line.substring(ARMED.length()).strip();
            return t;
        } catch (TimeoutException e) {
            t.kill();
            throw new ConversionException(step + ": the teardown session on " + runner.destination()
                    + " did not answer within " + SshRunner.seconds(timeout));
        } catch (ExecutionException | IOException e) {
            t.kill();
            throw new ConversionException(step + ": the teardown session on " + runner.destination() + " failed");
        } catch (InterruptedException e) {
            t.kill();
            Thread.currentThread().interrupt();
            throw new ConversionException(step + ": interrupted");
        }
    }

    /** What the setup script put in {@code armed} (empty if nothing). */
    public String value() {
        return value;
    }

    /** The local ssh's pid (tests). */
    public long pid() {
        return ssh.pid();
    }

    /** Runs the teardown now: ends the session's stdin and waits for the script (at most the arm timeout). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stdin.close();
        } catch (IOException e) {
            // ssh is gone already; sshd has ended the session, which runs the teardown too
        }
        try {
            if (!ssh.waitFor(closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("{}: the remote teardown did not end within {}; ssh stopped", step,
                        SshRunner.seconds(closeTimeout));
                kill();
            } else {
                LOG.info("{}: the remote teardown ran (ssh exit code {})", step, ssh.exitValue());
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
    }

    private void kill() {
        ssh.destroyForcibly();
        try {
            ssh.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
