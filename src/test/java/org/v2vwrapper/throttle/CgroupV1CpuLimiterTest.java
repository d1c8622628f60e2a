package org.v2vwrapper.throttle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real cgroup v1 {@code cpu} hierarchy (skipped where the machine has no writable one): a fake virt-v2v
 * with two busy children started through the launch prefix.
 */
class CgroupV1CpuLimiterTest {
    @TempDir
    Path dir;
    private final List<Long> started = new ArrayList<>();
    private CpuLimiter limiter;

    @BeforeEach
    void needsWritableV1Cpu() {
        CgroupLayout detected = CgroupLayout.detect();
        assumeTrue(detected.v1Own().isPresent(), "no cgroup v1 cpu hierarchy");
        CgroupLayout v1Only = new CgroupLayout(Optional.empty(), Optional.empty(), detected.v1Mount(), detected.v1Own());
        limiter = CpuLimiters.create(CpuLimiters.newName(), v1Only, OptionalLong.of(30));
        assumeTrue(limiter.supported(), () -> "cgroup v1 cpu not writable: " + limiter.unsupportedReason());
        assertInstanceOf(CgroupV1CpuLimiter.class, limiter);
    }

    @AfterEach
    void cleanUp() {
        if (limiter != null && limiter.directory().isPresent()) {
            started.addAll(CgroupCpuLimiter.processes(limiter.directory().get()));
        }
        if (limiter != null) {
            limiter.close();
        }
        BusyChildren.killAll(started);
    }

    private Process launch(String... args) throws Exception {
        List<String> command = new ArrayList<>(limiter.launchPrefix());
        command.add(BusyChildren.script(dir).toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(dir.resolve("out.log").toFile()).start();
        started.add(p.pid());
        return p;
    }

    /** The pids in the cgroup once the fake has started its two children. */
    private List<Long> members(Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<Long> pids;
        do {
            Thread.sleep(50);
            pids = CgroupCpuLimiter.processes(limiter.directory().orElseThrow());
        } while (pids.size() < 3 && System.nanoTime() < deadline);
        // 3, or 4 while the fake's own sleep runs
        assertTrue(pids.size() >= 3, "the fake and its two children should be in the cgroup: " + pids);
        assertTrue(pids.contains(p.pid()), "the launched process keeps its pid inside the cgroup");
        started.addAll(pids);
        return pids;
    }

    @Test
    void thirtyPercentHoldsAndUnlimitedRaisesIt() throws Exception {
        Path quota = limiter.directory().orElseThrow().resolve("cpu.cfs_quota_us");
        assertEquals("30000", Files.readString(quota).strip());
        Process p = launch();
        List<Long> pids = members(p);
        assertFalse(CgroupCpuLimiter.processes(limiter.directory().orElseThrow()).contains(ProcessHandle.current().pid()),
            "the wrapper's JVM must not be throttled");

        long throttledBefore = throttledPeriods();
        double limited = BusyChildren.share(pids, 5000);
        assertTrue(limited >= 20 && limited <= 40, "with a 30% limit the children used " + limited + "% of a CPU");
        assertTrue(throttledPeriods() > throttledBefore, "the kernel never throttled the cgroup");

        // Lowered mid-run to 10%, then lifted: on a machine this busy (other builds share its two cores) two
        // loops may get little more than 30% even unthrottled, so the rise is measured from 10%.
        limiter.apply(OptionalLong.of(10));
        assertEquals("10000", Files.readString(quota).strip());
        Thread.sleep(300);
        double low = BusyChildren.share(pids, 3000);
        assertTrue(low >= 3 && low <= 17, "with a 10% limit the children used " + low + "% of a CPU");

        limiter.apply(OptionalLong.empty());
        assertEquals("-1", Files.readString(quota).strip());
        Thread.sleep(300);
        long throttledUnlimited = throttledPeriods();
        double unlimited = BusyChildren.share(pids, 3000);
        assertTrue(unlimited > low * 1.5, "unlimited: " + unlimited + "%, at 10%: " + low + "%");
        assertEquals(throttledUnlimited, throttledPeriods(), "still throttled after \"unlimited\"");
        System.out.printf("cpu share of two busy children: 30%% -> %.1f%%, 10%% -> %.1f%%, unlimited -> %.1f%%%n",
            limited, low, unlimited);

        limiter.apply(OptionalLong.of(150));
        assertEquals("150000", Files.readString(quota).strip());
        p.destroy();
    }

    private long throttledPeriods() throws Exception {
        for (String line : Files.readAllLines(limiter.directory().orElseThrow().resolve("cpu.stat"))) {
            if (line.startsWith("nr_throttled ")) {
                return Long.parseLong(line.substring("nr_throttled ".length()).strip());
            }
        }
        throw new AssertionError("no nr_throttled in cpu.stat");
    }

    @Test
    void cgroupIsGoneAfterSuccess() throws Exception {
        Process p = launch("0", "2");
        List<Long> pids = members(p);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertGoneAfterClose();
        assertAllExited(pids);
    }

    @Test
    void cgroupIsGoneAfterFailure() throws Exception {
        Process p = launch("3", "2");
        List<Long> pids = members(p);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue());
        assertGoneAfterClose();
        assertAllExited(pids);
    }

    @Test
    void cgroupIsGoneAfterTheRunIsKilled() throws Exception {
        Process p = launch();
        List<Long> pids = members(p);
        // SIGTERM, as ManageIQ's kill of the state file's pid; the fake stops its children as virt-v2v does.
        p.destroy();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertGoneAfterClose();
        assertAllExited(pids);
    }

    @Test
    void leftoversAreMovedOutAndTheCgroupStillGoes() throws Exception {
        Process p = launch();
        List<Long> pids = members(p);
        Path cgroup = limiter.directory().orElseThrow();
        limiter.close();
        assertFalse(Files.exists(cgroup), "cgroup left behind with processes in it");
        for (long pid : pids) {
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                "close must not kill; the run stops its children");
        }
    }

    @Test
    void movingARunningProcessIn() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        started.add(sleeper.pid());
        assertFalse(limiter.contains(sleeper.pid()));
        limiter.addProcess(sleeper.pid());
        assertTrue(limiter.contains(sleeper.pid()));
        sleeper.destroy();
        assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS));
        assertGoneAfterClose();
    }

    private static void assertAllExited(List<Long> pids) {
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
        }
    }

    private void assertGoneAfterClose() {
        Path cgroup = limiter.directory().orElseThrow();
        assertTrue(Files.isDirectory(cgroup));
        limiter.close();
        assertFalse(Files.exists(cgroup), "cgroup directory left behind: " + cgroup);
    }
}
