package org.v2vwrapper.cli;

import org.v2vwrapper.request.InvalidRequestException;
import org.v2vwrapper.request.RequestParser;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads the request's bytes from {@code --input FILE} or stdin, at most {@link RequestParser#MAX_INPUT_BYTES}+1. */
final class RequestInput {
    private RequestInput() {
    }

    static byte[] read(Optional<Path> file, InputStream stdin) throws InvalidRequestException {
        try (InputStream in = file.isPresent() ? Files.newInputStream(file.get()) : stdin) {
            byte[] bytes = in.readNBytes(RequestParser.MAX_INPUT_BYTES + 1);
            if (bytes.length > RequestParser.MAX_INPUT_BYTES) {
                throw new InvalidRequestException("input", "larger than " + RequestParser.MAX_INPUT_BYTES + " bytes");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("input", file.map(Path::toString).orElse("stdin") + " does not exist");
        } catch (IOException e) {
            throw new InvalidRequestException("input", "cannot read " + file.map(Path::toString).orElse("stdin")
                    + ": " + e.getMessage());
        }
    }
}
