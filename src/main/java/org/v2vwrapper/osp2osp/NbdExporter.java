package org.v2vwrapper.osp2osp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.ExportMap;
import org.v2vwrapper.nbd.NbdConnection;
import org.v2vwrapper.nbd.NbdUri;
import org.v2vwrapper.nbd.NbdkitConfig;
import org.v2vwrapper.nbd.NbdkitProcess;

/**
 * The {@code nbd_export_only} mode, run on the source conversion host: one
 * {@code nbdkit --readonly --exit-with-parent -i 127.0.0.1 -p PORT file DEVICE} per entry of the {@link ExportMap}
 * (through {@link NbdkitProcess}, which also stops them on JVM shutdown), then {@code <data dir>/nbdready} once
 * every export has answered an NBD handshake, then nothing until {@link #stop()}.
 *
 * <p>Unlike the reference (bug B8) the exports are read-only and on loopback only: the destination reaches them
 * through an ssh tunnel. Readiness is checked per export with the project's own NBD client (no qemu-img), and
 * a dead nbdkit fails at once instead of being retried for ten minutes. {@code nbdready} is removed again when
 * the exports stop, so it is true exactly while they run.
 */
public final class NbdExporter implements AutoCloseable {
    public static final String READY_FILE = "nbdready";
    static final String READY_TEXT = "NBD exports ready";
    private static final Logger LOG = LoggerFactory.getLogger(NbdExporter.class);
    private static final Duration PROBE_CONNECT = Duration.ofSeconds(2);
    private static final Duration PROBE_REQUEST = Duration.ofSeconds(5);

    private final Map<Path, NbdkitProcess> exports;
    private final Path readyFile;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private NbdExporter(Map<Path, NbdkitProcess> exports, Path readyFile) {
        this.exports = exports;
        this.readyFile = readyFile;
    }

    /**
     * Starts every export, waits (at most {@code readyTimeout} in all) until each answers NBD, and writes
     * {@code dataDir/nbdready}. On any failure the exports already started are stopped.
     */
    public static NbdExporter start(ExportMap map, Path dataDir, Duration readyTimeout) throws ConversionException {
        if (!Files.isDirectory(dataDir)) {
            throw new ConversionException("--data-dir: " + dataDir + " is not a directory");
        }
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        Map<Path, NbdkitProcess> started = new LinkedHashMap<>();
        NbdExporter exporter = new NbdExporter(started, dataDir.resolve(READY_FILE));
        try {
            for (Map.Entry<Path, Integer> e : map.exports().entrySet()) {
                String what = "exporting " + e.getKey() + " on 127.0.0.1:" + e.getValue();
                Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
                try {
                    started.put(e.getKey(), NbdkitProcess.startOnLoopbackPort(e.getKey().toString(),
                            NbdkitConfig.of("file", "file=" + e.getKey()), e.getValue(), left));
                } catch (IOException ex) {
                    throw new ConversionException(what + ": " + ex.getMessage(), ex);
                }
            }
            for (Map.Entry<Path, NbdkitProcess> e : started.entrySet()) {
                awaitAnswer(e.getKey(), e.getValue(), deadline, readyTimeout);
            }
            writeReady(exporter.readyFile);
            LOG.info("all {} NBD exports ready; wrote {}", started.size(), exporter.readyFile);
            return exporter;
        } catch (ConversionException | RuntimeException e) {
            exporter.stop();
            throw e;
        }
    }

    private static void awaitAnswer(Path device, NbdkitProcess nbdkit, long deadline, Duration readyTimeout)
            throws ConversionException {
        NbdUri uri = nbdkit.uri();
        String last = "";
        while (true) {
            if (!nbdkit.isAlive()) {
                throw new ConversionException("exporting " + device + ": nbdkit on " + uri + " exited");
            }
            try (NbdConnection c = NbdConnection.open(uri, PROBE_CONNECT, PROBE_REQUEST)) {
                LOG.info("export of {} answers on {} (size {}, read-only {})", device, uri, c.export().size(),
                        c.export().readOnly());
                return;
            } catch (IOException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ConversionException("exporting " + device + ": " + uri + " did not answer NBD within "
                        + readyTimeout.toSeconds() + " s: " + last);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConversionException("exporting " + device + ": interrupted");
            }
        }
    }

    /** Written whole or not at all (temp file and rename), since the destination polls for it over ssh. */
    private static void writeReady(Path readyFile) throws ConversionException {
        try {
            Path tmp = Files.createTempFile(readyFile.getParent(), ".nbdready-", ".tmp");
            Files.writeString(tmp, READY_TEXT, StandardCharsets.UTF_8);
            Files.move(tmp, readyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ConversionException("writing " + readyFile + ": " + e.getMessage(), e);
        }
    }

    public Path readyFile() {
        return readyFile;
    }

    /** device → where it is exported (nbd://127.0.0.1:PORT/). */
    public Map<Path, NbdUri> uris() {
        Map<Path, NbdUri> out = new LinkedHashMap<>();
        exports.forEach((device, nbdkit) -> out.put(device, nbdkit.uri()));
        return out;
    }

    /** The nbdkit pids (to check that none is left). */
    public List<Long> pids() {
        List<Long> out = new ArrayList<>();
        exports.values().forEach(p -> out.add(p.pid()));
        return out;
    }

    /** Blocks until {@link #stop()} (the mode's main thread waits here; SIGTERM's shutdown path calls stop). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** As {@link #awaitStop()}, at most {@code ms}; true once stopped. */
    public boolean awaitStop(long ms) throws InterruptedException {
        return stopped.await(ms, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** An export whose nbdkit has exited although nobody stopped it, if any. */
    public java.util.Optional<Path> deadExport() {
        return exports.entrySet().stream().filter(e -> !e.getValue().isAlive()).map(Map.Entry::getKey).findFirst();
    }

    /** Stops every export, removes {@code nbdready} and releases {@link #awaitStop()}. Idempotent. */
    public void stop() {
        try {
            Files.deleteIfExists(readyFile);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", readyFile, e.getMessage());
        }
        for (NbdkitProcess nbdkit : exports.values()) {
            nbdkit.stop();
        }
        stopped.countDown();
    }

    @Override
    public void close() {
        stop();
    }
}
