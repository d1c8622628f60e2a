package org.v2vwrapper.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;

/**
 * Runs commands on {@code <user>@<address>} with the system {@code ssh} (see {@link SshOptions} for the options),
 * each with its own deadline, and opens {@code ssh -L} tunnels ({@link #forward}).
 *
 * <p>A command is given as an argv list; each word is shell-quoted here, because ssh joins its arguments with
 * spaces and the remote login shell splits them again. No secret ever goes into a remote command: the key is in
 * the agent, and anything secret must travel as {@code input} (stdin).
 *
 * <p>Errors are one line that names the step: {@code "<step>: ssh cloud-user@10.0.0.5: <ssh's last error line>"}
 * when ssh itself failed (exit 255), {@code "<step>: `<command>` on cloud-user@10.0.0.5 exited with code 3:
 * <its last stderr line>"} otherwise.
 */
public final class SshRunner {
    private static final Logger LOG = LoggerFactory.getLogger(SshRunner.class);
    /** Host names, IPv4 and IPv6 literals; never something ssh would read as an option. */
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:%-]*");
    private static final Pattern SAFE_WORD = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");
    static final int SSH_FAILED = 255;

    private final String address;
    private final SshOptions options;

    public SshRunner(String address, SshOptions options) {
        Objects.requireNonNull(address, "address");
        if (!ADDRESS.matcher(address).matches()) {
            throw new IllegalArgumentException("not a host address: " + address);
        }
        this.address = address;
        this.options = options;
    }

    public String address() {
        return address;
    }

    public SshOptions options() {
        return options;
    }

    /** {@code user@address}. */
    public String destination() {
        return options.user() + "@" + address;
    }

    /** Runs {@code command} remotely; a non-zero exit is an error. */
    public SshResult run(String step, Duration timeout, List<String> command) throws ConversionException {
        return run(step, timeout, command, null);
    }

    /** Runs {@code command} remotely with {@code input} on its stdin (may be null); a non-zero exit is an error. */
    public SshResult run(String step, Duration timeout, List<String> command, byte[] input) throws ConversionException {
        SshResult r = execute(step, timeout, command, input);
        if (!r.succeeded()) {
            throw new ConversionException(step + ": " + describeFailure(command, r));
        }
        return r;
    }

    /** Runs {@code command} remotely and returns whatever it exited with; only ssh's own failure is an error. */
    public SshResult execute(String step, Duration timeout, List<String> command, byte[] input)
            throws ConversionException {
        List<String> argv = sshCommand(List.of("-T"), quote(command));
        LOG.info("{}: running on {}: {}", step, destination(), quote(command));
        Process p = start(step, argv, input == null, false);
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        try {
            if (input != null) {
                try (OutputStream stdin = p.getOutputStream()) {
                    stdin.write(input);
                } catch (IOException e) {
                    // the remote command did not read it all; its exit code will tell
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new ConversionException(step + ": no answer from " + destination() + " within "
                        + seconds(timeout) + " (`" + quote(command) + "`)");
            }
            SshResult r = new SshResult(p.exitValue(), text(out), text(err));
            if (r.exitCode() == SSH_FAILED) {
                throw new ConversionException(step + ": " + describeFailure(command, r));
            }
            LOG.info("{}: exit code {}", step, r.exitCode());
            return r;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ConversionException(step + ": interrupted");
        }
    }

    /**
     * Opens {@code ssh -N -L …} and waits (at most {@code readyTimeout}) until the local end accepts
     * connections and {@code probe} (if not null) says the far side answers.
     */
    public SshTunnel forward(String step, Forward forward, Duration readyTimeout, SshTunnel.Probe probe)
            throws ConversionException {
        return SshTunnel.open(this, step, forward, readyTimeout, probe);
    }

    /** The full ssh argv: common options, {@code extra}, the destination, then the remote command (if any). */
    List<String> sshCommand(List<String> extra, String remoteCommand) {
        List<String> argv = new ArrayList<>();
        argv.add("ssh");
        argv.addAll(options.commonArguments());
        argv.addAll(extra);
        argv.add("--");
        argv.add(destination());
        if (remoteCommand != null) {
            argv.add(remoteCommand);
        }
        return argv;
    }

    Process start(String step, List<String> argv, boolean noStdin, boolean discardStdout) throws ConversionException {
        ProcessBuilder pb = new ProcessBuilder(argv);
        options.applyTo(pb);
        if (discardStdout) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        if (noStdin) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        try {
            // Without stdin (a tunnel, a short command) nothing tells ssh that the wrapper is gone: it gets the
            // parent-death signal (the torture found SIGKILLed runs' tunnels alive). A command fed through stdin
            // sees EOF when the wrapper dies (and Children would give it /dev/null).
            return noStdin ? org.v2vwrapper.lifecycle.Children.start(pb) : pb.start();
        } catch (IOException e) {
            throw new ConversionException(step + ": cannot run ssh: " + e.getMessage(), e);
        }
    }

    /** One shell word per argument: plain words as they are, anything else in single quotes. */
    public static String quote(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty remote command");
        }
        List<String> words = new ArrayList<>();
        for (String word : command) {
            words.add(SAFE_WORD.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'");
        }
        return String.join(" ", words);
    }

    private String describeFailure(List<String> command, SshResult r) {
        String said = lastLine(r.stderr());
        if (r.exitCode() == SSH_FAILED) {
            return "ssh " + destination() + " failed" + (said.isEmpty() ? " (exit code 255)" : ": " + said);
        }
        return "`" + quote(command) + "` on " + destination() + " exited with code " + r.exitCode()
                + (said.isEmpty() ? "" : ": " + said);
    }

    static String lastLine(String text) {
        String[] lines = text.strip().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return lines[i].strip();
            }
        }
        return "";
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static CompletableFuture<byte[]> drain(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                f.complete(in.readAllBytes());
            } catch (IOException e) {
                f.complete(new byte[0]);
            }
        }, "ssh-output");
        t.setDaemon(true);
        t.start();
        return f;
    }

    private static String text(CompletableFuture<byte[]> f) throws InterruptedException {
        try {
            return new String(f.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip();
        } catch (ExecutionException | TimeoutException e) {
            // a grandchild kept the pipe open: what was read so far is lost, the exit code still counts
            return "";
        }
    }
}
