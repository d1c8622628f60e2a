package org.v2vwrapper.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.itinerary.Itinerary;
import org.v2vwrapper.itinerary.Step;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.precopy.DiskSpec;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.real.RealGuest;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.Mode;
import org.v2vwrapper.request.RequestFixtures;
import org.v2vwrapper.request.TransportMethod;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;
import org.v2vwrapper.state.StateFile;
import org.v2vwrapper.state.StatePublisher;
import org.v2vwrapper.v2vlog.LogFeed;
import org.v2vwrapper.v2vlog.MachineReadableParser;
import org.v2vwrapper.v2vlog.V2vLogParser;
import org.v2vwrapper.vsphere.ManagedObjectRef;
import org.v2vwrapper.vsphere.NicInfo;
import org.v2vwrapper.vsphere.SnapshotInfo;
import org.v2vwrapper.vsphere.VirtualDiskInfo;
import org.v2vwrapper.vsphere.VmInfo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The conversion half of two-phase with the REAL virt-v2v 2.2 ({@code virt-v2v --machine-readable},
 * {@code virt-v2v-in-place}, {@code virt-v2v-inspector}) through {@link TwoPhaseConversionSteps} and the real step
 * runner: the pre-copy's result is faked by sparse copies of the phony Windows test guest
 * ({@code scripts/build-test-guest}) in {@code local_output_dir}. Checks the guest was converted (as
 * RealConversionIT checks a one-phase one), the state (the in-place pid, its phases as the status) and that the local XML validates.
 * About 2–3 minutes on 2 cores without KVM.
 */
class RealTwoPhaseConversionIT {
    private static final Path VIRT_V2V = Path.of("/usr/bin/virt-v2v");
    private static final Path IN_PLACE = Path.of("/usr/bin/virt-v2v-in-place");
    private static final Path INSPECTOR = Path.of("/usr/bin/virt-v2v-inspector");
    private static final String SDA = "[datastore1] web01/web01.vmdk";
    private static final String SDB = "[datastore1] web01/web01_1.vmdk";

    @TempDir
    Path tmp;

    @BeforeAll
    static void guest() throws Exception {
        assumeTrue(Files.isExecutable(IN_PLACE) && Files.isExecutable(INSPECTOR), "virt-v2v 2.x is not installed");
        RealGuest.dir();
    }

    /** The real tool, with TCG (KVM hangs the appliance on the project's machines, docs/test-guest.md). */
    private Path tcg(Path tool) throws IOException {
        Path script = Files.createDirectories(tmp.resolve("bin")).resolve(tool.getFileName());
        Files.writeString(script, "#!/bin/sh\nexport LIBGUESTFS_BACKEND_SETTINGS=force_tcg\nexec " + tool + " \"$@\"\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private static void sparseCopy(Path from, Path to) throws Exception {
        Process p = new ProcessBuilder("cp", "--sparse=always", from.toString(), to.toString()).inheritIO().start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "cp " + from);
    }

    private static LogConsumer consumer(LogFeed feed) {
        return new LogConsumer() {
            @Override
            public void accept(byte[] buf, int off, int len) {
                feed.feed(buf, off, len);
            }

            @Override
            public void end() {
                feed.close();
            }
        };
    }

    private String run(List<String> cmd) throws Exception {
        Path log = tmp.resolve("cmd.out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LIBGUESTFS_BACKEND", "direct");
        pb.environment().putIfAbsent("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException(cmd.get(0) + " did not finish within 300 s");
        }
        return Files.readString(log);
    }

