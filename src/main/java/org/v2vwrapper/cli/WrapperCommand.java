package org.v2vwrapper.cli;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.request.InvalidRequestException;
import org.v2vwrapper.request.RequestParser;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** The {@code v2v-wrapper} command line. With no subcommand it runs a conversion from the request on stdin. */
@Command(name = "v2v-wrapper",
        subcommands = {ReplayLogCommand.class, NbdCopyCommand.class, CleanupCommand.class,
                org.v2vwrapper.status.StatusCommand.class},
        mixinStandardHelpOptions = true,
        versionProvider = WrapperCommand.VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "Runs one virt-v2v conversion described by a JSON request on stdin, and reports its progress in a "
                        + "JSON state file.",
                "Prints one line {\"v2v_log\":…,\"wrapper_log\":…,\"state_file\":…} on stdout, then works until "
                        + "the state file says finished."},
        footer = {"",
                "Examples:",
                "  v2v-wrapper < request.json",
                "  v2v-wrapper --run-dir=/tmp/run --log-dir=/tmp/log --input=examples/vddk-to-rhv.json",
                "  v2v-wrapper --dry-run --input=examples/ssh-to-openstack.json",
                "  v2v-wrapper --check-virt-v2v",
                "  v2v-wrapper replay-log --v2v-log /var/log/uci/virt-v2v.log",
                "",
                "Exit codes: 0 converted; 1 invalid request or the conversion could not start; "
                        + "2 the conversion started and failed."})
public final class WrapperCommand implements Callable<Integer> {

    @Option(names = "--virt-v2v", paramLabel = "PATH",
            defaultValue = "${env:V2V_WRAPPER_VIRT_V2V:-/usr/bin/virt-v2v}",
            description = "virt-v2v binary (env V2V_WRAPPER_VIRT_V2V; default ${DEFAULT-VALUE})")
    Path virtV2v;

