package org.v2vwrapper.throttle;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the run's cgroup where the host allows one, trying in order:
 * <ol>
 * <li>cgroup v2, a child of the wrapper's own cgroup: works where that cgroup holds no processes (the root
 *     cgroup on a plain host is exempt from that rule);</li>
 * <li>cgroup v2, a sibling (a child of the parent): works where the parent is delegated to us, e.g. a
 *     systemd {@code Delegate=yes} unit or a container whose entrypoint moved itself into a leaf;</li>
 * <li>cgroup v1, a child of the wrapper's own {@code cpu} cgroup (v1 has no "no internal processes" rule).</li>
 * </ol>
 * Each try must create the directory and write the initial limit; otherwise the next is tried, and where none
 * works the result is an {@link UnsupportedCpuLimiter} saying why.
 */
public final class CpuLimiters {
    private static final Logger LOG = LoggerFactory.getLogger(CpuLimiters.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    static final String PREFIX = "v2v-wrapper-";
    private static final Pattern OURS = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-\\d+");

    private CpuLimiters() {
    }

    /** A fresh cgroup name for a run of this JVM: {@code v2v-wrapper-<pid>-<n>}. */
    public static String newName() {
        return PREFIX + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    public static CpuLimiter create(String name, CgroupLayout layout, OptionalLong initialPercent) {
        List<String> reasons = new ArrayList<>();
        if (layout.v2Own().isPresent()) {
            Path own = layout.v2Own().get();
            List<Path> bases = new ArrayList<>(List.of(own));
            if (!own.equals(layout.v2Mount().orElseThrow()) && own.getParent() != null) {
                bases.add(own.getParent());
            }
            for (Path base : bases) {
                Optional<CpuLimiter> made = tryV2(base, own, name, initialPercent, reasons);
                if (made.isPresent()) {
                    return made.get();
                }
            }
        } else {
            reasons.add("no cgroup2 hierarchy");
        }
        if (layout.v1Own().isPresent()) {
            Path own = layout.v1Own().get();
            Optional<CpuLimiter> made = tryCreate(own, name, initialPercent, reasons,
                dir -> new CgroupV1CpuLimiter(dir, own));
            if (made.isPresent()) {
                return made.get();
            }
        } else {
            reasons.add("no cgroup v1 cpu hierarchy");
        }
        String reason = "no writable cgroup with a cpu controller (" + String.join("; ", reasons) + ")";
        LOG.info("CPU limits unsupported: {}", reason);
        return new UnsupportedCpuLimiter(reason);
    }

    private static Optional<CpuLimiter> tryV2(Path base, Path own, String name, OptionalLong initial,
        List<String> reasons) {
        try {
            List<String> available = words(CgroupCpuLimiter.readControl(base.resolve("cgroup.controllers")));
            if (!available.contains("cpu")) {
                reasons.add(base + ": cpu controller not available");
                return Optional.empty();
            }
            Path subtree = base.resolve("cgroup.subtree_control");
            if (!words(CgroupCpuLimiter.readControl(subtree)).contains("cpu")) {
                // EBUSY when base holds processes (the "no internal processes" rule)
                CgroupCpuLimiter.writeControl(subtree, "+cpu");
            }
        } catch (IOException e) {
            reasons.add(base + ": cannot enable the cpu controller (" + describe(e) + ")");
            return Optional.empty();
        }
        return tryCreate(base, name, initial, reasons, dir -> new CgroupV2CpuLimiter(dir, own));
    }

    private interface Maker {
        CgroupCpuLimiter make(Path directory);
    }

    private static Optional<CpuLimiter> tryCreate(Path base, String name, OptionalLong initial, List<String> reasons,
        Maker maker) {
        removeStale(base);
        Path dir = base.resolve(name);
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            reasons.add(dir + " exists already");
            return Optional.empty();
        } catch (IOException e) {
            reasons.add(base + ": cannot create a cgroup (" + describe(e) + ")");
            return Optional.empty();
        }
        CgroupCpuLimiter limiter = maker.make(dir);
        try {
            limiter.apply(initial);
        } catch (IOException e) {
            reasons.add(dir + ": cannot set a limit (" + describe(e) + ")");
            limiter.close();
            return Optional.empty();
        }
        LOG.info("CPU limits through {}", limiter);
        return Optional.of(limiter);
    }

    /** Empty cgroups left by wrappers that were killed (SIGKILL runs no cleanup). */
    private static void removeStale(Path base) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base, PREFIX + "*")) {
            for (Path entry : entries) {
                Matcher m = OURS.matcher(entry.getFileName().toString());
                if (m.matches() && Files.isDirectory(entry) && CgroupCpuLimiter.onCgroupFs(entry)
                    && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()
                    && CgroupCpuLimiter.processes(entry).isEmpty()) {
                    try {
                        Files.delete(entry);
                        LOG.info("removed stale cgroup {}", entry);
                    } catch (IOException e) {
                        LOG.debug("cannot remove stale cgroup {}: {}", entry, e.getMessage());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot look for stale cgroups in {}: {}", base, e.getMessage());
        }
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.split("\\s+")).map(w -> w.startsWith("+") ? w.substring(1) : w).toList();
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
