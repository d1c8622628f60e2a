package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.itinerary.Slot;
import org.v2vwrapper.itinerary.Step;
import org.v2vwrapper.osp2osp.NbdExporter;
import org.v2vwrapper.request.ExportMap;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The {@code nbd_export_only} itinerary (the wrapper on the source conversion host, usually in the UCI
 * container): start one read-only loopback nbdkit per device and write {@code <--data-dir>/nbdready} once all
 * answer; then export until SIGTERM, which is the normal end here (exit 0, {@code failed: false}); the exports
 * are stopped and {@code nbdready} removed on every exit path.
 */
final class NbdExportSteps {
    private static final Logger LOG = LoggerFactory.getLogger(NbdExportSteps.class);
    static final Slot<NbdExporter> EXPORTER = new Slot<>("NBD exports", NbdExporter.class);
    /** nbdkit starts in well under a second; a device that does not answer NBD in this time will not. */
    static final Duration READY_TIMEOUT = Duration.ofMinutes(1);
    static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    /** How often the exporting step checks that every nbdkit is still alive. */
    static final long WATCH_MS = 500;

    private NbdExportSteps() {
    }

    static List<Step> steps(ExportMap map) {
        return List.of(
                Step.of("Starting the exports", START_TIMEOUT, ctx -> start(ctx, map))
                        .withPreview(ctx -> describe(map) + "; then " + ctx.settings().dataDir()
                                .resolve(NbdExporter.READY_FILE)),
                // Until SIGTERM: no timeout of its own.
                new Step("Exporting", Optional.empty(), NbdExportSteps::export,
                        Optional.of(ctx -> "until SIGTERM, then the exports stop and the wrapper exits 0")));
    }

    static String describe(ExportMap map) {
        return map.exports().entrySet().stream()
                .map(e -> "nbdkit --readonly -i 127.0.0.1 -p " + e.getValue() + " file " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    private static void start(RunContext ctx, ExportMap map) throws ConversionException {
        ctx.checkNotStopped();
        Path dataDir = ctx.settings().dataDir();
        NbdExporter exporter = NbdExporter.start(map, dataDir, READY_TIMEOUT);
        ctx.cleanup().register("NBD exports", exporter::stop);
        ctx.put(EXPORTER, exporter);
        for (Map.Entry<Path, ?> e : exporter.uris().entrySet()) {
            LOG.info("exporting {} read-only on {}", e.getKey(), e.getValue());
        }
    }

    private static void export(RunContext ctx) throws ConversionException, java.io.IOException {
        NbdExporter exporter = ctx.get(EXPORTER);
        ctx.stopIsNormalEnd();
        // A SIGTERM from here on stops the exports, which ends the wait below.
        ctx.startChild(() -> exporter, NbdExporter::stop);
        try {
            while (!exporter.awaitStop(WATCH_MS)) {
                Optional<Path> dead = exporter.deadExport();
                if (dead.isPresent()) {
                    exporter.stop();
                    throw new ConversionException("the export of " + dead.get() + " ended by itself (nbdkit exited)");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exporter.stop();
        }
        LOG.info("exports stopped: {}", ctx.stopReason());
    }
}
