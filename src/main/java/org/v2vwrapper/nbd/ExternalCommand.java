package org.v2vwrapper.nbd;

import org.v2vwrapper.lifecycle.Children;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** Runs a short helper program (fallocate, blockdev, nbdkit --dump-plugin) with a timeout, through {@link Children}. */
final class ExternalCommand {
    private ExternalCommand() {
    }

    /** The outcome; output is stdout and stderr together, trimmed. */
    record Result(int exitCode, String output) {
        boolean succeeded() {
            return exitCode == 0;
        }
    }

    static Result run(List<String> command, Duration timeout) throws IOException {
        try {
            Children.Result r = Children.run(command, timeout);
            return new Result(r.exitCode(), r.output());
        } catch (Children.TimeoutException e) {
            throw new IOException(command.get(0) + " did not finish within " + NbdConnection.formatDuration(timeout));
        }
    }
}
