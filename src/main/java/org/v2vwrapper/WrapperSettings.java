package org.v2vwrapper;

import java.nio.file.Path;

/** Where things are on the conversion host: from the command line options or their environment variables. */
public record WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle, Path nbdkit) {

    /** With {@code nbdkit} found on PATH. */
    public WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle) {
        this(virtV2v, runDir, logDir, vddkLibdir, caBundle, Path.of("nbdkit"));
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
