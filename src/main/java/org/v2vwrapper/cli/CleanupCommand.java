package org.v2vwrapper.cli;

import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.output.LedgerReplay;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.InvalidRequestException;
import org.v2vwrapper.request.RequestParser;
import org.v2vwrapper.run.RunDirLeftovers;
import org.v2vwrapper.run.RunDirLock;
import org.v2vwrapper.text.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
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
        "Remove what a dead v2v-wrapper left in its run directory (secret files, temporary state files) and,",
        "with --input, what its ledger lists on the oVirt engine or OpenStack cloud of that request.",
        "Refuses (exit 1) while a live wrapper holds the run directory."})
final class CleanupCommand implements Callable<Integer> {
    @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "${env:V2V_WRAPPER_RUN_DIR:-/var/lib/uci}",
            description = "the run directory (env V2V_WRAPPER_RUN_DIR; default ${DEFAULT-VALUE})")
    Path runDir;

    @Option(names = "--input", paramLabel = "FILE",
            description = {"the request of the dead run (or a new one for the same engine/cloud): its credentials are",
                    "used to delete exactly what the run directory's ledger (remote-ledger.json) lists there"})
    Path input;

    @Option(names = "--ca-bundle", paramLabel = "FILE",
            defaultValue = "${env:V2V_WRAPPER_CA_BUNDLE:-/etc/pki/ca-trust/source/anchors/v2v-conversion-host-ca-bundle.pem}",
            description = "CA bundle for the oVirt engine (env V2V_WRAPPER_CA_BUNDLE; default ${DEFAULT-VALUE})")
    Path caBundle;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Spec
    CommandSpec spec;

    /** The state file's name as a conversion would use it (one source of truth: WrapperSettings). */
    private static String stateFileName(Path runDir) {
        return new WrapperSettings(null, runDir, runDir, null, null).stateFile().getFileName().toString();
    }

    /** The remote part: the ledger, replayed with the credentials of {@code --input}. */
    private int replayLedger(PrintWriter out, PrintWriter err) throws IOException {
        RemoteLedger ledger;
        try {
            ledger = RemoteLedger.forRun(runDir);
        } catch (IOException | RuntimeException e) {
            err.println("v2v-wrapper cleanup: cannot read " + RemoteLedger.FILE_NAME + " ("
                    + e.getClass().getSimpleName() + ")");
            return 1;
        }
        if (ledger.isEmpty()) {
            return 0;
        }
        if (input == null) {
            out.println("the ledger lists " + ledger.entries().size() + " remote object(s): "
                    + Printable.escape(describe(ledger.entries()))
                    + "; give --input request.json (its credentials) to remove them");
            out.flush();
            return 1;
        }
        ConversionRequest request;
        try {
            request = RequestParser.parse(RequestInput.read(Optional.of(input), InputStream.nullInputStream(),
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), false))
                    .request();
        } catch (InvalidRequestException e) {
            err.println("v2v-wrapper cleanup: invalid request: " + e.getMessage());
            return 1;
        }
        WrapperSettings settings = new WrapperSettings(null, runDir, runDir, null, caBundle);
        LedgerReplay.Outcome outcome = new LedgerReplay().replay(ledger, request, settings);
        out.println("removed remotely: " + (outcome.removed().isEmpty() ? "nothing"
                : Printable.escape(describe(outcome.removed()))));
        if (!outcome.left().isEmpty()) {
            out.println("could not remove: " + Printable.escape(describe(outcome.left()))
                    + " (see the wrapper log lines above; run again later)");
        }
        if (!outcome.otherSystems().isEmpty()) {
            out.println("on other systems, not reached by this request, left listed: "
                    + Printable.escape(describe(outcome.otherSystems())));
        }
        out.flush();
        return outcome.complete() && outcome.otherSystems().isEmpty() ? 0 : 1;
    }

    private static String describe(List<RemoteLedger.Entry> entries) {
        return String.join(", ", entries.stream().map(RemoteLedger.Entry::describe).toList());
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
            return replayLedger(out, err);
        } catch (IOException e) {
            err.println("v2v-wrapper cleanup: could not remove everything (" + e.getClass().getSimpleName() + ")");
            return 1;
        }
    }
}
