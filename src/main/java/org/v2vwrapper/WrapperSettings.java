package org.v2vwrapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Where things are on the conversion host: from the command line options or their environment variables.
 *
 * @param devDiskById where udev links disks by serial ({@code --dev-disk-by-id}): two-phase finds the oVirt disks and
 *                    OpenStack volumes attached to this host there as {@code virtio-<id[:20]>}
 * @param virtV2vInPlace   virt-v2v 2.x's in-place converter (two-phase); {@link #defaultInPlace} when not given
 * @param virtV2vInspector virt-v2v 2.x's inspector (two-phase); {@link #defaultInspector} when not given
 * @param qemuImg          qemu-img, which commits virt-v2v 1.4x's overlays (two-phase)
 * @param dataDir          nbd_export_only: where {@code nbdready} is written ({@code --data-dir}, as the UCI mounts it)
 * @param lockDir          the flock(2) volume attach locks shared with other wrappers on the host ({@code --lock-dir})
 * @param nbdkit           the nbdkit the wrapper starts itself (two-phase sources, nbd_export_only); {@code nbdkit} on PATH
 * @param runLogs     this run's own log file names (every run keeps the previous logs, and no run reads or truncates
 *                    a log another process may still write): {@code virt-v2v-wrapper-<stamp>.log},
 *                    {@code virt-v2v-<vm>-<stamp>.log}, {@code virt-v2v-mr-<vm>-<stamp>.log} with a UTC stamp such as
 *                    {@code 20261201T110412.345Z}. Null means the fixed names {@code virt-v2v-wrapper.log},
 *                    {@code virt-v2v.log}, {@code virt-v2v-mr.log}, which a run keeps as symbolic links to its own files.
 */
public record WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle,
                              Path devDiskById, Path virtV2vInPlace, Path virtV2vInspector, Path qemuImg,
                              Path nbdkit, Path dataDir, Path lockDir, RunLogs runLogs) {

    public static final Path DEFAULT_DATA_DIR = Path.of("/data");
    public static final Path DEFAULT_LOCK_DIR = Path.of("/var/lock");

    /** Where Debian and Fedora put qemu-img. */
    public static final Path QEMU_IMG = Path.of("/usr/bin/qemu-img");

    public WrapperSettings {
        virtV2vInPlace = virtV2vInPlace != null ? virtV2vInPlace : defaultInPlace(virtV2v);
        virtV2vInspector = virtV2vInspector != null ? virtV2vInspector : defaultInspector(virtV2v);
        qemuImg = qemuImg != null ? qemuImg : QEMU_IMG;
        nbdkit = nbdkit != null ? nbdkit : Path.of("nbdkit");
        dataDir = dataDir != null ? dataDir : DEFAULT_DATA_DIR;
        lockDir = lockDir != null ? lockDir : DEFAULT_LOCK_DIR;
        devDiskById = devDiskById != null ? devDiskById : DEFAULT_DEV_DISK_BY_ID;
    }

    public static final Path DEFAULT_DEV_DISK_BY_ID = Path.of("/dev/disk/by-id");

    /** The UTC stamp in per-run log names: sorts as the time does. */
    public static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** The per-run part of the log names: the start stamp, and the VM once the request is read. */
    public record RunLogs(String stamp, String vm) {
    }

    /** With the default {@code --dev-disk-by-id} and the fixed log names. */
    public WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle) {
        this(virtV2v, runDir, logDir, vddkLibdir, caBundle, DEFAULT_DEV_DISK_BY_ID);
    }

    /** With the fixed log names. */
    public WrapperSettings(Path virtV2v, Path runDir, Path logDir, Path vddkLibdir, Path caBundle,
                           Path devDiskById) {
        this(virtV2v, runDir, logDir, vddkLibdir, caBundle, devDiskById, null, null, null, null, null, null, null);
    }

    /** The same settings with this run's own log names, stamped with {@code start}. */
    public WrapperSettings withRunStamp(Instant start) {
        return new WrapperSettings(virtV2v, runDir, logDir, vddkLibdir, caBundle, devDiskById,
                virtV2vInPlace, virtV2vInspector, qemuImg, nbdkit, dataDir, lockDir, new RunLogs(STAMP.format(start), null));
    }

    /** The same settings with the VM's name (made safe for a file name) in the virt-v2v log names. */
    public WrapperSettings withVm(String vmName) {
        String stamp = runLogs == null ? STAMP.format(Instant.now()) : runLogs.stamp();
        return new WrapperSettings(virtV2v, runDir, logDir, vddkLibdir, caBundle, devDiskById,
                virtV2vInPlace, virtV2vInspector, qemuImg, nbdkit, dataDir, lockDir, new RunLogs(stamp, safeName(vmName)));
    }

    /** Letters, digits, '.', '_' and '-' kept, anything else '_', at most 64 characters, never starting with '.'. */
    static String safeName(String vm) {
        StringBuilder out = new StringBuilder();
        vm.codePoints().limit(64).forEach(c -> out.append(c < 128 && (Character.isLetterOrDigit(c) || c == '.'
                || c == '_' || c == '-') ? (char) c : '_'));
        if (out.length() == 0 || out.charAt(0) == '.') {
            out.insert(0, '_');
        }
        return out.toString();
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
        return runLogs == null ? logDir.resolve(FIXED_WRAPPER_LOG)
                : logDir.resolve("virt-v2v-wrapper-" + runLogs.stamp() + ".log");
    }

    public Path v2vLog() {
        return runLogs == null || runLogs.vm() == null ? logDir.resolve(FIXED_V2V_LOG)
                : logDir.resolve("virt-v2v-" + runLogs.vm() + "-" + runLogs.stamp() + ".log");
    }

    public Path machineReadableLog() {
        return runLogs == null || runLogs.vm() == null ? logDir.resolve(FIXED_MR_LOG)
                : logDir.resolve("virt-v2v-mr-" + runLogs.vm() + "-" + runLogs.stamp() + ".log");
    }

    /** virt-v2v-inspector's own output (two-phase, 2.x), beside virt-v2v's log. */
    public Path inspectorLog() {
        return runLogs == null || runLogs.vm() == null ? logDir.resolve("virt-v2v-inspector.log")
                : logDir.resolve("virt-v2v-inspector-" + runLogs.vm() + "-" + runLogs.stamp() + ".log");
    }

    /**
     * The output of the inspection a warm run starts while it waits (2.x), a file of its own: when it fails, the
     * inspection after the cutover must not truncate what it said.
     */
    public Path earlyInspectorLog() {
        return runLogs == null || runLogs.vm() == null ? logDir.resolve("virt-v2v-inspector-early.log")
                : logDir.resolve("virt-v2v-inspector-early-" + runLogs.vm() + "-" + runLogs.stamp() + ".log");
    }

    /** The fixed names: symbolic links to the newest run's files, for humans. */
    public static final String FIXED_WRAPPER_LOG = "virt-v2v-wrapper.log";
    public static final String FIXED_V2V_LOG = "virt-v2v.log";
    public static final String FIXED_MR_LOG = "virt-v2v-mr.log";
}
