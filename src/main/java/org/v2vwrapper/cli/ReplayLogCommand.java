package org.v2vwrapper.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.v2vlog.LogFeed;
import org.v2vwrapper.v2vlog.MachineReadableParser;
import org.v2vwrapper.v2vlog.MappedLog;
import org.v2vwrapper.v2vlog.SnapshotJson;
import org.v2vwrapper.v2vlog.V2vLogParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replay-log}: parses a saved virt-v2v log exactly as the live monitor would and prints the resulting state
 * as one JSON document on stdout. For debugging a conversion after the fact, and for benchmarking the parser.
 */
@Command(name = "replay-log", description = "Parse a saved virt-v2v log and print the resulting state JSON.")
public final class ReplayLogCommand implements Callable<Integer> {

    /** Big reads: the file is read once, front to back; 1 MiB keeps syscalls rare and stays in the L2/L3 cache. */
    private static final int CHUNK = 1 << 20;
    /** Mapped at a time: a mapping is limited to 2 GiB, and smaller windows keep the address space modest. */
    private static final long MAP_WINDOW = 1L << 30;

    @Option(names = "--v2v-log", paramLabel = "FILE",
            description = "virt-v2v's stdout+stderr (or give it as the positional V2V_LOG)")
    Path v2vLog;

    @picocli.CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "V2V_LOG",
            description = "virt-v2v's stdout+stderr, instead of --v2v-log")
    Path positionalLog;

    @Option(names = "--machine-readable-log", paramLabel = "FILE", description = "the --machine-readable=file: log")
    Path machineReadableLog;

    @Option(names = "--source-disk", paramLabel = "PATH", description = "a source_disks entry (repeatable)")
    List<String> sourceDisks = new ArrayList<>();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Spec
    CommandSpec spec;

    /**
     * Stand-alone entry point (benchmarks, debugging). The plain form {@code --v2v-log FILE
     * [--machine-readable-log FILE] [--source-disk PATH]...} skips picocli: building its command model costs about
     * a quarter of a second here (picocli's classes are Java 5 bytecode, which class-data sharing cannot archive),
     * as much as parsing 256 MiB. Anything else (help, errors) goes through the whole CLI ({@code org.v2vwrapper.Main}
     * with {@code replay-log} in front), so its messages and exit codes are those of {@code v2v-wrapper replay-log}.
     */
    public static void main(String[] args) {
        ReplayLogCommand plain = plainArguments(args);
        if (plain == null) {
            // help, errors: exactly as `v2v-wrapper replay-log …` (the launcher starts this class for replay-log)
            String[] all = new String[args.length + 1];
            all[0] = "replay-log";
            System.arraycopy(args, 0, all, 1, args.length);
            System.exit(WrapperCommand.execute(Streams.system(), all));
            return;
        }
        PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(plain.replay(out, err));
    }

    /** The options of a plain invocation, or null if picocli should handle it. */
    static ReplayLogCommand plainArguments(String[] args) {
        ReplayLogCommand cmd = new ReplayLogCommand();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            String value;
            if (!name.startsWith("-")) {
                if (cmd.v2vLog != null) {
                    return null; // twice, or with --v2v-log: picocli's error
                }
                cmd.v2vLog = Path.of(name);
                continue;
            }
            int eq = name.indexOf('=');
            if (name.startsWith("--") && eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return null;
            }
            switch (name) {
                case "--v2v-log":
                    if (cmd.v2vLog != null) {
                        return null;
                    }
                    cmd.v2vLog = Path.of(value);
                    break;
                case "--machine-readable-log":
                    if (cmd.machineReadableLog != null) {
                        return null;
                    }
                    cmd.machineReadableLog = Path.of(value);
                    break;
                case "--source-disk":
                    cmd.sourceDisks.add(value);
                    break;
                default:
                    return null;
            }
        }
        return cmd.v2vLog != null ? cmd : null;
    }

    @Override
    public Integer call() {
        if (v2vLog != null && positionalLog != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "give the log once: as V2V_LOG or with --v2v-log, not both");
        }
        if (v2vLog == null && positionalLog == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Missing required log: V2V_LOG or --v2v-log=FILE");
        }
        if (v2vLog == null) {
            v2vLog = positionalLog;
        }
        return replay(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    private int replay(PrintWriter out, PrintWriter err) {
        ConversionState state = new ConversionState();
        if (!sourceDisks.isEmpty()) {
            state.initDisks(sourceDisks);
        }
        byte[] buf = new byte[CHUNK];
        Path reading = v2vLog;
        try {
            V2vLogParser parser = new V2vLogParser(state);
            if (Files.isRegularFile(v2vLog)) {
                try (FileChannel ch = FileChannel.open(v2vLog, StandardOpenOption.READ)) {
                    MappedLog.replay(ch, parser);
                }
            } else {
                replay(v2vLog, parser.newStream(), buf);
            }
            if (machineReadableLog != null) {
                reading = machineReadableLog;
                replay(machineReadableLog, new MachineReadableParser(state).newStream(), buf);
            }
            out.println(SnapshotJson.write(state.snapshot()));
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("replay-log: cannot read " + org.v2vwrapper.text.Printable.escape(reading.toString()) + ": "
                    + org.v2vwrapper.text.Printable.escape(org.v2vwrapper.text.IoErrors.reason(e)));
            err.flush();
            return 1;
        }
    }

    /**
     * Feeds a whole file. A regular file is memory-mapped and copied out chunk by chunk: one copy instead of the
     * two of a stream read (kernel to a temporary direct buffer, then to the heap), about a quarter less time for
     * the I/O in the benchmark. Anything else (a pipe, {@code <(zcat log.gz)}) is read as a stream.
     */
    private static void replay(Path file, LogFeed feed, byte[] buf) throws IOException {
        if (Files.isRegularFile(file)) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                for (long pos = 0; pos < size; ) {
                    long length = Math.min(MAP_WINDOW, size - pos);
                    MappedByteBuffer window = ch.map(FileChannel.MapMode.READ_ONLY, pos, length);
                    pos += window.remaining();
                    while (window.hasRemaining()) {
                        int n = Math.min(buf.length, window.remaining());
                        window.get(buf, 0, n);
                        feed.feed(buf, 0, n);
                    }
                }
            }
        } else {
            try (InputStream in = Files.newInputStream(file)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    feed.feed(buf, 0, n);
                }
            }
        }
        feed.close();
    }
}
