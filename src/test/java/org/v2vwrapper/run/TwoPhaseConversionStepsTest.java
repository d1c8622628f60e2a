package org.v2vwrapper.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.e2e.ProjectPaths;
import org.v2vwrapper.itinerary.Itinerary;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.itinerary.Step;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.precopy.DiskSpec;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.Destination;
import org.v2vwrapper.request.Mode;
import org.v2vwrapper.request.RequestFixtures;
import org.v2vwrapper.request.TransportMethod;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.DiskProgress;
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
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conversion half of two-phase through the real step runner, on a hand-made {@link PreCopyResult} (two local
 * files as the copied disks) with the fake virt-v2v-in-place, virt-v2v-inspector and 1.4x virt-v2v of
 * {@code src/test/resources/fake-two-phase}, the real log parsers and, for 1.4x, the real {@code qemu-img commit}.
 */
class TwoPhaseConversionStepsTest {
    private static final Path FAKES = ProjectPaths.root().resolve("src/test/resources/fake-two-phase");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SDA = "[datastore1] web01/web01.vmdk";
    private static final String SDB = "[datastore1] web01/web01_1.vmdk";
    private static final long DISK_SIZE = 1 << 20;

    @TempDir
    Path dir;

    private final List<String> statuses = new CopyOnWriteArrayList<>();

    @AfterEach
    void noFakeLeft() {
        assertFalse(ProcessHandle.current().descendants()
                        .anyMatch(h -> h.info().commandLine().orElse("").contains(dir.toString())),
                "every fake is gone");
    }

    private Path out() throws IOException {
        return Files.createDirectories(dir.resolve("out"));
    }

    private Path runDir() throws IOException {
        return Files.createDirectories(dir.resolve("run"));
    }

    private Path logDir() throws IOException {
        return Files.createDirectories(dir.resolve("log"));
    }

    private Path record() {
        return dir.resolve("record.jsonl");
    }

    /** A fake from src/test/resources/fake-two-phase, behind a script that sets its environment. */
    private Path tool(String name, Map<String, String> env) throws IOException {
        StringBuilder sh = new StringBuilder("#!/bin/sh\nexport FAKE_TWO_PHASE_RECORD='" + record() + "'\n");
        env.forEach((k, v) -> sh.append("export ").append(k).append("='").append(v).append("'\n"));
        sh.append("exec '").append(FAKES.resolve(name)).append("' \"$@\"\n");
        Path script = Files.createDirectories(dir.resolve("bin")).resolve(name);
        Files.writeString(script, sh.toString(), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private WrapperSettings settings(Map<String, String> env) throws IOException {
        return new WrapperSettings(tool("virt-v2v", env), runDir(), logDir(), dir.resolve("vddk"),
                dir.resolve("ca.pem"), WrapperSettings.DEFAULT_DEV_DISK_BY_ID, tool("virt-v2v-in-place", env), tool("virt-v2v-inspector", env),
                Path.of("/usr/bin/qemu-img"), null, null, null, null);
    }

    /** A two-phase request to local_output_dir with one mapping by MAC and one by (distributed) port group. */
    private ConversionRequest request() throws Exception {
        ObjectNode n = RequestFixtures.vddkSource();
        n.putArray("source_disks").add(SDA).add(SDB);
        n.put("local_output_dir", out().toString());
        n.put("output_format", "qcow2");
        n.putArray("network_mappings")
                .add(RequestFixtures.mapping("VM Network", "br-ext", "00:50:56:aa:bb:cc"))
                .add(RequestFixtures.mapping("dvportgroup-7", "br-int", null));
        ConversionRequest r = RequestFixtures.parse(n);
        // The parser does not take two_phase with local_output_dir yet (the pre-copy's branch adds it).
        return new ConversionRequest(r.vmName(), r.outputFormat(), TransportMethod.VDDK, r.vmwareUri(),
                r.vmwarePassword(), r.vmwareFingerprint(), r.sshKey(), true, false, r.conversionHostUuid(),
                r.iterationSeconds(), r.sourceDisks(), r.networkMappings(), r.installDrivers(), r.allocation(),
                r.luksKeysVault(), r.rhv(), r.osp(), r.localOutputDir(), r.insecureConnection(), r.ospSource(),
                r.nbdExport(), r.daemonize(), r.throttling());
    }

    private static VmInfo vm() {
        return new VmInfo(new ManagedObjectRef("VirtualMachine", "vm-42"), "web01", "poweredOff", true, "efi", 2048,
                2, List.of(new VirtualDiskInfo(2000, "Hard disk 1", DISK_SIZE, SDA, "52 aa/1"),
                new VirtualDiskInfo(2001, "Hard disk 2", DISK_SIZE, SDB, "52 bb/1")),
                List.of(new NicInfo(4000, "Network adapter 1", "VirtualVmxnet3", "00:50:56:AA:BB:CC", "VM Network",
                                null),
                        new NicInfo(4001, "Network adapter 2", "VirtualE1000e", "00:50:56:aa:bb:dd", null,
                                "dvportgroup-7")),
                SnapshotInfo.NONE);
    }

    /** What the pre-copy would have left: the copies in local_output_dir, listed out of order on purpose. */
    private PreCopyResult preCopy() throws IOException {
        Path sda = disk(out().resolve("web01-sda"), "boot disk");
        Path sdb = disk(out().resolve("web01-sdb"), "data disk");
        return new PreCopyResult(vm(), List.of(
                new PreparedDisk(new DiskSpec(1, SDB, 2001, DISK_SIZE), sdb, Optional.empty()),
                new PreparedDisk(new DiskSpec(0, SDA, 2000, DISK_SIZE), sda, Optional.empty())));
    }

    private static Path disk(Path p, String text) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(DISK_SIZE);
            f.seek(512);
            f.write(text.getBytes(StandardCharsets.US_ASCII));
        }
        return p;
    }

