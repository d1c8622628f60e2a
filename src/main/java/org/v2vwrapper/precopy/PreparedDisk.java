package org.v2vwrapper.precopy;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A destination disk made before the first copy: where this host writes it ({@code localPath}, a file or a
 * {@code /dev/disk/by-id/virtio-…} device) and, for oVirt and OpenStack, the id of the disk or volume there.
 */
public record PreparedDisk(DiskSpec spec, Path localPath, Optional<String> remoteId) {
}
