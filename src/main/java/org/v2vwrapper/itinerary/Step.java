package org.v2vwrapper.itinerary;

import org.v2vwrapper.ConversionException;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * One step of an {@link Itinerary}. Its name becomes the state's {@code status} while it runs; when it outlives
 * its timeout the run is stopped as on SIGTERM, with a message naming the step. A step registers its undo with
 * {@link RunContext#cleanup()} (always) or {@link RunContext#onFailure} (only when the run fails).
 *
 * @param timeout empty only for a step bounded by something else (virt-v2v: the caller stops it)
 * @param preview what {@code --dry-run} prints for the step (commands with secrets redacted), if anything
 */
public record Step(String name, Optional<Duration> timeout, Action action, Optional<Preview> preview) {

    /** What a step does. */
    @FunctionalInterface
    public interface Action {
        void run(RunContext ctx) throws ConversionException, IOException;
    }

    /** The step described for {@code --dry-run}, from a context whose secret store writes nothing. */
    @FunctionalInterface
    public interface Preview {
        String describe(RunContext ctx) throws ConversionException;
    }

    public static Step of(String name, Duration timeout, Action action) {
        return new Step(name, Optional.of(timeout), action, Optional.empty());
    }

    public Step withPreview(Preview p) {
        return new Step(name, timeout, action, Optional.of(p));
    }

    /** {@code 1 min}, {@code 30 s}, {@code 200 ms}: for logs and the dry run. */
    public String describeTimeout() {
        return timeout.map(t -> t.toMillis() % 1000 != 0 ? t.toMillis() + " ms"
                : t.toSeconds() % 60 == 0 && t.toSeconds() >= 60 ? t.toMinutes() + " min"
                : t.toSeconds() + " s").orElse("no timeout");
    }
}
