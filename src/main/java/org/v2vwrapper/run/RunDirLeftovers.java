package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.secrets.SecretStore;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * What a wrapper that died without cleaning up (SIGKILL, OOM killer, power loss) leaves in its run directory:
 * its {@code secrets-*} directories (0600 password and key files), the OpenStack→OpenStack tunnels' socket
 * directory ({@code v2v-tunnels-*}), two-phase work directories ({@code two-phase-*}) and complete or partial temporary state files
 * ({@code .state.json.*.tmp}). Removed by whoever next holds the run directory's lock, which proves the
 * previous owner is gone, before anything else; the names removed are returned for the log, never a content.
 *
 * <p>Nothing is followed: a symbolic link with such a name is removed as a link, and a directory is walked
 * without following the links in it, so nothing outside the run directory can be reached.
 */
public final class RunDirLeftovers {
    private static final Logger LOG = LoggerFactory.getLogger(RunDirLeftovers.class);

    /** The remote ledger's name: its temporary files go, the ledger itself stays for a replay. */
    static final String LEDGER_FILE = org.v2vwrapper.ledger.RemoteLedger.FILE_NAME;

    private RunDirLeftovers() {
    }

    /** One thing removed: its name in the run directory and how many files it held (1 for a file). */
    public record Removed(String name, int files) {
    }

    /** Removes the leftovers; call only while holding {@link RunDirLock} for {@code runDir}. */
    public static List<Removed> remove(Path runDir, String stateFileName) throws IOException {
        List<Removed> removed = new ArrayList<>();
        if (!Files.isDirectory(runDir, LinkOption.NOFOLLOW_LINKS)) {
            return removed;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(runDir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.startsWith(SecretStore.DIRECTORY_PREFIX)
                        || name.startsWith(org.v2vwrapper.output.osp.OspMigration.TUNNELS_PREFIX)
                        || name.startsWith(TwoPhaseConversionSteps.WORK_PREFIX)) {
                    // (the tunnels' directory holds only the dead run's ssh sockets; a two-phase work directory
                    // its conversion XML, inspection output and 1.4x overlays, useless once it is dead: both
                    // found left by the torture)
                    removed.add(new Removed(name, removeTree(entry)));
                } else if (isStateTemp(name, stateFileName) || isStateTemp(name, LEDGER_FILE)) {
                    Files.deleteIfExists(entry);
                    removed.add(new Removed(name, 1));
                }
            }
        }
        return removed;
    }

    /**
     * {@link #remove} for the start of a run, with what was removed (names only) or what went wrong in the
     * wrapper log; never throws, since this run's own files do not depend on it ({@code cleanup} can retry).
     */
    public static void removeAndLog(Path runDir, String stateFileName) {
        try {
            List<Removed> removed = remove(runDir, stateFileName);
            if (!removed.isEmpty()) {
                LOG.warn("removed what a previous wrapper left in the run directory: {}", describe(removed));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not remove all a previous wrapper left in the run directory ({})",
                    e.getClass().getSimpleName());
        }
    }

    /** {@code .state.json.<random>.tmp}, as {@code StateFile} names its temporary files. */
    static boolean isStateTemp(String name, String stateFileName) {
        String prefix = "." + stateFileName + ".";
        return name.startsWith(prefix) && name.endsWith(".tmp") && name.length() > prefix.length() + 4;
    }

    private static int removeTree(Path top) throws IOException {
        if (!Files.isDirectory(top, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(top);
            return 1;
        }
        int[] files = {0};
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                files[0]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        return files[0];
    }

    /** {@code secrets-1234 (3 files), .state.json.567.tmp} for a log line; names escaped. */
    public static String describe(List<Removed> removed) {
        List<String> parts = new ArrayList<>();
        for (Removed r : removed) {
            String name = org.v2vwrapper.text.Printable.escape(r.name());
            parts.add(r.name().startsWith(SecretStore.DIRECTORY_PREFIX) ? name + " (" + r.files() + " files)" : name);
        }
        return String.join(", ", parts);
    }
}
