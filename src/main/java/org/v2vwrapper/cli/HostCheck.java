package org.v2vwrapper.cli;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.lifecycle.Children;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.text.IoErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/** A check of the conversion host, run by {@code --check-NAME}: passes or says what is wrong in one line. */
enum HostCheck {
    VIRT_V2V("virt-v2v", "virt-v2v runs and lists its capabilities") {
        @Override
        String run(WrapperSettings s) throws ConversionException {
            V2vCapabilities caps = V2vCapabilities.query(s.virtV2v());
            return s.virtV2v() + " works (" + (caps.isV2() ? "2.x" : "1.x") + ", "
                    + (caps.has("mac-option") ? "" : "no ") + "--mac)";
        }
    },
    NBDKIT("nbdkit", "nbdkit (--nbdkit) runs; which of the plugins two-phase needs (vddk, ssh) it has") {
        @Override
        String run(WrapperSettings s) throws ConversionException {
            String nbdkit = s.nbdkit().toString();
            String version = runCommand(List.of(nbdkit, "--version"));
            List<String> plugins = new java.util.ArrayList<>();
            for (String plugin : List.of("vddk", "ssh")) {
                try {
                    org.v2vwrapper.precopy.NbdkitPlugins.check(nbdkit, plugin);
                    plugins.add(plugin + " present");
                } catch (ConversionException e) {
                    plugins.add(plugin + " MISSING");
                }
            }
            return "nbdkit works: " + version + " (plugins: " + String.join(", ", plugins) + ")";
        }
    },
    VDDK("vddk", "the VDDK library is a loadable 64-bit ELF library for this machine") {
        @Override
        String run(WrapperSettings s) throws ConversionException {
            Path lib64 = s.vddkLibdir().resolve("lib64");
            Path lib;
            try (Stream<Path> files = Files.isDirectory(lib64) ? Files.list(lib64) : Stream.empty()) {
                lib = files.filter(p -> p.getFileName().toString().startsWith("libvixDiskLib.so"))
                        .sorted().findFirst()
                        .orElseThrow(() -> new ConversionException("no libvixDiskLib.so in " + lib64
                                + " (--vddk-libdir)"));
            } catch (IOException e) {
                throw new ConversionException("cannot read " + lib64 + ": " + IoErrors.reason(e));
            }
            checkElfLibrary(lib, System.getProperty("os.arch"));
            return "VDDK found in " + s.vddkLibdir() + " (" + lib.getFileName() + ")";
        }
    },
    NBDKIT_VDDK("nbdkit-vddk", "nbdkit has its vddk plugin (vddk transport)") {
        @Override
        String run(WrapperSettings s) throws ConversionException {
            commandWorks(List.of(s.nbdkit().toString(), "vddk", "--dump-plugin"), "nbdkit's vddk plugin does not load",
                    "RHEL nbdkit-vddk-plugin; Debian does not package it (build nbdkit with its vddk plugin)");
            return "nbdkit vddk plugin loads";
        }
    },
    OPENSTACK("openstack", "the openstack command runs (virt-v2v -o openstack)") {
        @Override
        String run(WrapperSettings s) throws ConversionException {
            return "openstack works: " + commandWorks(List.of("openstack", "--version"),
                    "the openstack command does not run", "Debian python3-openstackclient, RHEL python3-openstackclient");
        }
    },
    OVIRT_SDK("ovirtsdk4", "Python's ovirtsdk4 imports (virt-v2v -o rhv-upload)") {
        @Override
        String run(WrapperSettings s) throws ConversionException {
            commandWorks(List.of("python3", "-c", "import ovirtsdk4"), "python3 cannot import ovirtsdk4",
                    "RHEL python3-ovirt-engine-sdk4, Debian has no package (pip install ovirt-engine-sdk-python)");
            return "python3 imports ovirtsdk4";
        }
    },
    SSH_AGENT("ssh-agent", "ssh-agent and ssh-add are installed (ssh transport)") {
        @Override
        String run(WrapperSettings s) throws ConversionException {
            for (String tool : List.of("ssh-agent", "ssh-add", "ssh")) {
                if (findOnPath(tool) == null) {
                    throw new ConversionException(tool + " is not installed (Debian package openssh-client)");
                }
            }
            return "ssh-agent, ssh-add and ssh found";
        }
    };

    private final String checkName;
    private final String description;

    HostCheck(String checkName, String description) {
        this.checkName = checkName;
        this.description = description;
    }

    String checkName() {
        return checkName;
    }

    String description() {
        return description;
    }

    /** Returns a one-line success note, or throws with a one-line reason. */
    abstract String run(WrapperSettings settings) throws ConversionException;

    /** ELF e_machine of the JVM's architecture (os.arch), or -1 when unknown. */
    static int elfMachine(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> 62;
            case "aarch64", "arm64" -> 183;
            default -> -1;
        };
    }

    /**
     * Reads the ELF header of {@code lib}: magic, 64-bit class, little-endian data, a shared object, and the
     * machine of this JVM ({@code os.arch}). Throws with the first thing that is wrong.
     */
    static void checkElfLibrary(Path lib, String osArch) throws ConversionException {
        byte[] h = new byte[20];
        int n;
        try (java.io.InputStream in = Files.newInputStream(lib)) {
            n = in.readNBytes(h, 0, h.length);
        } catch (IOException e) {
            throw new ConversionException("cannot read " + lib + ": " + IoErrors.reason(e));
        }
        if (n < 4 || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F') {
            throw new ConversionException(lib + " is not an ELF file");
        }
        if (n < h.length) {
            throw new ConversionException(lib + " is a truncated ELF file");
        }
        if (h[4] != 2) {
            throw new ConversionException(lib + " is not a 64-bit ELF library (EI_CLASS " + h[4] + ")");
        }
        if (h[5] != 1) {
            throw new ConversionException(lib + " is not a little-endian ELF library");
        }
        int type = (h[16] & 0xff) | (h[17] & 0xff) << 8;
        if (type != 3) {
            throw new ConversionException(lib + " is not a shared library (ELF type " + type + ")");
        }
        int machine = (h[18] & 0xff) | (h[19] & 0xff) << 8;
        int expected = elfMachine(osArch);
        if (expected >= 0 && machine != expected) {
            throw new ConversionException(lib + " is for another machine (ELF machine " + machine + ", this JVM is "
                    + osArch + ")");
        }
    }

    static Path findOnPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs {@code argv}; if it fails, says what does not work, why, and which package to install. */
    static String commandWorks(List<String> argv, String what, String install) throws ConversionException {
        try {
            return runCommand(argv);
        } catch (ConversionException e) {
            throw new ConversionException(what + " (" + e.getMessage() + "); install it: " + install);
        }
    }

    static String runCommand(List<String> cmd) throws ConversionException {
        Children.Result r;
        try {
            r = Children.run(cmd, Duration.ofSeconds(30));
        } catch (Children.TimeoutException e) {
            throw new ConversionException(String.join(" ", cmd) + " did not finish within 30 s");
        } catch (java.io.InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted");
        } catch (IOException e) {
            throw new ConversionException("cannot run " + cmd.get(0) + ": " + IoErrors.reason(e));
        }
        if (r.exitCode() != 0) {
            throw new ConversionException(String.join(" ", cmd) + " failed with exit code " + r.exitCode());
        }
        return r.output().lines().findFirst().orElse("");
    }
}
