package org.v2vwrapper.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** The process's standard streams, passed in so tests can run the CLI in-process. */
public record Streams(InputStream in, PrintStream out, PrintStream err) {
    public static Streams system() {
        return new Streams(System.in, System.out, System.err);
    }
}
