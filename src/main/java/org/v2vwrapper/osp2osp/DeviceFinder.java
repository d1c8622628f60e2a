package org.v2vwrapper.osp2osp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.remote.SshResult;
import org.v2vwrapper.remote.SshRunner;

/**
 * Finds the device of a volume just attached to a conversion host: {@code virtio-<volume id[:20]>} under
 * {@code --dev-disk-by-id} (the serial Nova gives virtio disks, which udev links there), or else the one disk
 * that {@code lsblk} lists now and did not list before the attach. Works on this host or, through ssh, on the
 * source conversion host. Unlike the reference it waits (bounded) for the device instead of looking once, and
 * several new disks are an error rather than a guess.
 */
public final class DeviceFinder {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceFinder.class);
    public static final List<String> LSBLK = List.of("lsblk", "--noheadings", "--list", "--paths", "--nodeps",
            "--output", "NAME");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    /** Where commands run: this host or a conversion host over ssh. */
    @FunctionalInterface
    public interface Commands {
        SshResult run(String step, Duration timeout, List<String> argv) throws ConversionException;

        /** Through ssh (only ssh's own failure is an error; the exit code is returned). */
        static Commands over(SshRunner ssh) {
            return (step, timeout, argv) -> ssh.execute(step, timeout, argv, null);
        }

        /** On this host. */
        static Commands local() {
            return DeviceFinder::runLocally;
        }
    }

    private final Commands commands;
    private final Path devDiskById;
    private final List<String> lsblk;
    private final Duration timeout;
    private final Duration poll;

    public DeviceFinder(Commands commands, Path devDiskById, List<String> lsblk, Duration timeout, Duration poll) {
        this.commands = commands;
        this.devDiskById = devDiskById;
        this.lsblk = List.copyOf(lsblk);
        this.timeout = timeout;
        this.poll = poll;
    }

    /** {@code virtio-<volume id[:20]>}. */
    public static String byIdName(String volumeId) {
        return "virtio-" + volumeId.substring(0, Math.min(20, volumeId.length()));
    }

    /** The disks lsblk lists now (take this before the attach). */
    public Set<String> disks() throws ConversionException {
        SshResult r = commands.run("listing disks", COMMAND_TIMEOUT, lsblk);
        if (!r.succeeded()) {
            throw new ConversionException("listing disks: lsblk exited with code " + r.exitCode() + ": " + r.stderr());
        }
        return new LinkedHashSet<>(Arrays.stream(r.stdout().split("\\s+")).filter(s -> !s.isEmpty()).toList());
    }

    /**
     * The device of {@code volumeId}: the by-id link resolved, or the single new lsblk disk; waits up to the
     * timeout for either.
     */
    public String find(String volumeId, Set<String> before) throws ConversionException {
        String step = "finding the device of volume " + volumeId;
        Path link = devDiskById.resolve(byIdName(volumeId));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SshResult r = commands.run(step, COMMAND_TIMEOUT, List.of("readlink", "-e", "--", link.toString()));
            if (r.succeeded() && !r.stdout().isEmpty()) {
                LOG.info("volume {} is {} ({})", volumeId, r.stdout(), link);
                return r.stdout();
            }
            List<String> appeared = new ArrayList<>(disks());
            appeared.removeAll(before);
            if (appeared.size() == 1) {
                LOG.info("volume {} is {} (the one new disk; no {})", volumeId, appeared.get(0), link);
                return appeared.get(0);
            }
            if (appeared.size() > 1) {
                throw new ConversionException(step + ": no " + link + " and several new disks appeared: "
                        + String.join(", ", appeared));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ConversionException(step + ": neither " + link + " nor a new disk appeared within "
                        + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConversionException(step + ": interrupted");
            }
        }
    }

    private static CompletableFuture<String> readAsync(java.io.InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                f.complete("");
            }
        }, "device-finder-output");
        t.setDaemon(true);
        t.start();
        return f;
    }

    private static SshResult runLocally(String step, Duration timeout, List<String> argv) throws ConversionException {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new ConversionException(step + ": cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = readAsync(p.getInputStream());
        CompletableFuture<String> err = readAsync(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new ConversionException(step + ": " + argv.get(0) + " did not finish within "
                        + timeout.toSeconds() + " s");
            }
            return new SshResult(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new ConversionException(step + ": cannot read the output of " + argv.get(0), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ConversionException(step + ": interrupted");
        }
    }
}
