package org.v2vwrapper.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.plan.VirtV2vCommand;
import org.v2vwrapper.request.TransportMethod;
import org.v2vwrapper.throttle.CgroupLayout;
import org.v2vwrapper.throttle.Throttling;
import org.v2vwrapper.throttle.limits.Limits;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How virt-v2v's command is throttled, and how --bandwidth-file is detected. */
class RunThrottlingTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final Throttling.Sink sink = new Throttling.Sink() {
        @Override
        public void throttling(Map<String, String> inForce) {
        }

        @Override
        public void warning(String message) {
            warnings.add(message);
        }
    };

    private static final VirtV2vCommand COMMAND = new VirtV2vCommand(
            List.of("/usr/bin/virt-v2v", "-v", "-x", "web01", "-o", "local"), Map.of("LANG", "C"));

    @Test
    void theLaunchPrefixGoesFirstAndTheBandwidthFileRightAfterTheProgram() throws Exception {
        Path cgroups = Files.createDirectories(dir.resolve("cgroup"));
        Files.writeString(cgroups.resolve("cgroup.controllers"), "cpu\n");
        Files.writeString(cgroups.resolve("cgroup.subtree_control"), "\n");
        Files.writeString(cgroups.resolve("cgroup.procs"), "");
        Path runDir = Files.createDirectories(dir.resolve("run"));
        try (Throttling t = Throttling.start(runDir, Limits.UNLIMITED, new Throttling.Capabilities(true, false,
                new CgroupLayout(Optional.of(cgroups), Optional.of(cgroups), Optional.empty(), Optional.empty())),
                sink)) {
            VirtV2vCommand throttled = RunThrottling.throttled(COMMAND, t);
            List<String> expected = new ArrayList<>(t.launchPrefix());
            assertFalse(expected.isEmpty(), "a cgroup on the laid-out hierarchy");
            assertTrue(expected.get(expected.size() - 1).endsWith("/cgroup.procs"), expected.toString());
            expected.addAll(List.of("/usr/bin/virt-v2v", "--bandwidth-file", runDir.resolve("bandwidth").toString(),
                    "-v", "-x", "web01", "-o", "local"));
            assertEquals(expected, throttled.argv());
            assertEquals(COMMAND.environment(), throttled.environment());
        }
    }

    @Test
    void withoutCgroupOrBandwidthFileTheCommandIsUnchanged() {
        try (Throttling t = Throttling.start(Files.createDirectories(dir.resolve("run")), Limits.UNLIMITED,
                new Throttling.Capabilities(false, false, CgroupLayout.NONE), sink)) {
            assertEquals(COMMAND, RunThrottling.throttled(COMMAND, t));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    @Test
    void theBandwidthFileOptionIsFoundInHelpOnly() throws Exception {
        assertTrue(RunThrottling.bandwidthFileSupported(
                script("with", "echo '  --bandwidth-file FILE  Set bandwidth dynamically from file'")));
        assertFalse(RunThrottling.bandwidthFileSupported(script("without", "echo '  -b BRIDGE'")));
        assertFalse(RunThrottling.bandwidthFileSupported(script("failing", "echo --bandwidth-file; exit 1")));
        assertFalse(RunThrottling.bandwidthFileSupported(dir.resolve("missing")));
    }

    @Test
    void onlyNetworkInputsAreAsked() {
        assertTrue(RunThrottling.networkInput(TransportMethod.VDDK));
        assertTrue(RunThrottling.networkInput(TransportMethod.SSH));
        assertFalse(RunThrottling.networkInput(TransportMethod.DISK));
    }
}
