package org.v2vwrapper.packaging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.e2e.ProjectPaths;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container's entrypoint with the real launcher: a dry run of an example mounted where the UCI reads it. */
class ContainerEntrypointIT {
    @Test
    void dryRunOfTheMountedRequestUsesTheContainersDirectories(@TempDir Path dir) throws Exception {
        Path input = Files.createDirectories(dir.resolve("data/input")).resolve("conversion.json");
        Files.copy(ProjectPaths.root().resolve("examples/vddk-to-rhv.json"), input);
        ProcessBuilder pb = new ProcessBuilder(ProjectPaths.root().resolve("packaging/container/entrypoint").toString(),
                "--dry-run", "--virt-v2v=/nonexistent/virt-v2v")
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
        pb.environment().put("UCI_DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("UCI_RUN_DIR", dir.resolve("lib").toString());
        pb.environment().put("UCI_LOG_DIR", dir.resolve("log").toString());
        pb.environment().put("UCI_VDDK_DIR", dir.resolve("vddk").toString());
        pb.environment().put("UCI_WRAPPER", ProjectPaths.launcher().toString());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "dry run did not end");
        String out = Files.readString(dir.resolve("out"));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("err")));
        assertTrue(out.contains("--machine-readable=file:" + dir.resolve("log/virt-v2v-mr.log")), out);
        assertTrue(out.contains("-io vddk-libdir=" + dir.resolve("vddk")), out);
        assertTrue(!out.contains("example-vmware-password") && out.contains("'<vmware_password>'"), out);
    }
}
