package org.v2vwrapper.lifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one place the wrapper starts child processes: short helpers run to completion with a timeout and their
 * output captured, long-lived children (virt-v2v, nbdkit, ssh-agent) started and stopped TERM → grace → KILL.
 *
 * <p>Where util-linux's {@code setpriv} is installed every child is started through
 * {@code setpriv --pdeathsig KILL}, so it dies with the wrapper even when the wrapper is KILLed and no cleanup
 * runs (issue 17). The kernel sends that signal when the <em>thread</em> that forked the child exits, not the
 * process: start long-lived children only from threads that live as long as the child should (the run's main
 * thread), never from a worker or timer thread. setpriv execs the command, so the child's pid is the command's.
 */
public final class Children {
    private static final Logger LOG = LoggerFactory.getLogger(Children.class);
    private static final Path SETPRIV = firstExisting(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"));
    /** After KILL: the kernel reaps at once unless the child is in uninterruptible sleep (D state). */
    private static final Duration AFTER_KILL = Duration.ofSeconds(5);

    private Children() {
    }

    /** A finished helper; output is its stdout and stderr together, trimmed. */
    public record Result(int exitCode, String output) {
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    /** A helper did not finish in time (it was KILLed). */
    public static final class TimeoutException extends IOException {
        public TimeoutException(String message) {
            super(message);
        }
    }

    /** argv with the pdeathsig prefix where setpriv exists. */
    static List<String> withDeathSignal(List<String> argv) {
        if (SETPRIV == null) {
            return argv;
        }
        List<String> out = new ArrayList<>(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        out.addAll(argv);
        return out;
    }

    /** Whether children get the death signal on this host. */
    public static boolean dieWithTheWrapper() {
        return SETPRIV != null;
    }

    /**
     * Starts a child from the builder's command, environment and redirections (stdin from /dev/null unless the
     * caller set it). The calling thread must outlive the child (see the class comment).
     */
    public static Process start(ProcessBuilder builder) throws IOException {
        if (builder.redirectInput() == ProcessBuilder.Redirect.PIPE) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        List<String> requested = builder.command();
        if (SETPRIV == null) {
            return builder.start();
        }
        // setpriv would exit 127 for a missing program; fail as ProcessBuilder itself does, naming the program.
        requireRunnable(requested.get(0), builder.environment().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.command(withDeathSignal(requested));
        try {
            return builder.start();
        } finally {
            builder.command(requested);
        }
    }

    /**
     * Runs a short helper to completion: output to a temporary file (not a pipe, so a chatty or hung child cannot
     * block the wrapper past the timeout), KILLed when it outlives {@code timeout}. {@code environment} is
     * added to the wrapper's own; a null value removes that variable.
     */
    public static Result run(List<String> argv, Map<String, String> environment, Duration timeout)
            throws IOException {
        Path out = Files.createTempFile("v2v-wrapper-child-", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile());
            environment.forEach((name, value) -> {
                if (value == null) {
                    pb.environment().remove(name);
                } else {
                    pb.environment().put(name, value);
                }
            });
            Process p = start(pb);
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS);
                    throw new TimeoutException(argv.get(0) + " did not finish within " + timeout.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while running " + argv.get(0));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip());
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** {@link #run(List, Map, Duration)} with the wrapper's own environment. */
    public static Result run(List<String> argv, Duration timeout) throws IOException {
        return run(argv, Map.of(), timeout);
    }

    /**
     * TERM, then KILL if the child has not exited after {@code grace}; returns once it is gone (or after a few
     * more seconds if even KILL does not reap it). Safe on a child that already exited.
     */
    public static void stop(Process process, String what, Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        LOG.info("stopping {} (pid {}) with SIGTERM", what, process.pid());
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("{} did not exit within {} ms of SIGTERM; sending SIGKILL", what, grace.toMillis());
                process.destroyForcibly();
                process.waitFor(AFTER_KILL.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static void requireRunnable(String program, String path) throws IOException {
        List<Path> candidates = new ArrayList<>();
        if (program.contains("/")) {
            candidates.add(Path.of(program));
        } else {
            for (String dir : path.split(":")) {
                candidates.add(Path.of(dir.isEmpty() ? "." : dir, program));
            }
        }
        boolean exists = false;
        for (Path p : candidates) {
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return;
            }
            exists |= Files.exists(p);
        }
        throw new IOException("Cannot run program \"" + program + "\": "
                + (exists ? "error=13, Permission denied" : "error=2, No such file or directory"));
    }

    private static Path firstExisting(Path... candidates) {
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
