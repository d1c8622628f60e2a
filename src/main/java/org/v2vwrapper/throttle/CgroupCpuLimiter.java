package org.v2vwrapper.throttle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The common part of the v1 and v2 cgroups: joining, membership and removal. */
public abstract sealed class CgroupCpuLimiter implements CpuLimiter permits CgroupV1CpuLimiter, CgroupV2CpuLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupCpuLimiter.class);
    static final long DEFAULT_PERIOD_US = 100_000;
    /** The kernel's smallest CFS quota. */
    static final long MIN_QUOTA_US = 1_000;
    private static final long REMOVE_TRIES = 40;
    private static final long REMOVE_PAUSE_MS = 50;

    /**
     * Joins the cgroup, then execs the command: the child's pid is the same before and after, so
     * {@code Process.pid()} is virt-v2v's. The cgroup.procs path is {@code $0}, so no path is ever parsed as
     * shell text. If joining fails the child says so on stderr and runs unthrottled: a limit is not worth a
     * failed conversion, and {@link #contains} lets the wrapper notice.
     */
    static final String JOIN_SCRIPT = "echo $$ > \"$0\" || echo \"v2v-wrapper: cannot join the cgroup;"
        + " running without a CPU limit\" >&2; exec \"$@\"";

    private final Path directory;
    private final Path homeProcs;
    private volatile boolean closed;

    CgroupCpuLimiter(Path directory, Path home) {
        this.directory = directory;
        this.homeProcs = home.resolve("cgroup.procs");
    }

    @Override
    public final boolean supported() {
        return true;
    }

    @Override
    public final synchronized void apply(OptionalLong percent) throws IOException {
        if (closed) {
            return;
        }
        writeLimit(percent);
    }

    /** Writes the limit files of this cgroup version. */
    abstract void writeLimit(OptionalLong percent) throws IOException;

    /** The quota in microseconds per period for a percent of one CPU, never below the kernel's minimum. */
    static long quotaMicros(long percent, long periodMicros) {
        return Math.max(MIN_QUOTA_US, percent * periodMicros / 100);
    }

    @Override
    public final List<String> launchPrefix() {
        return List.of("/bin/sh", "-c", JOIN_SCRIPT, directory.resolve("cgroup.procs").toString());
    }

    @Override
    public final void addProcess(long pid) throws IOException {
        writeControl(directory.resolve("cgroup.procs"), Long.toString(pid));
    }

    @Override
    public final boolean contains(long pid) {
        return processes(directory).contains(pid);
    }

    @Override
    public final Optional<Path> directory() {
        return Optional.of(directory);
    }

    @Override
    public final Optional<String> unsupportedReason() {
        return Optional.empty();
    }

    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int attempt = 0; attempt < REMOVE_TRIES; attempt++) {
            List<Long> left = processes(directory);
            for (long pid : left) {
                try {
                    writeControl(homeProcs, Long.toString(pid));
                } catch (IOException e) {
                    // ESRCH: it has just exited; otherwise the next round tries again
                    LOG.debug("cannot move pid {} out of {}: {}", pid, directory, e.getMessage());
                }
            }
            if (!left.isEmpty() && attempt == 0) {
                LOG.warn("processes {} were still in {}; moved them out (unthrottled)", left, directory);
            }
            if (tryRemove()) {
                LOG.debug("removed cgroup {}", directory);
                return;
            }
            sleepQuietly();
        }
        LOG.warn("cannot remove cgroup {}", directory);
    }

    private boolean tryRemove() {
        try {
            Files.delete(directory);
            return true;
        } catch (NoSuchFileException e) {
            return true;
        } catch (DirectoryNotEmptyException e) {
            // On cgroupfs rmdir ignores the control files; a plain directory (a test layout of a hierarchy,
            // or a hierarchy the kernel does not back) needs its files removed first.
            if (!onCgroupFs(directory)) {
                deleteRegularFiles(directory);
            }
            return false;
        } catch (IOException e) {
            // EBUSY while the last process is still exiting
            LOG.debug("rmdir {}: {}", directory, e.getMessage());
            return false;
        }
    }

    static boolean onCgroupFs(Path dir) {
        try {
            String type = Files.getFileStore(dir).type();
            return type.equals("cgroup") || type.equals("cgroup2");
        } catch (IOException e) {
            return true;
        }
    }

    private static void deleteRegularFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot empty {}: {}", dir, e.getMessage());
        }
    }

    static List<Long> processes(Path cgroup) {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(cgroup.resolve("cgroup.procs"), StandardCharsets.US_ASCII)) {
                String s = line.strip();
                if (!s.isEmpty()) {
                    pids.add(Long.parseLong(s));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no such cgroup (any more): nothing in it
        }
        return pids;
    }

    /**
     * One write of a control file. CREATE matters only for a test layout: cgroupfs refuses to create files,
     * so a controller that is not there still fails.
     */
    static void writeControl(Path file, String value) throws IOException {
        Files.writeString(file, value + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    static String readControl(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII).strip();
    }

    private static void sleepQuietly() {
        try {
            TimeUnit.MILLISECONDS.sleep(REMOVE_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + directory + "]";
    }
}
