package org.v2vwrapper.convert;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command lines of the conversion after the copy, for both virt-v2v generations. Each takes the
 * {@code --key} arguments ready-made (they name 0600 files, never a key) and the network options ready-made
 * (one-phase's own, {@code plan.PlanBuilder.networkArguments}: {@code --mac MAC:bridge:DEST} or
 * {@code --bridge SOURCE:DEST}; the conversion XML's NICs are bridges, as libvirt's ESX driver shows them, so the
 * same options apply in both modes).
 */
public final class TwoPhaseCommands {
    private TwoPhaseCommands() {
    }

    /**
     * virt-v2v 2.x: {@code virt-v2v-in-place -v -x --root first --machine-readable=file:MR-LOG
     * -i libvirtxml XML [--mac …|--bridge …] [--key …]}; it converts the disks the XML points at, in place.
     * {@code machineReadableLog} is the run's own file (the one the monitor tails), as in one-phase.
     */
    public static ConversionCommand inPlace(Path virtV2vInPlace, Path machineReadableLog, Path domainXml,
                                         List<String> networkArgs, List<String> keyArgs) {
        List<String> argv = new ArrayList<>(List.of(virtV2vInPlace.toString(), "-v", "-x", "--root", "first",
                "--machine-readable=file:" + machineReadableLog,
                "-i", "libvirtxml", domainXml.toString()));
        argv.addAll(networkArgs);
        argv.addAll(keyArgs);
        return new ConversionCommand(argv, baseEnvironment());
    }

    /**
     * virt-v2v 2.x, after the in-place conversion: {@code virt-v2v-inspector -v -x -i libvirtxml XML -O OUT
     * [--key …]}, which writes the OS facts of the converted disks to {@code OUT}. The 2.2 inspector has
     * {@code --root} too; {@code first} keeps it on the root the conversion chose.
     */
    public static ConversionCommand inspector(Path virtV2vInspector, Path domainXml, Path output, List<String> keyArgs) {
        List<String> argv = new ArrayList<>(List.of(virtV2vInspector.toString(), "-v", "-x", "--root", "first",
                "-i", "libvirtxml", domainXml.toString(), "-O", output.toString()));
        argv.addAll(keyArgs);
        return new ConversionCommand(argv, baseEnvironment());
    }

    /**
     * virt-v2v 1.4x: {@code virt-v2v -v -x --root first --machine-readable=file:… -i libvirtxml XML
     * --debug-overlays --no-copy [network] [--key …] OUTPUT-ARGS [-oo rhv-disk-uuid=ID …]}. It converts into
     * qcow2 overlays over the copied disks and keeps them in {@code overlayDir} (its libguestfs cache
     * directory) as {@code <domain name>-sdX.qcow2}, which {@link OverlayCommitter} then commits.
     *
     * @param outputArgs   the destination's normal output arguments ({@code -o rhv-upload …})
     * @param rhvDiskIds   the oVirt disk ids in the disks' order (empty for other destinations)
     */
    public static ConversionCommand overlays(Path virtV2v, Path machineReadableLog, Path domainXml, Path overlayDir,
                                          List<String> networkArgs, List<String> keyArgs,
                                          List<String> outputArgs, List<String> rhvDiskIds) {
        List<String> argv = new ArrayList<>(List.of(virtV2v.toString(), "-v", "-x", "--root", "first",
                "--machine-readable=file:" + machineReadableLog,
                "-i", "libvirtxml", domainXml.toString(), "--debug-overlays", "--no-copy"));
        argv.addAll(networkArgs);
        argv.addAll(keyArgs);
        argv.addAll(outputArgs);
        for (String id : rhvDiskIds) {
            argv.add("-oo");
            argv.add("rhv-disk-uuid=" + id);
        }
        Map<String, String> env = baseEnvironment();
        env.put("LIBGUESTFS_CACHEDIR", overlayDir.toString());
        return new ConversionCommand(argv, env);
    }

    private static Map<String, String> baseEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LANG", "C");
        env.put("LIBGUESTFS_BACKEND", "direct");
        return env;
    }
}
