package org.v2vwrapper.convert;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs host tools (virt-xml-validate, virt-v2v-in-place, qemu-img) from tests, with a timeout. */
final class Tools {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures/convert");

    private Tools() {
    }

    record Result(int exitCode, String output) {
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Skips the test unless every program is installed. */
    static void assumeInstalled(String... programs) {
        for (String p : programs) {
            assumeTrue(onPath(p), p + " is not installed");
        }
    }

    static Result run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("convert-tool-", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("LANG", "C");
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IOException(command[0] + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** {@code virt-xml-validate FILE domain} (package libvirt-clients; it needs xmllint from libxml2-utils). */
    static Result validateDomain(Path file) throws IOException, InterruptedException {
        assumeInstalled("virt-xml-validate", "xmllint");
        return run(60, "virt-xml-validate", file.toString(), "domain");
    }
}
