package org.v2vwrapper.cli;

import org.v2vwrapper.request.InvalidRequestException;
import org.v2vwrapper.request.RequestParser;
import org.v2vwrapper.text.IoErrors;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads the request's bytes from {@code --input FILE} or stdin, at most {@link RequestParser#MAX_INPUT_BYTES}+1. */
final class RequestInput {
    /** Printed once to stderr when the request is awaited on a terminal. */
    static final String TERMINAL_HINT = "v2v-wrapper: reading the JSON request from the terminal; end it with "
            + "Ctrl-D (or use --input FILE, --help)";

    private RequestInput() {
    }

    static byte[] read(Optional<Path> file, InputStream stdin, PrintStream err) throws InvalidRequestException {
        return read(file, stdin, err, file.isEmpty() && stdin == System.in && stdinIsTerminal());
    }

    static byte[] read(Optional<Path> file, InputStream stdin, PrintStream err, boolean terminal)
            throws InvalidRequestException {
        if (terminal) {
            err.println(TERMINAL_HINT);
            err.flush();
        }
        try (InputStream in = file.isPresent() ? Files.newInputStream(file.get()) : stdin) {
            byte[] bytes = in.readNBytes(RequestParser.MAX_INPUT_BYTES + 1);
            if (bytes.length > RequestParser.MAX_INPUT_BYTES) {
                throw new InvalidRequestException("input", "larger than " + RequestParser.MAX_INPUT_BYTES + " bytes");
            }
            return bytes;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidRequestException("input", file.map(Path::toString).orElse("stdin") + " does not exist");
        } catch (IOException e) {
            throw new InvalidRequestException("input", "cannot read " + file.map(Path::toString).orElse("stdin")
                    + ": " + IoErrors.reason(e));
        }
    }

    /** Whether fd 0 is a terminal (isatty): /proc/self/fd/0 names a tty device. */
    static boolean stdinIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
