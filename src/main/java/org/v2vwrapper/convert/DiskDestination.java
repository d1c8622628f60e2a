package org.v2vwrapper.convert;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the copy of one source disk lives on the conversion host: a block device (an oVirt disk or an
 * OpenStack volume attached to the conversion host, found under {@code /dev/disk/by-id}) or a file
 * ({@code local_output_dir}). Always raw.
 */
public record DiskDestination(Kind kind, Path path) {
    public enum Kind {
        BLOCK, FILE
    }

    public DiskDestination {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("destination disk path must be absolute: " + path);
        }
    }

    public static DiskDestination block(Path device) {
        return new DiskDestination(Kind.BLOCK, device);
    }

    public static DiskDestination file(Path file) {
        return new DiskDestination(Kind.FILE, file);
    }
}
