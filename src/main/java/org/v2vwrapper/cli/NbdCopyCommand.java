package org.v2vwrapper.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.v2vwrapper.nbd.CopyOptions;
import org.v2vwrapper.nbd.CopyProgress;
import org.v2vwrapper.nbd.CopyResult;
import org.v2vwrapper.nbd.DiskCopier;
import org.v2vwrapper.nbd.Extent;
import org.v2vwrapper.nbd.ExtentsFile;
import org.v2vwrapper.nbd.NbdClient;
import org.v2vwrapper.nbd.NbdClientOptions;
import org.v2vwrapper.nbd.NbdConnection;
import org.v2vwrapper.nbd.NbdUri;
import org.v2vwrapper.nbd.StandaloneLogging;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code v2v-wrapper nbd-copy SOURCE_URI DEST [--extents FILE]}: copies an NBD export to a local disk. */
@Command(name = "nbd-copy", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
    versionProvider = NbdCopyCommand.VersionProvider.class,
    description = {"Copies an NBD export, or the listed extents of it, to a local file or block device.",
        "Holes in the source stay holes in a new or whole-disk regular-file destination.",
        "Progress goes to stderr; exit 0 on success, 1 on error."})
public final class NbdCopyCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(NbdCopyCommand.class);

    @Parameters(index = "0", paramLabel = "SOURCE_URI",
        description = "nbd://host[:port]/export or nbd+unix:///export?socket=PATH")
    String source;

    @Parameters(index = "1", paramLabel = "DEST", description = "destination file (created if missing) or block device")
    Path destination;

    @Option(names = "--extents", paramLabel = "FILE",
        description = "copy only these extents: JSON [{\"start\":N,\"length\":N},...] or lines \"OFFSET LENGTH\"")
    Path extentsFile;

    @Option(names = "--connections", defaultValue = "4",
        description = "connections when the server allows multi-conn (default ${DEFAULT-VALUE})")
    int connections = 4;

    @Option(names = "--requests", defaultValue = "64",
        description = "read requests in flight in all (default ${DEFAULT-VALUE})")
    int requests = 64;

    @Option(names = "--request-size", defaultValue = "262144",
        description = "bytes per read request (default ${DEFAULT-VALUE})")
    int requestSize = 262144;

    @Option(names = "--connect-timeout", defaultValue = "30", paramLabel = "SECONDS",
        description = "for connecting and the handshake (default ${DEFAULT-VALUE})")
    double connectTimeoutSeconds = 30;

    @Option(names = "--request-timeout", defaultValue = "120", paramLabel = "SECONDS",
        description = "for each request (default ${DEFAULT-VALUE})")
    double requestTimeoutSeconds = 120;

    @Option(names = "--flush", description = "sync the destination to stable storage at the end")
    boolean flush;

    @Option(names = "--no-progress", description = "print no progress")
    boolean noProgress;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return copy(spec.commandLine().getErr());
    }

    /** The copy with the options as set (by picocli, or by {@link NbdCopyMain} from a plain command line). */
    int copy(PrintWriter err) {
        try {
            NbdUri uri = NbdUri.parse(source);
            List<Extent> extents = extentsFile == null ? null : ExtentsFile.read(extentsFile);
            NbdClientOptions clientOptions = new NbdClientOptions(connections, seconds(connectTimeoutSeconds),
                seconds(requestTimeoutSeconds));
            CopyOptions copyOptions = new CopyOptions(requests, requestSize, flush);
            CopyProgress progress = noProgress ? CopyProgress.NONE
                : CopyProgress.rateLimited(new StderrProgress(err), Duration.ofSeconds(1));
            try (NbdClient client = NbdClient.connect(uri, clientOptions)) {
                DiskCopier copier = new DiskCopier(client, copyOptions, progress);
                CopyResult result = extents == null ? copier.copyAll(destination)
                    : copier.copyExtents(extents, destination);
                if (!noProgress) {
                    err.printf("nbd-copy: done: %d bytes of data, %d bytes of zeroes in %.2f s%n",
                        result.dataBytes(), result.zeroBytes(), result.elapsed().toNanos() / 1e9);
                    err.flush();
                }
            }
            return 0;
        } catch (Exception e) {
            // The trace is for the log file; the user gets one line.
            LOG.info("nbd-copy {} to {} failed", source, destination, e);
            String reason = e instanceof java.nio.file.FileSystemException fse
                ? org.v2vwrapper.text.IoErrors.describe(fse) : NbdConnection.describe(e);
            err.println("nbd-copy: " + org.v2vwrapper.text.Printable.escape(reason.replace('\n', ' ')));
            err.flush();
            return 1;
        }
    }

    /** {@code nbd-copy --version}: {@code nbd-copy (virt-v2v-wrapper) <version>}. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nbd-copy (virt-v2v-wrapper) " + Version.get()};
        }
    }

    private static Duration seconds(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    /** "nbd-copy: 512.0 / 1024.0 MiB (50%)" lines. */
    private record StderrProgress(PrintWriter err) implements CopyProgress {
        @Override
        public void update(long copied, long toCopy) {
            synchronized (err) {
                err.printf("nbd-copy: %.1f / %.1f MiB (%d%%)%n", copied / 1048576.0, toCopy / 1048576.0,
                    toCopy == 0 ? 100 : copied * 100 / toCopy);
                err.flush();
            }
        }
    }

    /**
     * A command line whose usage errors are one line and exit 1, as for every other error. (Registered as a
     * subcommand, the main command's handlers apply instead.)
     */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new NbdCopyCommand());
        commandLine.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("nbd-copy: " + e.getMessage());
            e.getCommandLine().getErr().flush();
            return 1;
        });
        return commandLine;
    }

    public static void main(String[] args) {
        StandaloneLogging.configureIfUnconfigured();
        System.exit(commandLine().execute(args));
    }
}