    @Test
    void convertsThePreCopiedDisksAndWritesAValidLocalDomain() throws Exception {
        Path out = Files.createDirectory(tmp.resolve("out"));
        Path sda = out.resolve("web01-sda");
        Path sdb = out.resolve("web01-sdb");
        sparseCopy(RealGuest.image("windows.img"), sda);
        sparseCopy(RealGuest.image("data.img"), sdb);
        WrapperSettings settings = new WrapperSettings(VIRT_V2V, Files.createDirectory(tmp.resolve("run")),
                Files.createDirectory(tmp.resolve("log")), tmp.resolve("vddk"), tmp.resolve("ca.pem"), WrapperSettings.DEFAULT_DEV_DISK_BY_ID,
                tcg(IN_PLACE), tcg(INSPECTOR), Path.of("/usr/bin/qemu-img"), null, null, null, null);

        ObjectNode n = RequestFixtures.vddkSource();
        n.putArray("source_disks").add(SDA).add(SDB);
        n.put("local_output_dir", out.toString());
        n.putArray("network_mappings").add(RequestFixtures.mapping("VM Network", "br0", null));
        ConversionRequest r = RequestFixtures.parse(n);
        ConversionRequest request = new ConversionRequest(r.vmName(), r.outputFormat(), TransportMethod.VDDK,
                r.vmwareUri(), r.vmwarePassword(), r.vmwareFingerprint(), r.sshKey(), true, true,
                r.conversionHostUuid(), r.iterationSeconds(), r.sourceDisks(), r.networkMappings(), false,
                r.allocation(), r.luksKeysVault(), r.rhv(), r.osp(), r.localOutputDir(), false, r.ospSource(), java.util.Optional.empty(),
                false, r.throttling());
        VmInfo vm = new VmInfo(new ManagedObjectRef("VirtualMachine", "vm-42"), "web01", "poweredOff", true, "bios",
                2048, 2, List.of(new VirtualDiskInfo(2000, "Hard disk 1", Files.size(sda), SDA, "52 aa/4"),
                new VirtualDiskInfo(2001, "Hard disk 2", Files.size(sdb), SDB, "52 bb/4")),
                List.of(new NicInfo(4000, "Network adapter 1", "VirtualVmxnet3", "00:50:56:aa:bb:cc", "VM Network",
                        null)), SnapshotInfo.NONE);
        PreCopyResult result = new PreCopyResult(vm, List.of(
                new PreparedDisk(new DiskSpec(0, SDA, 2000, Files.size(sda)), sda, Optional.empty()),
                new PreparedDisk(new DiskSpec(1, SDB, 2001, Files.size(sdb)), sdb, Optional.empty())));

        ConversionState state = new ConversionState();
        StatePublisher publisher = new StatePublisher(state, new StateFile(settings.stateFile())).start();
        List<String> statuses = new CopyOnWriteArrayList<>();
        state.setListener(change -> {
            statuses.add(String.valueOf(state.snapshot().get("status")));
            publisher.changed(change);
        });
        ConversionRun.LogParsers parsers = new ConversionRun.LogParsers() {
            @Override
            public LogConsumer v2vLog(ConversionState s, V2vCapabilities caps) {
                return consumer(new V2vLogParser(s).newStream());
            }

            @Override
            public LogConsumer machineReadableLog(ConversionState s) {
                return consumer(new MachineReadableParser(s).newStream());
            }
        };
        ConversionRun run = new ConversionRun(settings, request, state, publisher, parsers, mode -> {
            Mode.TwoPhase t = (Mode.TwoPhase) mode;
            List<Step> steps = new ArrayList<>(TwoPhaseConversionSteps.checks(t));
            steps.add(Step.of("Pre-copy #1 (last)", java.time.Duration.ofMinutes(1), ctx -> {
                ctx.state().initDisks(ctx.request().sourceDisks());
                ctx.put(PreCopyResult.SLOT, result);
            }));
            steps.addAll(TwoPhaseConversionSteps.steps(t));
            return new Itinerary(mode, steps);
        });
        int rc = run.run();
        String v2vLog = Files.readString(settings.v2vLog());
        assertEquals(ConversionRun.EXIT_OK, rc, state.lastMessage().map(LastMessage::message).orElse("")
                + "\n" + v2vLog.substring(Math.max(0, v2vLog.length() - 3000)));

        JsonNode saved = new ObjectMapper().readTree(settings.stateFile().toFile());
        assertTrue(saved.get("finished").asBoolean() && !saved.get("failed").asBoolean(), saved.toString());
        assertEquals(List.of(SDA, SDB), List.of(saved.get("disks").get(0).get("path").asText(),
                saved.get("disks").get(1).get("path").asText()));
        assertTrue(saved.get("pid").asLong() > 0);
        assertTrue(statuses.contains("Converting Microsoft Windows 7 Phony Edition to run on KVM")
                && statuses.contains("Inspecting the converted guest") && statuses.contains("Creating the VM"),
                statuses.toString());

        // What virt-v2v 2.2 leaves on this guest: the VirtIO driver directory (not on the original).
        String gf = run(List.of("guestfish", "--ro", "-a", sda.toString(), "-a",
                RealGuest.image("windows.img").toString(), "run", ":", "mount-ro", "/dev/sda2", "/", ":", "is-dir",
                "/Windows/Drivers/VirtIO", ":", "umount", "/", ":", "mount-ro", "/dev/sdb2", "/", ":", "is-dir",
                "/Windows/Drivers/VirtIO"));
        assertEquals("true\nfalse\n", gf, "converted vs original");

        Path xml = out.resolve("web01.xml");
        String text = Files.readString(xml);
        assertTrue(text.contains("<source file=\"" + sda + "\"/>") && text.contains("<source file=\"" + sdb + "\"/>"),
                text);
        // No virtio drivers for this guest: the emulated devices virt-v2v chose.
        assertTrue(text.contains("<target bus=\"ide\" dev=\"hda\"/>") && text.contains("<model type=\"rtl8139\"/>"),
                text);
        assertTrue(text.contains("<source bridge=\"br0\"/>") && text.contains("<mac address=\"00:50:56:aa:bb:cc\"/>"),
                text);
        if (Files.isExecutable(Path.of("/usr/bin/virt-xml-validate")) && Files.isExecutable(Path.of("/usr/bin/xmllint"))) {
            Process v = new ProcessBuilder("virt-xml-validate", xml.toString(), "domain").redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("validate.out").toFile()).start();
            assertTrue(v.waitFor(60, TimeUnit.SECONDS), "virt-xml-validate");
            assertEquals(0, v.exitValue(), Files.readString(tmp.resolve("validate.out")));
        }
        try (var files = Files.list(settings.runDir())) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("two-phase-")),
                    "the work directory went with the run");
        }
    }
}
