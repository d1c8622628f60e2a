package org.v2vwrapper.osp2osp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * An exclusive flock(2) on {@code <lock-dir>/v2v-source-volume-lock} or {@code v2v-destination-volume-lock}, the
 * locks the reference wrapper takes around attaching and detaching volumes to a conversion host.
 *
 * <p>Why a child process: Java's {@code FileChannel.lock} is a POSIX {@code fcntl} record lock, which on Linux
 * does not interact with {@code flock(2)} at all, so it would not exclude the reference's (or another tool's)
 * wrappers. The JDK has no flock. util-linux {@code flock(1)} takes the real lock and runs
 * {@code sh -c 'echo locked; exec cat'} while holding it: "locked" on stdout says we have it, and {@code cat}
 * lives until its stdin — a pipe from this JVM — closes. So the lock is released by {@link #close()}, and also
 * when this JVM dies in any way (even SIGKILL: the pipe closes, cat sees EOF, flock exits and the kernel
 * drops the lock). Waiting is flock's own {@code --timeout}; a conflict exits with a code of its own so that a
 * timeout is told apart from other failures.
 */
public final class VolumeLock implements AutoCloseable {
    public static final String SOURCE = "v2v-source-volume-lock";
    public static final String DESTINATION = "v2v-destination-volume-lock";

    private static final Logger LOG = LoggerFactory.getLogger(VolumeLock.class);
    /** flock's exit code when the lock stays taken for the whole timeout (EX_TEMPFAIL). */
    static final int CONFLICT_EXIT = 75;
    /** On top of flock's own timeout: starting flock and sh, and reading their line. */
    private static final Duration SLACK = Duration.ofSeconds(10);
    private static final Duration RELEASE_WAIT = Duration.ofSeconds(5);

    private final Path file;
    private final Process holder;

    private VolumeLock(Path file, Process holder) {
        this.file = file;
        this.holder = holder;
    }

    /**
     * Takes the lock {@code lockDir/name}, waiting at most {@code timeout} (whole seconds, at least 1) for
     * another holder to let go. The file is created if missing and never deleted (other wrappers open it too).
     */
    public static VolumeLock acquire(Path lockDir, String name, Duration timeout) throws ConversionException {
        Path file = lockDir.resolve(name);
        if (!file.getParent().equals(lockDir)) {
            throw new IllegalArgumentException("lock name must be a plain file name");
        }
        long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
        String what = "taking the lock " + file;
        if (!Files.isDirectory(lockDir)) {
            throw new ConversionException(what + ": the lock directory does not exist");
        }
        List<String> command = List.of("flock", "--exclusive", "--timeout", Long.toString(seconds),
                "--conflict-exit-code", Integer.toString(CONFLICT_EXIT), file.toString(),
                "sh", "-c", "echo locked; exec cat");
        Process p;
        try {
            p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new ConversionException(what + ": cannot run flock: " + e.getMessage(), e);
        }
        CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String line = r.readLine();
                return line == null ? "" : line;
            } catch (IOException e) {
                return "";
            }
        }, runnable -> {
            Thread t = new Thread(runnable, "volume-lock-reader");
            t.setDaemon(true);
            t.start();
        });
        try {
            String line = firstLine.get(seconds * 1000 + SLACK.toMillis(), TimeUnit.MILLISECONDS);
            if (line.equals("locked")) {
                LOG.info("took the lock {} (holder pid {})", file, p.pid());
                return new VolumeLock(file, p);
            }
            // No line: flock ended. Its exit code says why.
            if (!p.waitFor(RELEASE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new ConversionException(what + ": flock printed '" + line + "' instead of 'locked'");
            }
            if (p.exitValue() == CONFLICT_EXIT) {
                throw new ConversionException(what + ": another conversion still holds it after " + seconds + " s");
            }
            throw new ConversionException(what + ": flock exited with code " + p.exitValue());
        } catch (TimeoutException e) {
            p.destroyForcibly();
            throw new ConversionException(what + ": flock gave no answer within " + (seconds + SLACK.toSeconds()) + " s");
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ConversionException(what + ": interrupted");
        } catch (ExecutionException e) {
            p.destroyForcibly();
            throw new ConversionException(what + ": " + e.getCause(), e.getCause());
        }
    }

    public Path file() {
        return file;
    }

    public boolean isHeld() {
        return holder.isAlive();
    }

    /** Releases the lock: closing cat's stdin ends cat, sh and flock. Idempotent. */
    @Override
    public void close() {
        try {
            holder.getOutputStream().close();
            if (!holder.waitFor(RELEASE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                holder.destroyForcibly();
                holder.waitFor(RELEASE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            LOG.info("released the lock {}", file);
        } catch (IOException e) {
            holder.destroyForcibly();
        } catch (InterruptedException e) {
            holder.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "flock " + file;
    }
}
