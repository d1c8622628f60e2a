package org.v2vwrapper.real;

import org.v2vwrapper.e2e.ProjectPaths;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The test guest of {@code scripts/build-test-guest} (docs/test-guest.md), built once per JVM into the script's
 * default cache directory, and the real virt-v2v the tests drive.
 */
public final class RealGuest {
    static final Path VIRT_V2V = Path.of("/usr/bin/virt-v2v");

    private static Path dir;

    private RealGuest() {
    }

    static boolean virtV2vInstalled() {
        return Files.isExecutable(VIRT_V2V);
    }

    /** The cache directory holding windows.img, data.img and blank.img; builds them on first use. */
    public static synchronized Path dir() throws IOException, InterruptedException {
        if (dir == null) {
            Path script = ProjectPaths.root().resolve("scripts/build-test-guest");
            Path log = Files.createTempFile("build-test-guest", ".log");
            Process p = new ProcessBuilder(script.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectError(log.toFile())
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("build-test-guest did not finish in 20 min; " + Files.readString(log));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("build-test-guest failed (" + p.exitValue() + "): "
                        + Files.readString(log));
            }
            Files.deleteIfExists(log);
            List<String> lines = out.lines().toList();
            dir = Path.of(lines.get(lines.size() - 1));
        }
        return dir;
    }

    public static Path image(String name) throws IOException, InterruptedException {
        return dir().resolve(name);
    }
}
