package org.v2vwrapper;

import java.nio.file.Path;

/**
 * Where things are on the conversion host: from the command line options or their environment variables.
 *
 * @param devDiskById where udev links disks by serial ({@code --dev-disk-by-id}): two-phase finds the oVirt disks and
 *                    OpenStack volumes attached to this host there as {@code virtio-<id[:20]>}
 */
public record WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle,
                              Path devDiskById) {

    public static final Path DEFAULT_DEV_DISK_BY_ID = Path.of("/dev/disk/by-id");

    /** With the default {@code --dev-disk-by-id}. */
    public WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle) {
        this(virtV2v, runDir, logDir, vddkLibdir, caBundle, DEFAULT_DEV_DISK_BY_ID);
    }

    public Path stateFile() {
        return runDir.resolve("state.json");
    }

    public Path wrapperLog() {
        return logDir.resolve("virt-v2v-wrapper.log");
    }

    public Path v2vLog() {
        return logDir.resolve("virt-v2v.log");
    }

    public Path machineReadableLog() {
        return logDir.resolve("virt-v2v-mr.log");
    }
}
