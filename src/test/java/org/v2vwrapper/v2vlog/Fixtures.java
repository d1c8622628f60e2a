package org.v2vwrapper.v2vlog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The captured virt-v2v output under {@code ../shared/fixtures/virt-v2v}. */
public final class Fixtures {

    private static final Path ROOT = locate();

    private Fixtures() {
    }

    private static Path locate() {
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Path sibling = cwd.resolveSibling("shared").resolve("fixtures");
        if (Files.isDirectory(sibling)) {
            return sibling.resolve("virt-v2v");
        }
        for (Path dir = cwd; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("fixtures");
            if (Files.isDirectory(candidate)) {
                return candidate.resolve("virt-v2v");
            }
        }
        throw new IllegalStateException("shared/fixtures not found from " + cwd);
    }

    public static Path path(String name) {
        return ROOT.resolve(name);
    }

    public static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
