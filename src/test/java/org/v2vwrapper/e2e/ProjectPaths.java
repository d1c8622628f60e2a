package org.v2vwrapper.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project, its launcher and the shared fixtures are, seen from a test. */
public final class ProjectPaths {
    private ProjectPaths() {
    }

    public static Path root() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("pom.xml"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("project root not found from " + System.getProperty("user.dir"));
        }
        return p;
    }

    public static Path launcher() {
        return root().resolve("scripts/v2v-wrapper");
    }

    public static Path fakeVirtV2v() {
        return root().resolve("src/test/resources/fake-virt-v2v/virt-v2v");
    }

    /** {@code ../shared/fixtures/virt-v2v}, beside the checkout (CI lays shared/ there too). */
    public static Path v2vFixtures() {
        for (Path p = root(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/fixtures/virt-v2v");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared/fixtures/virt-v2v not found above " + root());
    }
}
