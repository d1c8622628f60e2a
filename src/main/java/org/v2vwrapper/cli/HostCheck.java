package org.v2vwrapper.cli;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.lifecycle.Children;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.plan.V2vCapabilities;

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
    VDDK("vddk", "the VDDK library is in the VDDK directory") {
        @Override
        String run(WrapperSettings s) throws ConversionException {
            Path lib64 = s.vddkLibdir().resolve("lib64");
            try (Stream<Path> files = Files.isDirectory(lib64) ? Files.list(lib64) : Stream.empty()) {
                if (files.noneMatch(p -> p.getFileName().toString().startsWith("libvixDiskLib.so"))) {
                    throw new ConversionException("no libvixDiskLib.so in " + lib64 + " (--vddk-libdir)");
                }
            } catch (IOException e) {
                throw new ConversionException("cannot read " + lib64 + ": " + e.getMessage());
            }
            return "VDDK found in " + s.vddkLibdir();
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
            throw new ConversionException("cannot run " + cmd.get(0) + ": " + e.getMessage());
        }
        if (r.exitCode() != 0) {
            throw new ConversionException(String.join(" ", cmd) + " failed with exit code " + r.exitCode());
        }
        return r.output().lines().findFirst().orElse("");
    }
}
