package org.v2vwrapper.v2vlog;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.v2vwrapper.state.ConversionState;
import picocli.CommandLine;
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

    @Option(names = "--v2v-log", required = true, paramLabel = "FILE", description = "virt-v2v's stdout+stderr")
    Path v2vLog;

    @Option(names = "--machine-readable-log", paramLabel = "FILE", description = "the --machine-readable=file: log")
    Path machineReadableLog;

    @Option(names = "--source-disk", paramLabel = "PATH", description = "a source_disks entry (repeatable)")
    List<String> sourceDisks = new ArrayList<>();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReplayLogCommand()).execute(args));
    }

    @Override
    public Integer call() {
        ConversionState state = new ConversionState();
        if (!sourceDisks.isEmpty()) {
            state.initDisks(sourceDisks);
        }
        byte[] buf = new byte[CHUNK];
        try {
            replay(v2vLog, new V2vLogParser(state).newStream(), buf);
            if (machineReadableLog != null) {
                replay(machineReadableLog, new MachineReadableParser(state).newStream(), buf);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(Json.MAPPER.writeValueAsString(state.snapshot()));
            out.flush();
            return 0;
        } catch (IOException e) {
            spec.commandLine().getErr().println("replay-log: " + e);
            return 1;
        }
    }

    private static void replay(Path file, LogFeed feed, byte[] buf) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                feed.feed(buf, 0, n);
            }
        }
        feed.close();
    }
}
