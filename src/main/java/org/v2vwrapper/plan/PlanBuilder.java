package org.v2vwrapper.plan;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.NetworkMapping;
import org.v2vwrapper.secrets.LuksVault;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Assembles the virt-v2v command from the chosen {@link SourceTransport} and {@link OutputTarget} (chosen by
 * {@code transport.Transports} and {@code output.Targets}): common options, the transport's input arguments,
 * network mappings, LUKS keys, the target's output arguments.
 */
public final class PlanBuilder {
    /** Where Debian/RHEL's virtio-win package puts the Windows drivers. */
    static final Path VIRTIO_WIN_DIR = Path.of("/usr/share/virtio-win");

    private PlanBuilder() {
    }

    /**
     * Builds the command with the given transport and validated (or offline) target; the default LUKS vault is
     * looked for in {@code $HOME}.
     */
    public static VirtV2vCommand command(PlanContext ctx, SourceTransport transport, OutputTarget.Validated target)
            throws ConversionException {
        return command(ctx, transport, target, Optional.ofNullable(System.getenv("HOME")));
    }

    /** As {@link #command(PlanContext, SourceTransport, OutputTarget.Validated)}, with the home directory given. */
    public static VirtV2vCommand command(PlanContext ctx, SourceTransport transport, OutputTarget.Validated target,
                                         Optional<String> home) throws ConversionException {
        ConversionRequest r = ctx.request();
        List<String> argv = new ArrayList<>(List.of(ctx.settings().virtV2v().toString(),
                "-v", "-x", "--root", "first",
                "--machine-readable=file:" + ctx.settings().machineReadableLog()));
        SourceTransport.Input input = transport.input(ctx);
        argv.addAll(input.argv());
        argv.addAll(networkArguments(r.networkMappings(), ctx.capabilities()));
        argv.addAll(keyArguments(r, ctx.secrets(), home));
        argv.addAll(target.outputArguments());

        Map<String, String> env = new LinkedHashMap<>();
        env.put("LANG", "C");
        env.put("LIBGUESTFS_BACKEND", "direct");
        if (r.installDrivers()) {
            env.put("VIRTIO_WIN", virtioWin(VIRTIO_WIN_DIR).toString());
        }
        env.putAll(input.environment());
        env.putAll(target.environment());
        return new VirtV2vCommand(argv, env);
    }

    /**
     * The {@code --key DEV:file:PATH} options of the request's LUKS keys vault (each key in a 0600 file of
     * {@code secrets}), none without a vault; one-phase and two-phase (virt-v2v-in-place, the inspector) alike.
     */
    public static List<String> keyArguments(ConversionRequest r, org.v2vwrapper.secrets.SecretStore secrets,
                                            Optional<String> home) throws ConversionException {
        Optional<Path> vault = LuksVault.locate(r.luksKeysVault(), home);
        if (vault.isEmpty()) {
            return List.of();
        }
        return LuksVault.keyArguments(LuksVault.keysFor(vault.get(), r.vmName(), LuksVault.currentUid()), secrets);
    }

    /**
     * {@code --mac MAC:bridge:DEST} where the mapping names a MAC and virt-v2v knows {@code --mac}; otherwise
     * {@code --bridge SOURCE:DEST}. The one place the network options are made: one-phase's virt-v2v and
     * two-phase's virt-v2v-in-place / 1.4x virt-v2v get the same ones.
     */
    public static List<String> networkArguments(List<NetworkMapping> mappings, V2vCapabilities caps) {
        List<String> args = new ArrayList<>();
        for (NetworkMapping m : mappings) {
            if (m.macAddress().isPresent() && caps.has("mac-option")) {
                args.add("--mac");
                args.add(m.macAddress().get() + ":bridge:" + m.destination());
            } else {
                args.add("--bridge");
                args.add(m.source() + ":" + m.destination());
            }
        }
        return args;
    }

    /** The newest virtio-win ISO in {@code dir}, else the directory itself if it holds drivers. */
    static Path virtioWin(Path dir) throws ConversionException {
        if (!Files.isDirectory(dir)) {
            throw new ConversionException("install_drivers: no Windows drivers found (" + dir + " does not exist)");
        }
        try (Stream<Path> files = Files.list(dir)) {
            Optional<Path> iso = files
                    .filter(p -> p.getFileName().toString().startsWith("virtio-win")
                            && p.getFileName().toString().endsWith(".iso"))
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
            return iso.orElse(dir);
        } catch (java.io.IOException e) {
            throw new ConversionException("install_drivers: cannot read " + dir + ": " + e.getMessage(), e);
        }
    }
}
