package org.v2vwrapper.text;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * An I/O error as "PATH: reason" with the reason kept ({@code /var/lib/uci: permission denied},
 * {@code /nonexistent: no such file}, {@code /tmp: is a directory}). {@link FileSystemException#getMessage()} of
 * an {@link AccessDeniedException} or {@link NoSuchFileException} is only the path, which hides why it failed.
 */
public final class IoErrors {
    private IoErrors() {
    }

    /** "PATH: reason", or "reason" when the exception names no file. Not escaped: callers escape what they print. */
    public static String describe(IOException e) {
        String reason = reason(e);
        if (e instanceof FileSystemException fse && fse.getFile() != null) {
            return fse.getFile() + (fse.getOtherFile() != null ? " -> " + fse.getOtherFile() : "") + ": " + reason;
        }
        return reason;
    }

    /** Only the reason, lower case: "permission denied", "no such file", "is a directory", … */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof FileSystemLoopException) {
            return "too many levels of symbolic links";
        }
        if (e instanceof FileSystemException fse) {
            return fse.getReason() == null ? e.getClass().getSimpleName() : lower(fse.getReason());
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        // e.g. "Is a directory" from a read(2) of a directory
        return lower(m);
    }

    private static String lower(String reason) {
        return reason.isEmpty() ? reason
                : reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
    }
}