    private static String at512(Path p, int n) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            byte[] b = new byte[n];
            f.seek(512);
            f.readFully(b);
            return new String(b, StandardCharsets.ISO_8859_1);
        }
    }

    /** The pre-copy's stand-in: the disks in the state, the result in its slot, their removal on failure. */
    private Step fakePreCopy(PreCopyResult result) {
        return Step.of("Pre-copy #0 (last)", java.time.Duration.ofMinutes(1), ctx -> {
            ctx.state().initDisks(ctx.request().sourceDisks());
            ctx.onFailure("the destination disks", () -> {
                for (PreparedDisk d : result.disks()) {
                    Files.deleteIfExists(d.localPath());
                }
            });
            ctx.put(PreCopyResult.SLOT, result);
        });
    }

    private static ConversionRun.LogParsers realParsers() {
        return LogParsersFactory.INSTANCE;
    }

    private record Outcome(int exitCode, ConversionState state, WrapperSettings settings) {
        String lastMessage() {
            return state.lastMessage().map(LastMessage::message).orElse("");
        }
    }

    private Outcome run(Map<String, String> env) throws Exception {
        ConversionState state = new ConversionState();
        WrapperSettings settings = settings(env);
        return new Outcome(newRun(settings, state).run(), state, settings);
    }

    private ConversionRun newRun(WrapperSettings settings, ConversionState state) throws Exception {
        ConversionRequest request = request();
        PreCopyResult result = preCopy();
        StatePublisher publisher = new StatePublisher(state, new StateFile(settings.stateFile())).start();
        state.setListener(change -> {
            statuses.add(String.valueOf(state.snapshot().get("status")));
            publisher.changed(change);
        });
        ConversionRun run = new ConversionRun(settings, request, state, publisher, realParsers(), mode -> {
            Mode.TwoPhase t = (Mode.TwoPhase) mode;
            List<Step> steps = new ArrayList<>(TwoPhaseConversionSteps.checks(t));
            steps.add(fakePreCopy(result));
            steps.addAll(TwoPhaseConversionSteps.steps(t));
            return new Itinerary(mode, steps);
        });
        return run;
    }

    private List<JsonNode> calls(String tool) throws IOException {
        if (!Files.exists(record())) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(record())) {
            JsonNode n = JSON.readTree(line);
            if (n.get("tool").asText().equals(tool)) {
                out.add(n);
            }
        }
        return out;
    }

    private static List<String> argv(JsonNode call) {
        List<String> out = new ArrayList<>();
        call.get("argv").forEach(a -> out.add(a.asText()));
        return out;
    }

    @Test
    void v2ConvertsInPlaceInspectsAndWritesTheLocalDomain() throws Exception {
        Outcome o = run(Map.of());
        assertEquals(ConversionRun.EXIT_OK, o.exitCode(), o.lastMessage());
        assertFalse(o.state().isFailed());
        Path out = dir.resolve("out");

        List<JsonNode> inPlace = calls("virt-v2v-in-place");
        assertEquals(1, inPlace.size());
        List<String> args = argv(inPlace.get(0));
        String xmlPath = args.get(8);
        // argv[0] is the fake behind the wrapper's tool script; the rest is what the wrapper passed.
        assertEquals(List.of("-v", "-x", "--root", "first",
                "--machine-readable=file:" + dir.resolve("log/virt-v2v-mr.log"), "-i", "libvirtxml", xmlPath,
                "--mac", "00:50:56:aa:bb:cc:bridge:br-ext", "--bridge", "dvportgroup-7:br-int"), tail(args));
        assertTrue(Path.of(xmlPath).startsWith(dir.resolve("run")), "in the run's directory: " + xmlPath);
        assertTrue(Path.of(xmlPath).getParent().getFileName().toString().startsWith("two-phase-"), xmlPath);
        JsonNode xml = inPlace.get(0).get("xml");
        assertEquals("0o600", xml.get("mode").asText());
        String text = xml.get("text").asText();
        // The source's order although the pre-copy listed sdb first; the copies as raw files.
        assertTrue(text.indexOf(out.resolve("web01-sda").toString()) < text.indexOf(out.resolve("web01-sdb").toString())
                && text.contains("<target bus=\"scsi\" dev=\"sdb\"/>"), text);
        assertTrue(text.contains("<os firmware=\"efi\">"), text);
        assertTrue(text.contains("<memory unit=\"KiB\">2097152</memory>"), text);
        assertTrue(text.contains("<vcpu>2</vcpu>"), text);
        assertTrue(text.contains("<mac address=\"00:50:56:aa:bb:cc\"/>") && text.contains("<source bridge=\"VM Network\"/>"),
                text);
        assertTrue(text.contains("<source bridge=\"dvportgroup-7\"/>"), text);
        assertEquals("C", inPlace.get(0).get("env").get("LANG").asText());

        // Monitored as virt-v2v: its pid, its phases as the status.
        assertEquals(inPlace.get(0).get("pid").asLong(), ((Number) o.state().snapshot().get("pid")).longValue());
        assertTrue(statuses.containsAll(List.of("Checking virt-v2v", "Pre-copy #0 (last)", "Writing the conversion XML",
                "Converting the guest", "Setting up the source: -i libvirtxml", "Converting Phony OS to run on KVM",
                "Finishing off", "Inspecting the converted guest", "Creating the VM", "Finished")), statuses.toString());
        assertTrue(Files.readString(o.settings().v2vLog()).contains("gcaps_block_bus = virtio-blk"));

        List<JsonNode> inspector = calls("virt-v2v-inspector");
        assertEquals(1, inspector.size());
        assertEquals(List.of("-v", "-x", "--root", "first", "-i",
                "libvirtxml", xmlPath, "-O", Path.of(xmlPath).resolveSibling("inspection.xml").toString()),
                tail(argv(inspector.get(0))));
        assertTrue(Files.readString(o.settings().inspectorLog()).contains("inspected 2 disks of web01"));

        assertEquals("CONVERTED", at512(out.resolve("web01-sda"), 9));
        assertEquals("CONVERTED", at512(out.resolve("web01-sdb"), 9));
        String local = Files.readString(out.resolve("web01.xml"));
        assertTrue(local.contains("<target bus=\"virtio\" dev=\"vda\"/>") && local.contains("dev=\"vdb\""), local);
        assertTrue(local.contains("<source file=\"" + out.resolve("web01-sda") + "\"/>"), local);
        assertTrue(local.contains("<os firmware=\"efi\">"), "UEFI from the source: " + local);
        assertTrue(local.contains("<source bridge=\"br-ext\"/>") && local.contains("<source bridge=\"br-int\"/>"), local);
        assertTrue(local.contains("<model type=\"virtio\"/>"), local);
        validates(out.resolve("web01.xml"));
        // Local has no VM id (as one-phase -o local); the work directory went with the run's cleanup.
        assertTrue(o.state().vmId().isEmpty());
        assertFalse(Files.exists(Path.of(xmlPath).getParent()), "work directory removed");
        assertTrue(calls("virt-v2v").isEmpty(), "no 1.4x virt-v2v on 2.x");
    }

    private static List<String> tail(List<String> args) {
        return args.subList(1, args.size());
    }

    private void validates(Path xml) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/virt-xml-validate")) || !Files.isExecutable(Path.of("/usr/bin/xmllint"))) {
            return;
        }
        Path log = dir.resolve("validate.out");
        Process v = new ProcessBuilder("virt-xml-validate", xml.toString(), "domain").redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertTrue(v.waitFor(60, TimeUnit.SECONDS), "virt-xml-validate");
        assertEquals(0, v.exitValue(), Files.readString(log));
    }

    @Test
    void aFailedInPlaceRunIsExitTwoAndTheDisksAreCleanedUp() throws Exception {
        Outcome o = run(Map.of("FAKE_IN_PLACE_FAIL", "1"));
        assertEquals(ConversionRun.EXIT_FAILED, o.exitCode());
        assertTrue(o.state().isFailed() && o.state().isFinished());
        assertEquals("virt-v2v-in-place: error: fake failure while converting", o.lastMessage());
        assertEquals("Failed", o.state().snapshot().get("status"));
        assertTrue(statuses.contains("Cleaning up"), statuses.toString());
        assertFalse(Files.exists(dir.resolve("out/web01-sda")), "the unusable disks were removed");
        assertFalse(Files.exists(dir.resolve("out/web01-sdb")));
        assertFalse(Files.exists(dir.resolve("out/web01.xml")));
        assertTrue(calls("virt-v2v-inspector").isEmpty(), "no inspection after a failed conversion");
        assertEquals(1, ((Number) o.state().snapshot().get("return_code")).intValue());
    }

    @Test
    void sigtermDuringTheInPlaceRunStopsItAndCleansUp() throws Exception {
        ConversionState state = new ConversionState();
        ConversionRun run = newRun(settings(Map.of("FAKE_IN_PLACE_SLEEP", "600")), state);
        java.util.concurrent.atomic.AtomicInteger rc = new java.util.concurrent.atomic.AtomicInteger(-1);
        Thread t = new Thread(() -> rc.set(run.run()));
        t.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!"Opening the source".equals(state.snapshot().get("status")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("Opening the source", state.snapshot().get("status"), statuses.toString());
        run.terminate("test SIGTERM");
        t.join(60_000);
        assertEquals(ConversionRun.EXIT_FAILED, rc.get());
        assertEquals("conversion stopped: test SIGTERM during the step \"Converting the guest\"", state.lastMessage().orElseThrow().message());
        assertFalse(Files.exists(dir.resolve("out/web01-sda")), "the failure cleanup removed the disks");
        try (var files = Files.list(dir.resolve("run"))) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("two-phase-")), "work dir removed");
        }
        assertTrue(calls("virt-v2v-inspector").isEmpty());
    }

    @Test
    void aFailedInspectionFailsTheRunNamingTheInspector() throws Exception {
        Outcome o = run(Map.of("FAKE_INSPECTOR_FAIL", "1"));
        assertEquals(ConversionRun.EXIT_FAILED, o.exitCode());
        assertTrue(o.lastMessage().startsWith("virt-v2v-inspector failed with exit code 1"), o.lastMessage());
        assertFalse(Files.exists(dir.resolve("out/web01.xml")));
        assertFalse(Files.exists(dir.resolve("out/web01-sda")));
    }

    @Test
    void v14xConvertsIntoOverlaysAndCommitsEachIntoItsDisk() throws Exception {
        Outcome o = run(Map.of("FAKE_V2V_GENERATION", "1"));
        assertEquals(ConversionRun.EXIT_OK, o.exitCode(), o.lastMessage());
        Path out = dir.resolve("out");
        List<JsonNode> v2v = calls("virt-v2v");
        assertEquals(1, v2v.size());
        List<String> args = argv(v2v.get(0));
        String xmlPath = args.get(8);
        String cache = v2v.get(0).get("env").get("LIBGUESTFS_CACHEDIR").asText();
        assertEquals(Path.of(xmlPath).resolveSibling("overlays").toString(), cache);
        assertEquals(List.of("-v", "-x", "--root", "first",
                "--machine-readable=file:" + dir.resolve("log/virt-v2v-mr.log"), "-i", "libvirtxml", xmlPath,
                "--debug-overlays", "--no-copy", "--mac", "00:50:56:aa:bb:cc:bridge:br-ext", "--bridge",
                "dvportgroup-7:br-int", "-o", "local", "-os", out.toString(), "-of", "raw"), tail(args));
        // The overlays' data is now in the raw copies, and every overlay is gone.
        assertEquals("CCCC", at512(out.resolve("web01-sda"), 4));
        assertEquals("CCCC", at512(out.resolve("web01-sdb"), 4));
        assertEquals(DISK_SIZE, Files.size(out.resolve("web01-sda")));
        List<DiskProgress> disks = o.state().disks();
        assertEquals(List.of(SDA, SDB), disks.stream().map(DiskProgress::path).toList());
        assertEquals(List.of(100.0, 100.0), disks.stream().map(DiskProgress::commitProgress).toList());
        assertTrue(Files.readString(o.settings().stateFile()).contains("\"commit_progress\":100.0"));
        assertTrue(statuses.contains("Committing the overlays"), statuses.toString());
        assertTrue(calls("virt-v2v-in-place").isEmpty() && calls("virt-v2v-inspector").isEmpty());
        assertTrue(Files.exists(out.resolve("web01.xml")), "virt-v2v 1.4x -o local wrote the domain");
        assertEquals(v2v.get(0).get("pid").asLong(), ((Number) o.state().snapshot().get("pid")).longValue());
    }

    @Test
    void v14xFailingCleansUpAndNamesVirtV2v() throws Exception {
        Outcome o = run(Map.of("FAKE_V2V_GENERATION", "1", "FAKE_V2V_FAIL", "1"));
        assertEquals(ConversionRun.EXIT_FAILED, o.exitCode());
        assertEquals("virt-v2v: error: fake 1.4x failure", o.lastMessage());
        assertFalse(Files.exists(dir.resolve("out/web01-sda")));
    }

    @Test
    void aMissingInPlaceToolIsRefusedBeforeThePreCopy() throws Exception {
        WrapperSettings s = settings(Map.of());
        WrapperSettings missing = new WrapperSettings(s.virtV2v(), s.runDir(), s.logDir(), s.vddkLibdir(),
                s.caBundle(), s.devDiskById(), dir.resolve("nowhere/virt-v2v-in-place"), s.virtV2vInspector(),
                s.qemuImg(), s.nbdkit(), s.dataDir(), s.lockDir(), s.runLogs());
        ConversionState state = new ConversionState();
        try (Cleanup cleanup = new Cleanup()) {
            RunContext ctx = new RunContext(request(), missing, state, cleanup, SecretStore.dryRun(), false);
            Step check = TwoPhaseConversionSteps.checks((Mode.TwoPhase) request().mode()).get(0);
            ConversionException e = assertThrows(ConversionException.class, () -> check.action().run(ctx));
            assertEquals("--virt-v2v-in-place: " + dir.resolve("nowhere/virt-v2v-in-place")
                    + " is not an executable file (virt-v2v 2.x converts the copies with it)", e.getMessage());
        }
    }

    @Test
    void ovirtAndOpenstackMakeTheVmThroughTheirApis() throws Exception {
        Mode.TwoPhase ovirt = (Mode.TwoPhase) RequestFixtures.parse(RequestFixtures.twoPhaseVddkToRhv()).mode();
        assertEquals(1, TwoPhaseConversionSteps.checks(ovirt).size());
        Step create = TwoPhaseConversionSteps.steps(ovirt).get(4);
        assertEquals("Creating the VM", create.name());
        assertTrue(TwoPhaseConversionSteps.finishFor(ovirt.destination()).describe().contains("oVirt engine"));
        Mode.TwoPhase osp = new Mode.TwoPhase(TransportMethod.VDDK,
                RequestFixtures.parse(RequestFixtures.vddkToOpenstack()).destination(), "", true, Optional.empty());
        assertEquals("Creating the VM", TwoPhaseConversionSteps.steps(osp).get(4).name());
        assertTrue(TwoPhaseConversionSteps.finishFor(osp.destination()).describe().contains("instance"));
    }

    /** What --dry-run prints for these steps, for each generation: nothing is written or started. */
    private List<String> preview(String caps) throws Exception {
        WrapperSettings s = settings(Map.of());
        ConversionRequest r = request();
        List<String> lines = new ArrayList<>();
        try (Cleanup cleanup = new Cleanup()) {
            RunContext ctx = new RunContext(r, s, new ConversionState(), cleanup, SecretStore.dryRun(), true);
            ctx.put(ColdSteps.CAPABILITIES, V2vCapabilities.parse(caps));
            List<Step> steps = new ArrayList<>(TwoPhaseConversionSteps.checks((Mode.TwoPhase) r.mode()));
            steps.addAll(TwoPhaseConversionSteps.steps((Mode.TwoPhase) r.mode()));
            for (Step step : steps) {
                lines.add(step.name() + ": " + step.preview().orElseThrow().describe(ctx));
            }
        }
        assertFalse(Files.exists(record()), "nothing ran");
        try (var files = Files.list(dir.resolve("run"))) {
            assertEquals(List.of(), files.toList(), "nothing written");
        }
        return lines;
    }

    @Test
    void dryRunShowsTheXmlAndTheCommandsOfEachGeneration() throws Exception {
        Path out = dir.resolve("out");
        Path xml = dir.resolve("run/two-phase-XXXXXX/conversion.xml");
        List<String> v2 = preview("virt-v2v\nvirt-v2v-2.0\nmac-option\ninput:libvirtxml\n");
        assertEquals("Writing the conversion XML: " + xml + " (0600, in the wrapper log too): domain web01 with the"
                + " memory, vCPUs, firmware and NICs (MAC, port group) vSphere reports, its disks in the source's order"
                + " as raw " + out.resolve("web01-sda") + ", " + out.resolve("web01-sdb"), v2.get(1));
        assertEquals("Converting the guest: LANG=C LIBGUESTFS_BACKEND=direct " + dir.resolve("bin/virt-v2v-in-place")
                + " -v -x --root first --machine-readable=file:" + dir.resolve("log/virt-v2v-mr.log")
                + " -i libvirtxml " + xml + " --mac 00:50:56:aa:bb:cc:bridge:br-ext --bridge dvportgroup-7:br-int",
                v2.get(2));
        assertEquals("Inspecting the converted guest: LANG=C LIBGUESTFS_BACKEND=direct "
                + dir.resolve("bin/virt-v2v-inspector") + " -v -x --root first -i libvirtxml " + xml + " -O "
                + xml.resolveSibling("inspection.xml"), v2.get(3));
        assertEquals("Committing the overlays: skipped: virt-v2v 2.x converts in place", v2.get(4));
        assertEquals("Creating the VM: libvirt domain XML " + out.resolve("<vm_name>.xml")
                + " beside the converted disks", v2.get(5));

        List<String> v1 = preview("virt-v2v\nmac-option\ninput:libvirtxml\n");
        assertEquals("Converting the guest: LANG=C LIBGUESTFS_BACKEND=direct LIBGUESTFS_CACHEDIR="
                + xml.resolveSibling("overlays") + " " + dir.resolve("bin/virt-v2v") + " -v -x --root first"
                + " --machine-readable=file:" + dir.resolve("log/virt-v2v-mr.log") + " -i libvirtxml " + xml
                + " --debug-overlays --no-copy --mac 00:50:56:aa:bb:cc:bridge:br-ext --bridge dvportgroup-7:br-int"
                + " -o local -os " + out + " -of raw", v1.get(2));
        assertEquals("Inspecting the converted guest: skipped: virt-v2v 1.4x", v1.get(3));
        assertTrue(v1.get(4).startsWith("Committing the overlays: /usr/bin/qemu-img commit -p <overlay> per disk"),
                v1.get(4));
        assertEquals("Creating the VM: made by virt-v2v 1.4x (its local output)", v1.get(5));
    }
}
