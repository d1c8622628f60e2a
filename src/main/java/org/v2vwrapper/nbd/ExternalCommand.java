package org.v2vwrapper.nbd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short helper program (fallocate, blockdev, nbdkit --dump-plugin) with a timeout. */
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
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream out = process.getInputStream()) {
            process.getOutputStream().close();
            // Helpers print little; reading after exit could deadlock only past the pipe size (64 KiB).
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new IOException(command.get(0) + " did not finish within " + NbdConnection.formatDuration(timeout));
            }
            String output = new String(out.readAllBytes(), StandardCharsets.UTF_8).trim();
            return new Result(process.exitValue(), output);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while running " + command.get(0));
        }
    }
}
