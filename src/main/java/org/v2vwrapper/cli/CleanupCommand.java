package org.v2vwrapper.cli;

import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.run.RunDirLeftovers;
import org.v2vwrapper.run.RunDirLock;
import org.v2vwrapper.text.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code cleanup --run-dir DIR}: for an admin after a wrapper was killed (SIGKILL, OOM, reboot), removes what it
 * left in its run directory, as the next conversion on that directory would: the secret directories and the
 * temporary state files. Refuses while a live wrapper holds the directory. Prints what it removed, names only.
 */
@Command(name = "cleanup", description = {
        "Remove what a dead v2v-wrapper left in its run directory (secret files, temporary state files).",
        "Refuses (exit 1) while a live wrapper holds the run directory."})
final class CleanupCommand implements Callable<Integer> {
    @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "${env:V2V_WRAPPER_RUN_DIR:-/var/lib/uci}",
            description = "the run directory (env V2V_WRAPPER_RUN_DIR; default ${DEFAULT-VALUE})")
    Path runDir;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Spec
    CommandSpec spec;

    /** The state file's name as a conversion would use it (one source of truth: WrapperSettings). */
    private static String stateFileName(Path runDir) {
        return new WrapperSettings(null, runDir, runDir, null, null).stateFile().getFileName().toString();
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isDirectory(runDir)) {
            err.println("v2v-wrapper cleanup: " + Printable.escape(runDir.toString()) + " is not a directory");
            return 1;
        }
        Optional<RunDirLock> lock;
        try {
            lock = RunDirLock.tryAcquire(runDir);
        } catch (IOException e) {
            err.println("v2v-wrapper cleanup: cannot lock " + Printable.escape(runDir.toString()) + " ("
                    + e.getClass().getSimpleName() + ")");
            return 1;
        }
        if (lock.isEmpty()) {
            err.println("v2v-wrapper cleanup: run directory " + Printable.escape(runDir.toString())
                    + " is held by a live v2v-wrapper; nothing removed");
            return 1;
        }
        try (RunDirLock held = lock.get()) {
            List<RunDirLeftovers.Removed> removed =
                    RunDirLeftovers.remove(runDir, stateFileName(runDir));
            out.println(removed.isEmpty() ? "nothing to remove"
                    : "removed: " + RunDirLeftovers.describe(removed));
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("v2v-wrapper cleanup: could not remove everything (" + e.getClass().getSimpleName() + ")");
            return 1;
        }
    }
}
