package org.v2vwrapper.plan;

import org.v2vwrapper.ConversionException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

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
        Path out;
        Process p;
        try {
            // Output to a file, not a pipe: a hung child must not block us past the timeout.
            out = java.nio.file.Files.createTempFile("v2v-caps-", ".txt");
        } catch (IOException e) {
            throw new ConversionException("cannot create a temporary file: " + e.getMessage(), e);
        }
        ProcessBuilder pb = new ProcessBuilder(List.of(virtV2v.toString(), "--machine-readable"))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("LANG", "C");
        try {
            p = pb.start();
        } catch (IOException e) {
            deleteQuietly(out);
            throw new ConversionException("cannot run virt-v2v (" + virtV2v + "): " + e.getMessage(), e);
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ConversionException("virt-v2v --machine-readable did not answer within "
                        + TIMEOUT_SECONDS + " s (" + virtV2v + ")");
            }
            if (p.exitValue() != 0) {
                throw new ConversionException("virt-v2v --machine-readable failed with exit code " + p.exitValue()
                        + " (" + virtV2v + ")");
            }
            V2vCapabilities caps = parse(java.nio.file.Files.readString(out, StandardCharsets.UTF_8));
            if (!caps.has("virt-v2v")) {
                throw new ConversionException(virtV2v + " does not look like virt-v2v (no 'virt-v2v' in its --machine-readable output)");
            }
            return caps;
        } catch (IOException e) {
            throw new ConversionException("cannot read virt-v2v --machine-readable output: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted while asking virt-v2v for its capabilities", e);
        } finally {
            deleteQuietly(out);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            java.nio.file.Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover empty temp file is harmless
        }
    }
}
