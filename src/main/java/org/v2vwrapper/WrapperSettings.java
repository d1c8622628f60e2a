package org.v2vwrapper;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where things are on the conversion host: from the command line options or their environment variables.
 *
 * @param virtV2vInPlace   virt-v2v 2.x's in-place converter (two-phase); {@link #defaultInPlace} when not given
 * @param virtV2vInspector virt-v2v 2.x's inspector (two-phase); {@link #defaultInspector} when not given
 * @param qemuImg          qemu-img, which commits virt-v2v 1.4x's overlays (two-phase)
 */
public record WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle,
                              Path virtV2vInPlace, Path virtV2vInspector, Path qemuImg) {

    /** Where Debian and Fedora put qemu-img. */
    public static final Path QEMU_IMG = Path.of("/usr/bin/qemu-img");

    /** The two-phase tools at their default places (beside virt-v2v, else where RHEL puts them). */
    public WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle) {
        this(virtV2v, runDir, logDir, vddkLibdir, caBundle, null, null, null);
    }

    public WrapperSettings {
        virtV2vInPlace = virtV2vInPlace != null ? virtV2vInPlace : defaultInPlace(virtV2v);
        virtV2vInspector = virtV2vInspector != null ? virtV2vInspector : defaultInspector(virtV2v);
        qemuImg = qemuImg != null ? qemuImg : QEMU_IMG;
    }

    /**
     * {@code virt-v2v-in-place} beside {@code virtV2v} (Debian, Ubuntu, upstream builds: {@code /usr/bin}), else
     * {@code /usr/libexec/virt-v2v-in-place} (RHEL 9, where it is not on the PATH).
     */
    public static Path defaultInPlace(Path virtV2v) {
        return besideElse(virtV2v, "virt-v2v-in-place", Path.of("/usr/libexec/virt-v2v-in-place"));
    }

    /** {@code virt-v2v-inspector} beside {@code virtV2v}, else {@code /usr/bin/virt-v2v-inspector}. */
    public static Path defaultInspector(Path virtV2v) {
        return besideElse(virtV2v, "virt-v2v-inspector", Path.of("/usr/bin/virt-v2v-inspector"));
    }

    private static Path besideElse(Path virtV2v, String name, Path fallback) {
        if (virtV2v != null) {
            Path beside = virtV2v.resolveSibling(name);
            if (Files.isExecutable(beside)) {
                return beside;
            }
        }
        return fallback;
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

    /** virt-v2v-inspector's own output (two-phase, 2.x), beside virt-v2v's log. */
    public Path inspectorLog() {
        return logDir.resolve("virt-v2v-inspector.log");
    }
}
