package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.WrapperSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Each run's own log files in the log directory: the fixed names become symbolic links to the newest run's files,
 * and only the newest {@link #KEEP} logs of each kind are kept. A file of a run still going is never truncated or
 * reused, since every run makes new files.
 */
public final class RunLogs {
    private static final Logger LOG = LoggerFactory.getLogger(RunLogs.class);
    /** Old logs kept per kind (wrapper, virt-v2v, machine-readable), this run's included. */
    public static final int KEEP = 10;

    private static final String STAMP = "(\\d{8}T\\d{6}\\.\\d{3}Z)";
    private static final Pattern WRAPPER = Pattern.compile("virt-v2v-wrapper-" + STAMP + "\\.log");
    private static final Pattern MR = Pattern.compile("virt-v2v-mr-.+-" + STAMP + "\\.log");
    private static final Pattern V2V = Pattern.compile("virt-v2v-(?!wrapper-\\d{8}T)(?!mr-).+-" + STAMP + "\\.log");

    private RunLogs() {
    }

    /** Points {@code fixedName} at {@code target} (atomically: a new link renamed over the old name). */
    public static void linkNewest(Path target, String fixedName) {
        Path dir = target.getParent();
        Path link = dir.resolve(fixedName);
        Path tmp = dir.resolve("." + fixedName + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(link)) {
                // a log of an older wrapper under the fixed name: kept under a dated name, not overwritten
                Path old = dir.resolve(fixedName.replace(".log", "-" + WrapperSettings.STAMP.format(
                        Files.getLastModifiedTime(link).toInstant()) + ".old.log"));
                Files.move(link, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, target.getFileName());
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("cannot point {} at {}: {}", link, target.getFileName(), e.toString());
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /** Removes all but the newest {@link #KEEP} logs of each kind; never {@code keep} (this run's). */
    public static List<Path> prune(Path logDir, List<Path> keep) {
        List<Path> removed = new ArrayList<>();
        for (Pattern kind : List.of(WRAPPER, V2V, MR)) {
            List<Path> logs = logsOf(logDir, kind);
            for (int i = 0; i < logs.size() - KEEP; i++) {
                Path old = logs.get(i);
                if (keep.contains(old)) {
                    continue;
                }
                try {
                    if (Files.deleteIfExists(old)) {
                        removed.add(old);
                    }
                } catch (IOException e) {
                    LOG.warn("cannot remove the old log {}: {}", old, e.toString());
                }
            }
        }
        if (!removed.isEmpty()) {
            LOG.info("removed {} old log(s), keeping the newest {} of each kind: {}", removed.size(), KEEP,
                    removed.stream().map(p -> p.getFileName().toString()).toList());
        }
        return removed;
    }

    /** The logs of one kind, oldest first (by the stamp in the name). */
    static List<Path> logsOf(Path logDir, Pattern kind) {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(logDir)) {
            files.filter(p -> kind.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .forEach(out::add);
        } catch (IOException e) {
            LOG.warn("cannot list {}: {}", logDir, e.toString());
        }
        out.sort(Comparator.comparing((Path p) -> stamp(kind, p)).thenComparing(Path::toString));
        return out;
    }

    private static String stamp(Pattern kind, Path p) {
        Matcher m = kind.matcher(p.getFileName().toString());
        return m.matches() ? m.group(1) : "";
    }
}
