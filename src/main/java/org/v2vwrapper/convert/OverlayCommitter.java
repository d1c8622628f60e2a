package org.v2vwrapper.convert;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * virt-v2v 1.4x's second step: {@code qemu-img commit -p OVERLAY} of each {@code --debug-overlays} overlay
 * into its backing file (the copied destination disk), all disks at once, each overlay removed as soon as
 * its own commit has ended (the reference removed the last disk's overlay from every callback).
 */
public final class OverlayCommitter {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayCommitter.class);

    /** One overlay: the 0-based index of the disk (in the conversion XML's order) and its file. */
    public record Overlay(int diskIndex, Path file) {
    }

    /** Per-disk events; called from the committer's threads, one thread per disk. */
    public interface Listener {
        void commitStarted(int diskIndex);

        void commitProgress(int diskIndex, double percent);

        void commitEnded(int diskIndex, Optional<String> error);
    }

    /** How one commit ended; {@code error} is empty on success. */
    public record Result(int diskIndex, Path overlay, Optional<String> error) {
        public boolean ok() {
            return error.isEmpty();
        }
    }

    private static final Pattern SAVED = Pattern.compile("Overlay saved as (\\S+\\.qcow2) \\[--debug-overlays\\]");

    private final Path qemuImg;
    private final Duration timeoutPerDisk;

    public OverlayCommitter(Path qemuImg, Duration timeoutPerDisk) {
        this.qemuImg = qemuImg;
        this.timeoutPerDisk = timeoutPerDisk;
    }

    /**
     * Where virt-v2v 1.4x keeps the overlays: {@code <cache dir>/<domain name>-sd<a,b,…>.qcow2}
     * ({@code v2v/v2v.ml}, {@code preserve_overlays}), the disks numbered in the XML's order.
     */
    public static List<Overlay> predicted(Path cacheDir, String domainName, int disks) {
        List<Overlay> out = new ArrayList<>();
        for (int i = 0; i < disks; i++) {
            out.add(new Overlay(i, cacheDir.resolve(domainName + "-sd" + DriveLetters.of(i) + ".qcow2")));
        }
        return out;
    }

    /** The overlays virt-v2v says it saved ({@code Overlay saved as FILE [--debug-overlays]}), in its order. */
    public static List<Overlay> fromLog(List<String> lines) {
        List<Overlay> out = new ArrayList<>();
        for (String line : lines) {
            Matcher m = SAVED.matcher(line);
            if (m.find()) {
                out.add(new Overlay(out.size(), Path.of(m.group(1))));
            }
        }
        return out;
    }

    /** The command for one overlay. */
    public List<String> command(Overlay overlay) {
        return List.of(qemuImg.toString(), "commit", "-p", overlay.file().toString());
    }

    /**
     * Commits every overlay (in parallel) and returns how each ended, in the given order. Interrupting the
     * calling thread kills the running qemu-imgs.
     */
    public List<Result> commitAll(List<Overlay> overlays, Listener listener) throws InterruptedException {
        if (overlays.isEmpty()) {
            return List.of();
        }
        ExecutorService pool = Executors.newFixedThreadPool(overlays.size(), r -> {
            Thread t = new Thread(r, "qemu-img-commit");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Result>> futures = new ArrayList<>();
            for (Overlay o : overlays) {
                futures.add(pool.submit(() -> commit(o, listener)));
            }
            List<Result> results = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                try {
                    results.add(futures.get(i).get());
                } catch (ExecutionException e) {
                    Overlay o = overlays.get(i);
                    results.add(new Result(o.diskIndex(), o.file(), Optional.of(String.valueOf(e.getCause()))));
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /** Commits one overlay, then removes it whatever the outcome (a failed commit leaves the disk unusable anyway). */
    Result commit(Overlay overlay, Listener listener) throws InterruptedException {
        listener.commitStarted(overlay.diskIndex());
        Optional<String> error = run(overlay, listener);
        try {
            Files.deleteIfExists(overlay.file());
        } catch (IOException e) {
            LOG.warn("cannot remove the overlay {}: {}", overlay.file(), e.toString());
        }
        if (error.isEmpty()) {
            listener.commitProgress(overlay.diskIndex(), 100.0);
        }
        listener.commitEnded(overlay.diskIndex(), error);
        return new Result(overlay.diskIndex(), overlay.file(), error);
    }

    private Optional<String> run(Overlay overlay, Listener listener) throws InterruptedException {
        if (!Files.isRegularFile(overlay.file())) {
            return Optional.of("the overlay " + overlay.file() + " of disk " + (overlay.diskIndex() + 1)
                    + " does not exist");
        }
        List<String> cmd = command(overlay);
        LOG.info("committing disk {}: {}", overlay.diskIndex() + 1, String.join(" ", cmd));
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("LANG", "C");
            // The one place children are started (setpriv --pdeathsig); this pool thread waits for it below.
            p = org.v2vwrapper.lifecycle.Children.start(pb);
        } catch (IOException e) {
            return Optional.of("cannot start " + qemuImg + ": " + e.getMessage());
        }
        StringBuilder lastLines = new StringBuilder();
        QemuImgProgress progress = new QemuImgProgress(pct -> listener.commitProgress(overlay.diskIndex(), pct));
        Thread reader = new Thread(() -> read(p, progress, lastLines), "qemu-img-commit-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeoutPerDisk.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return Optional.of("qemu-img commit of disk " + (overlay.diskIndex() + 1) + " did not finish within "
                        + timeoutPerDisk.toSeconds() + " s");
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            throw e;
        }
        int rc = p.exitValue();
        if (rc != 0) {
            String out;
            synchronized (lastLines) {
                out = lastLines.toString().strip();
            }
            return Optional.of("qemu-img commit of disk " + (overlay.diskIndex() + 1) + " failed with exit code "
                    + rc + (out.isEmpty() ? "" : ": " + out));
        }
        return Optional.empty();
    }

    private static void read(Process p, QemuImgProgress progress, StringBuilder lastLines) {
        char[] buf = new char[4096];
        try (Reader r = new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)) {
            int n;
            while ((n = r.read(buf)) >= 0) {
                String chunk = new String(buf, 0, n);
                progress.feed(chunk);
                synchronized (lastLines) {
                    // Keep the non-progress text (qemu-img's error messages), bounded.
                    String text = chunk.replaceAll("\\s*\\(\\d+(?:\\.\\d+)?/100%\\)\\s*", "");
                    lastLines.append(text);
                    if (lastLines.length() > 2000) {
                        lastLines.delete(0, lastLines.length() - 2000);
                    }
                }
            }
            progress.finish();
        } catch (IOException e) {
            LOG.debug("reading qemu-img output: {}", e.toString());
        }
    }
}
