package org.v2vwrapper.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What the launcher starts for {@code v2v-wrapper nbd-copy}: a plain command line ({@code SOURCE DEST} and the
 * documented options, each at most once) is read here without building picocli's command model, and the copy runs
 * with no logging framework started; help, {@code --version}, and anything this parser does not accept go through
 * the whole CLI ({@code org.v2vwrapper.Main nbd-copy …}), so messages and exit codes stay those of
 * {@code v2v-wrapper nbd-copy}.
 *
 * <p>Why: start-up and exit are most of the difference to {@code nbdcopy} on a short copy (docs/performance.md).
 * picocli's model costs ~0.2 s of CPU at start (its Java 5 classes cannot go into a class-data sharing archive),
 * and logback ~150 classes, while the standalone command logs nothing anyway (the jar's logback.xml turns every
 * logger off; errors go to stderr as one line). The process exits as soon as the copy (and {@code --flush}'s
 * fsync) is done: {@link System#exit} does not wait for any thread the copy left behind.
 */
public final class NbdCopyMain {
    private NbdCopyMain() {
    }

    public static void main(String[] args) {
        // Nothing is logged by nbd-copy (see above), whichever way it goes: SLF4J's no-operation provider instead
        // of starting logback. First thing, before any class with a logger is initialised.
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            // SLF4J notes an explicitly chosen provider on stderr at INFO; only its warnings may show.
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
        }
        NbdCopyCommand plain = plainArguments(args);
        if (plain == null) {
            String[] all = new String[args.length + 1];
            all[0] = "nbd-copy";
            System.arraycopy(args, 0, all, 1, args.length);
            System.exit(WrapperCommand.execute(Streams.system(), all));
            return;
        }
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(plain.copy(err));
    }

    /** The options of a plain command line, or null if picocli should handle it (help, errors, anything odd). */
    static NbdCopyCommand plainArguments(String[] args) {
        NbdCopyCommand cmd = new NbdCopyCommand();
        String source = null;
        Path destination = null;
        java.util.Set<String> seen = new java.util.HashSet<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (!arg.startsWith("-") || arg.equals("-")) {
                    if (source == null) {
                        source = arg;
                    } else if (destination == null) {
                        destination = Path.of(arg);
                    } else {
                        return null;
                    }
                    continue;
                }
                String name = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                if (!seen.add(name)) {
                    return null;
                }
                switch (name) {
                    case "--flush", "--no-progress" -> {
                        if (value != null) {
                            return null;
                        }
                        if (name.equals("--flush")) {
                            cmd.flush = true;
                        } else {
                            cmd.noProgress = true;
                        }
                        continue;
                    }
                    case "--extents", "--connections", "--requests", "--request-size", "--connect-timeout",
                         "--request-timeout" -> {
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                return null;
                            }
                            value = args[++i];
                        }
                    }
                    default -> {
                        return null;
                    }
                }
                switch (name) {
                    case "--extents" -> cmd.extentsFile = Path.of(value);
                    case "--connections" -> cmd.connections = Integer.parseInt(value);
                    case "--requests" -> cmd.requests = Integer.parseInt(value);
                    case "--request-size" -> cmd.requestSize = Integer.parseInt(value);
                    case "--connect-timeout" -> cmd.connectTimeoutSeconds = Double.parseDouble(value);
                    default -> cmd.requestTimeoutSeconds = Double.parseDouble(value);
                }
            }
        } catch (RuntimeException e) {
            return null;   // a bad number or path: picocli says what is wrong, as it always did
        }
        if (source == null || destination == null) {
            return null;
        }
        cmd.source = source;
        cmd.destination = destination;
        return cmd;
    }
}
