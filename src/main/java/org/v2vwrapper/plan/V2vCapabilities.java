package org.v2vwrapper.plan;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.lifecycle.Children;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.Map;

/** What {@code virt-v2v --machine-readable} says this virt-v2v can do, read once per run. */
public record V2vCapabilities(Set<String> features) {

    static final int TIMEOUT_SECONDS = 30;

    public V2vCapabilities {
        features = Set.copyOf(features);
    }

    public static V2vCapabilities parse(String output) {
        return new V2vCapabilities(Set.copyOf(output.lines().map(String::strip).filter(s -> !s.isEmpty()).toList()));
    }

    public boolean has(String feature) {
        return features.contains(feature);
    }

    /** virt-v2v 2.x lists {@code virt-v2v-2.0}; 1.4x does not. */
    public boolean isV2() {
        return has("virt-v2v-2.0");
    }

    public static V2vCapabilities query(Path virtV2v) throws ConversionException {
        Children.Result r;
        try {
            r = Children.run(List.of(virtV2v.toString(), "--machine-readable"), Map.of("LANG", "C"),
                    Duration.ofSeconds(TIMEOUT_SECONDS));
        } catch (Children.TimeoutException e) {
            throw new ConversionException("virt-v2v --machine-readable did not answer within "
                    + TIMEOUT_SECONDS + " s (" + virtV2v + ")");
        } catch (java.io.InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted while asking virt-v2v for its capabilities", e);
        } catch (IOException e) {
            throw new ConversionException("cannot run virt-v2v (" + virtV2v + "): " + e.getMessage(), e);
        }
        if (r.exitCode() != 0) {
            throw new ConversionException("virt-v2v --machine-readable failed with exit code " + r.exitCode()
                    + " (" + virtV2v + ")");
        }
        V2vCapabilities caps = parse(r.output());
        if (!caps.has("virt-v2v")) {
            throw new ConversionException(virtV2v + " does not look like virt-v2v (no 'virt-v2v' in its --machine-readable output)");
        }
        return caps;
    }
}
