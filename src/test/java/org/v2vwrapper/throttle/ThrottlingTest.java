package org.v2vwrapper.throttle;

import org.v2vwrapper.throttle.limits.Limits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole of one run's throttling, with the CPU part on a directory laid out like a cgroup v2 hierarchy. */
class ThrottlingTest {
    @TempDir
    Path runDir;
    @TempDir
    Path cgroupRoot;
    private final List<Map<String, String>> states = new CopyOnWriteArrayList<>();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Throttling.Sink sink = new Throttling.Sink() {
        @Override
        public void throttling(Map<String, String> inForce) {
            states.add(inForce);
        }

        @Override
        public void warning(String message) {
            warnings.add(message);
        }
    };

    @BeforeEach
    void fakeHierarchy() throws Exception {
        Files.writeString(cgroupRoot.resolve("cgroup.controllers"), "cpu memory\n");
        Files.writeString(cgroupRoot.resolve("cgroup.subtree_control"), "\n");
        Files.writeString(cgroupRoot.resolve("cgroup.procs"), "");
    }

    private Throttling.Capabilities caps(boolean bandwidthFile) {
        return new Throttling.Capabilities(bandwidthFile, false,
            new CgroupLayout(Optional.of(cgroupRoot), Optional.of(cgroupRoot), Optional.empty(), Optional.empty()));
    }

    private Path cgroupDir(Throttling t) {
        return t.cpu().directory().orElseThrow();
    }

    private void writeLimits(Throttling t, String json) throws Exception {
        Path temp = runDir.resolve("limits.tmp");
        Files.writeString(temp, json);
        Files.move(temp, t.limitsFile(), StandardCopyOption.ATOMIC_MOVE);
    }

    private static void await(BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 5 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (Exception e) {
            return "<" + e + ">";
        }
    }

    @Test
    void initialLimitsThenFileChangesAreAppliedEverywhere() throws Exception {
        Throttling t = Throttling.start(runDir, Limits.of(50L, 1048576L), caps(true), sink);
        Path cgroup = cgroupDir(t);
        Path bandwidth = t.bandwidthFile().orElseThrow();
        try {
            assertEquals(runDir.resolve("limits.json"), t.limitsFile());
            assertEquals(Map.of("cpu", "50%", "network", "1048576"), t.stateView());
            assertEquals(t.stateView(), states.get(states.size() - 1));
            assertEquals("50000 100000", read(cgroup.resolve("cpu.max")));
            assertEquals("8388608", read(bandwidth), "bits per second");
            assertEquals(1048576, t.bucket().rate());

            writeLimits(t, "{\"cpu\": \"unlimited\"}");
            await(() -> t.stateView().get("cpu").equals("unlimited"), "cpu unlimited");
            assertEquals("max 100000", read(cgroup.resolve("cpu.max")));
            assertEquals("8388608", read(bandwidth), "a missing key keeps its value");
            assertFalse(Files.exists(t.limitsFile()), "the file is removed once read");

            writeLimits(t, "{\"network\": \"unlimited\", \"cpu\": \"150%\"}");
            await(() -> t.stateView().equals(Map.of("cpu", "150%", "network", "unlimited")), "both changed");
            assertEquals("0", read(bandwidth), "0 means no limit to nbdkit's rate filter");
            assertEquals(0, t.bucket().rate());
            assertEquals("150000 100000", read(cgroup.resolve("cpu.max")));

            writeLimits(t, "{\"network\": \"hunter2\"}");
            await(() -> !warnings.isEmpty(), "a warning");
            assertTrue(warnings.get(0).startsWith("throttling file ignored: network"), warnings.get(0));
            assertFalse(warnings.get(0).contains("hunter2"));
            assertEquals(Map.of("cpu", "150%", "network", "unlimited"), t.stateView(), "malformed changes nothing");
            assertEquals("0", read(bandwidth));

            writeLimits(t, "{\"network\": \"1000\"}");
            await(() -> t.stateView().get("network").equals("1000"), "network 1000");
            assertEquals("8000", read(bandwidth));
            assertEquals(1, warnings.size());
        } finally {
            t.close();
        }
        assertFalse(Files.exists(cgroup), "cgroup left behind");
        assertFalse(Files.exists(bandwidth), "bandwidth file left behind");
        t.close();
    }

