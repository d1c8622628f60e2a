package org.v2vwrapper.secrets;

import org.v2vwrapper.request.Secret;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Secret files for child processes: one private 0700 directory, each secret a 0600 file in it, created with
 * those permissions (never chmod'ed after the write). {@link #close()} removes them all; the run registers it
 * with its {@code Cleanup} so that happens on every exit path.
 *
 * <p>A dry run uses {@link #dryRun()}, which writes nothing and hands out placeholder paths.
 */
public class SecretStore implements AutoCloseable {
    /** Every store's directory is {@code <parent>/secrets-<random>}; the next run removes a dead run's. */
    public static final String DIRECTORY_PREFIX = "secrets-";

    private final Path dir;

    private SecretStore(Path dir) {
        this.dir = dir;
    }

    /** A new private directory under {@code parent} (the run directory, or the system temp dir). */
    public static SecretStore create(Path parent) throws IOException {
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, DIRECTORY_PREFIX,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new SecretStore(dir);
    }

    public static SecretStore dryRun() {
        return new SecretStore(null) {
            @Override
            public Path write(String name, Secret secret) {
                return Path.of("<" + name + ">");
            }

            @Override
            public void close() {
            }
        };
    }

    public Path directory() {
        return dir;
    }

    /** Writes {@code secret} to a new 0600 file called {@code name} and returns its path. */
    public Path write(String name, Secret secret) throws IOException {
        return write(name, secret.reveal().getBytes(StandardCharsets.UTF_8));
    }

    public Path write(String name, byte[] content) throws IOException {
        Path file = dir.resolve(name);
        if (!file.getParent().equals(dir)) {
            throw new IllegalArgumentException("secret file name must be a plain name");
        }
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("secret file " + name + " already exists", e);
        }
        Files.write(file, content);
        return file;
    }

    /** Removes every secret file and the directory. */
    @Override
    public void close() throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
