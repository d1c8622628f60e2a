package org.v2vwrapper;

import java.nio.file.Path;

/** Where things are on the conversion host: from the command line options or their environment variables. */
public record WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle, Path dataDir,
                              Path devDiskById, Path lockDir) {
    public static final Path DEFAULT_DATA_DIR = Path.of("/data");
    public static final Path DEFAULT_DEV_DISK_BY_ID = Path.of("/dev/disk/by-id");
    public static final Path DEFAULT_LOCK_DIR = Path.of("/var/lock");

    /** With the defaults of {@code --data-dir}, {@code --dev-disk-by-id} and {@code --lock-dir}. */
    public WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle) {
        this(virtV2v, runDir, logDir, vddkLibdir, caBundle, DEFAULT_DATA_DIR, DEFAULT_DEV_DISK_BY_ID, DEFAULT_LOCK_DIR);
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