    @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "${env:V2V_WRAPPER_RUN_DIR:-/var/lib/uci}",
            description = "state file, trigger files and run lock (env V2V_WRAPPER_RUN_DIR; default ${DEFAULT-VALUE})")
    Path runDir;

    @Option(names = "--log-dir", paramLabel = "DIR", defaultValue = "${env:V2V_WRAPPER_LOG_DIR:-/var/log/uci}",
            description = "wrapper and virt-v2v logs (env V2V_WRAPPER_LOG_DIR; default ${DEFAULT-VALUE})")
    Path logDir;

    @Option(names = "--vddk-libdir", paramLabel = "DIR",
            defaultValue = "${env:V2V_WRAPPER_VDDK_LIBDIR:-/opt/vmware-vix-disklib-distrib}",
            description = "VMware VDDK (env V2V_WRAPPER_VDDK_LIBDIR; default ${DEFAULT-VALUE})")
    Path vddkLibdir;

    @Option(names = "--ca-bundle", paramLabel = "FILE",
            defaultValue = "${env:V2V_WRAPPER_CA_BUNDLE:-/etc/pki/ca-trust/source/anchors/v2v-conversion-host-ca-bundle.pem}",
            description = "CA certificates of the oVirt engine (env V2V_WRAPPER_CA_BUNDLE; default ${DEFAULT-VALUE})")
    Path caBundle;

    @Option(names = "--dev-disk-by-id", paramLabel = "DIR",
            defaultValue = "${env:V2V_WRAPPER_DEV_DISK_BY_ID:-/dev/disk/by-id}",
            description = "where the disks attached to this host for two-phase appear as virtio-<id> (env"
                    + " V2V_WRAPPER_DEV_DISK_BY_ID; default ${DEFAULT-VALUE})")
    Path devDiskById;

    @Option(names = "--virt-v2v-in-place", paramLabel = "PATH",
            defaultValue = "${env:V2V_WRAPPER_VIRT_V2V_IN_PLACE}",
            description = "virt-v2v 2.x's virt-v2v-in-place, which converts two-phase copies (env"
                    + " V2V_WRAPPER_VIRT_V2V_IN_PLACE; default beside --virt-v2v, else /usr/libexec/virt-v2v-in-place)")
    Path virtV2vInPlace;

    @Option(names = "--virt-v2v-inspector", paramLabel = "PATH",
            defaultValue = "${env:V2V_WRAPPER_VIRT_V2V_INSPECTOR}",
            description = "virt-v2v 2.x's virt-v2v-inspector, which reads the converted guest's OS (env"
                    + " V2V_WRAPPER_VIRT_V2V_INSPECTOR; default beside --virt-v2v, else /usr/bin/virt-v2v-inspector)")
    Path virtV2vInspector;

    @Option(names = "--qemu-img", paramLabel = "PATH", defaultValue = "${env:V2V_WRAPPER_QEMU_IMG:-/usr/bin/qemu-img}",
            description = "qemu-img, which commits virt-v2v 1.4x's two-phase overlays (env V2V_WRAPPER_QEMU_IMG;"
                    + " default ${DEFAULT-VALUE})")
    Path qemuImg;

    @Option(names = "--nbdkit", paramLabel = "PATH", defaultValue = "${env:V2V_WRAPPER_NBDKIT:-nbdkit}",
            description = "nbdkit binary the two-phase pre-copy starts (env V2V_WRAPPER_NBDKIT; default ${DEFAULT-VALUE})")
    Path nbdkit;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:V2V_WRAPPER_DATA_DIR:-/data}",
            description = "nbd_export_only: where nbdready is written (env V2V_WRAPPER_DATA_DIR; default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--lock-dir", paramLabel = "DIR", defaultValue = "${env:V2V_WRAPPER_LOCK_DIR:-/var/lock}",
            description = "volume attach locks, flock(2) (env V2V_WRAPPER_LOCK_DIR; default ${DEFAULT-VALUE})")
    Path lockDir;

    @Option(names = "--input", paramLabel = "FILE", description = "read the request from FILE instead of stdin (- is stdin)")
    Path input;

    @Option(names = "--dry-run",
            description = "validate the request offline, print the planned virt-v2v command and the itinerary of steps "
                    + "(secrets hidden), exit")
    boolean dryRun;

    @Option(names = "--detach",
            description = "print the stdout line, exit 0 and go on converting in the background (as daemonize: true)")
    boolean detach;

    @Option(names = "--detached-child", hidden = true)
    boolean detachedChild;

    @Option(names = "--checks", description = "list the host checks (with --run: run them all)")
    boolean listChecks;

    @Option(names = "--run", description = "with --checks: run every check, exit 1 if any fails")
    boolean runChecks;

    @Option(names = "--check-all", description = "run every host check; exit 0 if all pass, 1 if any fails")
    boolean checkAll;

    @Option(names = "--check-virt-v2v", description = "check virt-v2v; exit 0 if it passes, 1 if not")
    boolean checkVirtV2v;

    @Option(names = "--check-nbdkit", description = "check nbdkit; exit 0 if it passes, 1 if not")
    boolean checkNbdkit;

    @Option(names = "--check-vddk", description = "check the VDDK library; exit 0 if it passes, 1 if not")
    boolean checkVddk;

    @Option(names = "--check-ssh-agent", description = "check ssh-agent and ssh-add; exit 0 if it passes, 1 if not")
    boolean checkSshAgent;

    @Option(names = "--check-nbdkit-vddk", description = "check nbdkit's vddk plugin; exit 0 if it passes, 1 if not")
    boolean checkNbdkitVddk;

    @Option(names = "--check-openstack",
            description = "check the openstack command (-o openstack); exit 0 if it passes, 1 if not")
    boolean checkOpenstack;

    @Option(names = "--check-ovirtsdk4",
            description = "check Python's ovirtsdk4 (-o rhv-upload); exit 0 if it passes, 1 if not")
    boolean checkOvirtSdk;

    private final Streams io;

    public WrapperCommand(Streams io) {
        this.io = io;
    }

    public WrapperCommand() {
        this(Streams.system());
    }

    WrapperSettings settings() {
        return new WrapperSettings(virtV2v, runDir, logDir, vddkLibdir, caBundle, devDiskById, virtV2vInPlace,
                virtV2vInspector, qemuImg, nbdkit, dataDir, lockDir, null);
    }

    @Override
    public Integer call() {
        if (listChecks && !runChecks) {
            for (HostCheck c : HostCheck.values()) {
                io.out().printf("%-11s --check-%s: %s%n", c.checkName(), c.checkName(), c.description());
            }
            return 0;
        }
        java.util.List<HostCheck> checks = selectedChecks();
        if (!checks.isEmpty()) {
            int rc = 0;
            for (HostCheck check : checks) {
                try {
                    io.out().println("PASS " + check.checkName() + ": "
                            + org.v2vwrapper.text.Printable.escape(check.run(settings())));
                } catch (ConversionException e) {
                    io.err().println("FAIL " + check.checkName() + ": "
                            + org.v2vwrapper.text.Printable.escape(e.getMessage()));
                    rc = 1;
                }
            }
            return rc;
        }
        if (dryRun) {
            return dryRun();
        }
        return new ConversionLauncher(settings(), io).run(requestFile(), detach, detachedChild);
    }

    /** The checks asked for, in the order of {@link HostCheck}: each --check-NAME, or all. */
    java.util.List<HostCheck> selectedChecks() {
        if (checkAll || (listChecks && runChecks)) {
            return java.util.List.of(HostCheck.values());
        }
        java.util.List<HostCheck> out = new java.util.ArrayList<>();
        for (HostCheck c : HostCheck.values()) {
            boolean on = switch (c) {
                case VIRT_V2V -> checkVirtV2v;
                case NBDKIT -> checkNbdkit;
                case VDDK -> checkVddk;
                case NBDKIT_VDDK -> checkNbdkitVddk;
                case SSH_AGENT -> checkSshAgent;
                case OPENSTACK -> checkOpenstack;
                case OVIRT_SDK -> checkOvirtSdk;
            };
            if (on) {
                out.add(c);
            }
        }
        return out;
    }

    /** {@code --input FILE}; none, or {@code --input -}, is stdin. */
    private Optional<Path> requestFile() {
        return input == null || input.toString().equals("-") ? Optional.empty() : Optional.of(input);
    }

    /** "ignoring unknown key vm_nmae (did you mean vm_name?)", the key escaped. */
    static String unknownKeyNote(String key) {
        return "ignoring unknown key " + org.v2vwrapper.text.Printable.escape(key)
                + org.v2vwrapper.request.KeySuggestions.forUnknownTopLevelKey(key)
                        .map(k -> " (did you mean " + k + "?)").orElse("");
    }

    private int dryRun() {
        try {
            RequestParser.Parsed parsed = RequestParser.parse(RequestInput.read(requestFile(), io.in(), io.err()));
            parsed.unknownKeys().forEach(k -> io.err().println("v2v-wrapper: warning: " + unknownKeyNote(k)));
            io.out().println(DryRun.describe(parsed.request(), settings(), DryRun.capabilities(settings())));
            return 0;
        } catch (InvalidRequestException e) {
            io.err().println("v2v-wrapper: invalid request: " + e.getMessage());
            return 1;
        } catch (ConversionException e) {
            io.err().println("v2v-wrapper: " + org.v2vwrapper.text.Printable.escape(e.getMessage()));
            return 1;
        }
    }

    /** Runs the command line and returns the exit code (the launcher's {@code main} exits with it). */
    public static int execute(Streams io, String... args) {
        CommandLine cl = new CommandLine(new WrapperCommand(io));
        cl.setOut(new java.io.PrintWriter(io.out(), true));
        cl.setErr(new java.io.PrintWriter(io.err(), true));
        cl.setParameterExceptionHandler((ex, a) -> {
            io.err().println("v2v-wrapper: " + ex.getMessage().lines().findFirst().orElse("invalid arguments")
                    + " (see --help)");
            return 1;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            // Never the exception's message: it may quote a request value (a path, an environment entry).
            io.err().println("v2v-wrapper: internal error (" + ex.getClass().getName() + ")");
            return 1;
        });
        return cl.execute(args);
    }

    /** {@code --version}: {@code virt-v2v-wrapper <version>}. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"virt-v2v-wrapper " + Version.get()};
        }
    }
}
