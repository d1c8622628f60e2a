package org.v2vwrapper.throttle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cgroup v2 code path against a temporary directory laid out like a v2 hierarchy. */
class CgroupV2LayoutTest {
    @TempDir
    Path root;

    private CgroupLayout layout(Path own) {
        return new CgroupLayout(Optional.of(root), Optional.of(own), Optional.empty(), Optional.empty());
    }

    private static void files(Path dir, String controllers, String subtree) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cgroup.controllers"), controllers + "\n");
        Files.writeString(dir.resolve("cgroup.subtree_control"), subtree + "\n");
        Files.writeString(dir.resolve("cgroup.procs"), "");
    }

    @Test
    void makesAChildEnablesCpuAndWritesCpuMax() throws Exception {
        files(root, "cpuset cpu io memory pids", "memory");
        CpuLimiter limiter = CpuLimiters.create("v2v-wrapper-test-1", layout(root), OptionalLong.of(30));
        Path dir = root.resolve("v2v-wrapper-test-1");
        assertInstanceOf(CgroupV2CpuLimiter.class, limiter);
        assertEquals(Optional.of(dir), limiter.directory());
        assertEquals("+cpu", Files.readString(root.resolve("cgroup.subtree_control")).strip());
        assertEquals("30000 100000", Files.readString(dir.resolve("cpu.max")).strip());

        limiter.apply(OptionalLong.of(250));
        assertEquals("250000 100000", Files.readString(dir.resolve("cpu.max")).strip());
        limiter.apply(OptionalLong.empty());
        assertEquals("max 100000", Files.readString(dir.resolve("cpu.max")).strip());
        // a period set by someone else is kept
        Files.writeString(dir.resolve("cpu.max"), "max 50000\n");
        limiter.apply(OptionalLong.of(50));
        assertEquals("25000 50000", Files.readString(dir.resolve("cpu.max")).strip());

        limiter.addProcess(4242);
        assertTrue(limiter.contains(4242));
        assertEquals(List.of("/bin/sh", "-c", CgroupCpuLimiter.JOIN_SCRIPT, dir.resolve("cgroup.procs").toString()),
            limiter.launchPrefix());

        limiter.close();
        assertFalse(Files.exists(dir), "cgroup directory left behind");
        // pid 4242 was moved to the wrapper's own cgroup before removal
        assertEquals("4242", Files.readString(root.resolve("cgroup.procs")).strip());
        limiter.close();
    }

    @Test
    void cpuAlreadyEnabledIsNotWrittenAgain() throws Exception {
        files(root, "cpu", "cpu io");
        try (CpuLimiter limiter = CpuLimiters.create("v2v-wrapper-test-2", layout(root), OptionalLong.empty())) {
            assertTrue(limiter.supported());
            assertEquals("cpu io", Files.readString(root.resolve("cgroup.subtree_control")).strip());
            assertEquals("max 100000", Files.readString(root.resolve("v2v-wrapper-test-2/cpu.max")).strip());
        }
    }

    @Test
    void fallsBackToASiblingWhereTheOwnCgroupCannotDelegateCpu() throws Exception {
        files(root, "cpu memory", "cpu");
        Path own = root.resolve("init");
        files(own, "memory", "");
        try (CpuLimiter limiter = CpuLimiters.create("v2v-wrapper-test-3", layout(own), OptionalLong.of(10))) {
            assertEquals(Optional.of(root.resolve("v2v-wrapper-test-3")), limiter.directory());
            assertEquals("10000 100000", Files.readString(root.resolve("v2v-wrapper-test-3/cpu.max")).strip());
        }
        assertFalse(Files.exists(root.resolve("v2v-wrapper-test-3")));
    }

    @Test
    void noCpuControllerAnywhereIsUnsupported() throws Exception {
        files(root, "memory pids", "");
        CpuLimiter limiter = CpuLimiters.create("v2v-wrapper-test-4", layout(root), OptionalLong.of(10));
        assertInstanceOf(UnsupportedCpuLimiter.class, limiter);
        assertFalse(limiter.supported());
        assertEquals(List.of(), limiter.launchPrefix());
        assertTrue(limiter.unsupportedReason().orElseThrow().contains("cpu controller not available"),
            limiter.unsupportedReason().orElseThrow());
        assertFalse(Files.exists(root.resolve("v2v-wrapper-test-4")));
    }

    @Test
    void noHierarchyAtAllIsUnsupported() {
        CpuLimiter limiter = CpuLimiters.create("v2v-wrapper-test-5", CgroupLayout.NONE, OptionalLong.of(10));
        assertEquals("no writable cgroup with a cpu controller (no cgroup2 hierarchy; no cgroup v1 cpu hierarchy)",
            limiter.unsupportedReason().orElseThrow());
    }
}