    @Test
    void theFakeVirtV2vRunsInTheCgroupAndSeesItsBandwidthFileChange() throws Exception {
        Throttling t = Throttling.start(runDir, Limits.of(null, 2000L), caps(true), sink);
        Path seen = runDir.resolve("seen");
        Path stop = runDir.resolve("stop");
        Path fake = runDir.resolve("fake-virt-v2v");
        // Like virt-v2v handing the file to nbdkit's rate filter: it re-reads it while it runs.
        Files.writeString(fake, """
            #!/bin/sh
            [ "$1" = --bandwidth-file ] || exit 2
            while [ ! -e "$3" ]; do cat "$2" > "$4.tmp" && mv "$4.tmp" "$4"; sleep 0.1; done
            """, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        List<String> command = new ArrayList<>(t.launchPrefix());
        command.addAll(List.of(fake.toString(), "--bandwidth-file", t.bandwidthFile().orElseThrow().toString(),
            stop.toString(), seen.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(runDir.resolve("out.log").toFile()).start();
        try {
            await(() -> read(seen).equals("16000"), "the fake sees 2000 bytes/s as 16000 bits/s");
            assertTrue(t.cpu().contains(p.pid()), "the launch prefix put the child (same pid) in the cgroup");
            writeLimits(t, "{\"network\": \"125000\"}");
            await(() -> read(seen).equals("1000000"), "the fake sees the new rate");
            writeLimits(t, "{\"network\": \"unlimited\"}");
            await(() -> read(seen).equals("0"), "the fake sees no limit");
            Files.createFile(stop);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), read(runDir.resolve("out.log")));
        } finally {
            p.destroyForcibly();
            t.close();
        }
    }

    @Test
    void whereNothingIsSupportedTheStateSaysSoAndWarnsOnce() throws Exception {
        Throttling t = Throttling.start(runDir, Limits.UNLIMITED,
            new Throttling.Capabilities(false, false, CgroupLayout.NONE), sink);
        try {
            assertEquals(Map.of("cpu", "unsupported", "network", "unsupported"), t.stateView());
            assertEquals(List.of(), t.launchPrefix());
            assertEquals(Optional.empty(), t.bandwidthFile());
            assertEquals(List.of(), warnings, "no warning while no limit is asked for");
            writeLimits(t, "{\"cpu\": \"20%\", \"network\": \"100\"}");
            await(() -> warnings.size() == 2, "two warnings");
            assertTrue(warnings.get(0).startsWith("CPU limit not enforced: no writable cgroup"), warnings.get(0));
            assertEquals("network limit not enforced: this virt-v2v has no --bandwidth-file", warnings.get(1));
            writeLimits(t, "{\"cpu\": \"30%\", \"network\": \"200\"}");
            await(() -> t.inForce().equals(Limits.of(30L, 200L)), "recorded");
            Thread.sleep(200);
            assertEquals(2, warnings.size(), "said once");
            assertEquals(Map.of("cpu", "unsupported", "network", "unsupported"), states.get(states.size() - 1));
        } finally {
            t.close();
        }
    }

    @Test
    void wrapperCopiesAloneSupportTheNetworkLimit() {
        Throttling t = Throttling.start(runDir, Limits.of(null, 5000L),
            new Throttling.Capabilities(false, true, CgroupLayout.NONE), sink);
        try {
            assertEquals(Map.of("cpu", "unsupported", "network", "5000"), t.stateView());
            assertEquals(5000, t.bucket().rate());
            assertEquals(List.of(), warnings);
        } finally {
            t.close();
        }
    }
}
