package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.e2e.TwoPhaseFakes.MAC1;
import static org.v2vwrapper.e2e.TwoPhaseFakes.MAC2;
import static org.v2vwrapper.e2e.TwoPhaseFakes.SOURCE_DISKS;
import static org.v2vwrapper.e2e.TwoPhaseFakes.VM;

/**
 * Two-phase (and warm) from the fake vSphere to the fake oVirt engine through the real launcher: the pre-copy
 * into disks the run makes and attaches to the conversion host's VM (their {@code virtio-…} links in a test
 * {@code --dev-disk-by-id}), the fake virt-v2v-in-place and inspector (2.x) or the fake 1.42 virt-v2v with the
 * real qemu-img (1.4x), then the VM made through the engine API; and the cleanup after a failure in each step.
 */
class TwoPhaseOvirtIT {
    static final String CONV = "c0c0c0c0-0000-4000-8000-000000000001";
    static final String OTHERS_DISK = "99999999-9999-4999-8999-999999999999";
    static final String OTHER_VM = "0e0e0e0e-0000-4000-8000-000000000002";
    static final byte[] CONVERTED = "CONVERTED".getBytes(StandardCharsets.US_ASCII);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;
    TwoPhaseFakes fakes;
    FakeOvirtEngine engine;
    Path byId;
    String clusterId;
    String mgmtProfile;
    String dmzProfile;

    @BeforeEach
    void setUp() throws Exception {
        fakes = new TwoPhaseFakes(tmp);
        engine = FakeOvirtEngine.start(TestCa.shared());
        clusterId = engine.addCluster("Default");
        engine.addCluster("Other");
        engine.addStorageDomain("data", "nfs");
        engine.addVm(CONV, "conversion-host");
        engine.setVmStatus(CONV, "up");
        byId = Files.createDirectory(tmp.resolve("by-id"));
        engine.devDiskById(CONV, byId, Files.createDirectory(tmp.resolve("backing")));
        mgmtProfile = engine.addVnicProfile("ovirtmgmt", "net-mgmt");
        dmzProfile = engine.addVnicProfile("dmz-net", "net-dmz");
        engine.addVnicProfile("unused", "net-unused");
        // Someone else's: a disk on the conversion host and a VM, which no step and no cleanup may touch.
        engine.addDisk(OTHERS_DISK, "ok");
        engine.attachDisk(CONV, OTHERS_DISK);
        engine.addVm(OTHER_VM, "someone-elses-vm");
        // The wrapper must wait for the detach: the engine lists a detached disk twice more.
        engine.setDetachAfterGets(2);
        engine.setCreatedLockedGets(2);
    }

    @AfterEach
    void tearDown() {
        engine.close();
        fakes.vsphere.close();
    }

    private String request(boolean warm) {
        ObjectNode r = fakes.request(warm);
        r.put("conversion_host_uuid", CONV);
        r.put("rhv_url", engine.url());
        r.put("rhv_password", engine.password());
        r.put("rhv_cluster", "Default");
        r.put("rhv_storage", "data");
        var maps = r.putArray("network_mappings");
        maps.addObject().put("source", "VM Network").put("destination", "ovirtmgmt");
        maps.addObject().put("source", TwoPhaseFakes.DVPG).put("destination", "dmz-net");
        return r.toString();
    }

    private WrapperRun wrapper(String name) throws Exception {
        return fakes.wrapper(name).arg("--ca-bundle=" + TestCa.shared().caPem()).arg("--dev-disk-by-id=" + byId);
    }

    private List<FakeOvirtEngine.Disk> ourDisks() {
        return engine.disks().stream().filter(d -> d.alias().startsWith(VM + "_Disk")).toList();
    }

    /** The engine's changing calls with ids replaced by names: CONV, D1, D2 (our disks), NEW (the new VM). */
    private List<String> changingCalls(Map<String, String> names) {
        List<String> out = new ArrayList<>();
        for (FakeOvirtEngine.Call c : engine.apiCalls()) {
            if (c.method().equals("GET")) {
                continue;
            }
            out.add(c.method() + " " + rename(c.path().substring(FakeOvirtEngine.API.length()), names)
                    + (c.query().isEmpty() ? "" : " " + c.query()) + (c.status() >= 400 ? " -> " + c.status() : ""));
        }
        return out;
    }

    private static String rename(String path, Map<String, String> names) {
        String p = path;
        for (var e : names.entrySet()) {
            p = p.replace(e.getKey(), e.getValue());
        }
        return p;
    }

    /** Every call, GETs too, renamed: for the order of the waits. */
    private List<String> allCalls(Map<String, String> names) {
        return engine.apiCalls().stream().map(c -> c.method() + " "
                + rename(c.path().substring(FakeOvirtEngine.API.length()), names)).toList();
    }

    /** Our disks' ids by name (D1, D2), in the order the run made them. */
    private Map<String, String> diskNames() {
        Map<String, String> names = new LinkedHashMap<>();
        names.put(CONV, "CONV");
        // The engine lists disks in creation order; ours are web01_Disk1 and web01_Disk2.
        for (FakeOvirtEngine.Disk d : ourDisks()) {
            names.put(d.id(), "D" + d.alias().substring((VM + "_Disk").length()));
        }
        return names;
    }

    // ----- virt-v2v 2.x -----

    @Test
    void warmTwoPhaseMakesTheVmThroughTheEngineApi() throws Exception {
        fakes.addSourceVm("efi", false);
        WrapperRun run = wrapper("warm").start(request(true));
        TwoPhaseFakes.cutOverWhenWaiting(run);
        assertEquals(0, run.waitFor(120), run.stderr());

        JsonNode s = run.state();
        assertFalse(s.path("failed").asBoolean(), s.toString());
        assertEquals("finished", TwoPhaseFakes.lastKey(s));
        String vmId = s.path("vm_id").asText();
        assertTrue(engine.hasVm(vmId), "vm_id " + vmId + " is not a VM on the engine: " + engine.vms());
        Map<String, String> names = diskNames();
        names.put(vmId, "NEW");
        String d1 = ourDisks().get(0).id();
        String d2 = ourDisks().get(1).id();

        // The engine API calls in order: disks made and attached to the conversion host (pre-copy), detached,
        // then the VM, its NICs and its disks.
        assertEquals(List.of(
                "POST /disks", "POST /vms/CONV/diskattachments",
                "POST /disks", "POST /vms/CONV/diskattachments",
                "DELETE /vms/CONV/diskattachments/D1", "DELETE /vms/CONV/diskattachments/D2",
                "POST /vms", "POST /vms/NEW/nics", "POST /vms/NEW/nics",
                "POST /vms/NEW/diskattachments", "POST /vms/NEW/diskattachments"), changingCalls(names));
        // The detach was waited for: the conversion host's disks listed again until ours were gone.
        List<String> all = allCalls(names);
        int lastDetach = all.lastIndexOf("DELETE /vms/CONV/diskattachments/D2");
        int create = all.indexOf("POST /vms");
        assertTrue(all.subList(lastDetach, create).stream().filter("GET /vms/CONV/diskattachments"::equals).count() >= 3,
                "the detach was not waited for: " + all.subList(lastDetach, create));
        // Each pre-copy attachment only once the disk was ok (the engine refuses nothing here, so check the order).
        int firstAttach = all.indexOf("POST /vms/CONV/diskattachments");
        assertTrue(all.subList(0, firstAttach).contains("GET /disks/D1"), all.toString());

        // The VM: rhv_cluster, name, memory, CPU topology, OS type from the inspector's RHEL 9.2 x86_64 (virt-v2v's
        // get_ostype: rhel_9x64), UEFI from the source (the inspector reports no firmware), server type.
        FakeOvirtEngine.Vm vm = engine.vm(vmId);
        assertEquals(VM, vm.name());
        assertEquals(clusterId, vm.clusterId());
        FakeOvirtEngine.VmSpec spec = engine.vmSpec(vmId);
        assertEquals(new FakeOvirtEngine.VmSpec("Blank", 2048L * TwoPhaseFakes.MIB, 4, 1, 1, "rhel_9x64",
                "q35_ovmf", "server"), spec);
        // NICs: one per mapped source NIC, the source MACs, the destination networks' vNIC profiles, virtio
        // (gcaps_net_bus = virtio-net).
        assertEquals(List.of(new NicSeen("nic1", "virtio", MAC1, mgmtProfile),
                new NicSeen("nic2", "virtio", MAC2, dmzProfile)), engine.nics(vmId).stream()
                .map(n -> new NicSeen(n.name(), n.iface(), n.mac(), n.vnicProfileId())).toList());
        // Disks: in the source's order, the first bootable, virtio (gcaps_block_bus = virtio-blk), active.
        List<FakeOvirtEngine.DiskAttachment> attached = engine.attachments(vmId);
        assertEquals(List.of(d1, d2), attached.stream().map(FakeOvirtEngine.DiskAttachment::diskId).toList());
        assertEquals(List.of(true, false), attached.stream().map(FakeOvirtEngine.DiskAttachment::bootable).toList());
        assertTrue(attached.stream().allMatch(a -> a.active() && a.iface().equals("virtio")));
        // Not shareable, as asked when they were made (the engine keeps what it was given).
        engine.posted().stream().filter(p -> p.path().equals("/disks"))
                .forEach(p -> assertTrue(p.body().contains("<shareable>false</shareable>"), p.body()));
        // The conversion host is back to what it had; someone else's VM untouched.
        assertEquals(List.of(OTHERS_DISK), engine.attachments(CONV).stream()
                .map(FakeOvirtEngine.DiskAttachment::diskId).toList());
        assertTrue(engine.hasVm(OTHER_VM));
        assertEquals(List.of(), engine.attachments(OTHER_VM));

        // The disks hold the final source, converted in place by the fake virt-v2v-in-place.
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(fakes.convertedSource(i, CONVERTED, 512),
                    Files.readAllBytes(engine.backing(ourDisks().get(i).id())), "disk " + (i + 1));
        }
        try (var links = Files.list(byId)) {
            assertEquals(List.of(), links.toList(), "the detached disks' device links");
        }

        // ManageIQ: disks[].path are the source_disks (each once), pid was virt-v2v-in-place's, cutover_file.
        assertEquals(SOURCE_DISKS, TwoPhaseFakes.diskPaths(s));
        List<JsonNode> inPlace = fakes.toolCalls("virt-v2v-in-place");
        assertEquals(1, inPlace.size());
        assertEquals(inPlace.get(0).path("pid").asLong(), s.path("pid").asLong(), s.toString());
        List<String> inPlaceArgv = TwoPhaseFakes.argv(inPlace.get(0));
        assertTrue(inPlaceArgv.containsAll(List.of("--mac", MAC1 + ":bridge:ovirtmgmt", MAC2 + ":bridge:dmz-net"))
                || inPlaceArgv.containsAll(List.of("--bridge", "VM Network:ovirtmgmt")), inPlaceArgv.toString());
        // The conversion XML names the disks by their by-id devices.
        String xml = inPlace.get(0).path("xml").path("text").asText();
        assertTrue(xml.contains(byId.resolve("virtio-" + d1.substring(0, 20)).toString()), xml);
        // Inspected once, while the run waited for the cutover (on the unconverted copies), not after it.
        List<String> tools = fakes.toolCalls().stream().map(c -> c.path("tool").asText()).toList();
        assertEquals(List.of("virt-v2v-inspector (unconverted)", "virt-v2v-in-place"), tools);
        assertEquals(run.runDir.resolve("cutover").toString(), TwoPhaseFakes.stdoutLine(run).path("cutover_file").asText());

        assertEquals(0, fakes.vsphere.snapshotsAlive(VM));
        assertTrue(engine.liveTokens().isEmpty(), "engine token not revoked");
        assertFalse(Files.exists(run.runDir.resolve(RemoteLedger.FILE_NAME)), "the ledger lists something");
        TwoPhaseFakes.assertNoSecret(run, engine.password());
        TwoPhaseFakes.assertNoSecret(run, fakes.vsphere.password());
    }

    record NicSeen(String name, String iface, String mac, String profile) {
    }

    @Test
    void coldTwoPhaseWithBiosGetsSeaBios() throws Exception {
        fakes.addSourceVm("bios", true);
        WrapperRun run = wrapper("cold").start(request(false));
        assertEquals(0, run.waitFor(120), run.stderr());
        JsonNode s = run.state();
        String vmId = s.path("vm_id").asText();
        assertEquals("q35_sea_bios", engine.vmSpec(vmId).biosType(), "BIOS source on q35 (gcaps_machine = q35)");
        assertEquals(2, engine.attachments(vmId).size());
        assertFalse(TwoPhaseFakes.stdoutLine(run).has("cutover_file"));
    }

    // ----- failures: what the run made is gone, nothing else touched -----

    /** The run failed after the point of no return, named the step, and left the engine as it found it. */
    private JsonNode assertCleanedUp(WrapperRun run, String step) throws Exception {
        assertEquals(2, run.waitFor(120), run.stderr());
        JsonNode s = run.state();
        assertTrue(s.path("failed").asBoolean(), s.toString());
        assertTrue(s.path("finished").asBoolean(), s.toString());
        assertEquals("finished", TwoPhaseFakes.lastKey(s));
        String message = s.path("last_message").path("message").asText();
        assertTrue(message.contains(step), "last_message does not name '" + step + "': " + s);
        assertEquals(List.of(), ourDisks(), "disks of the run left");
        assertEquals(List.of(CONV, OTHER_VM), engine.vms().stream().map(FakeOvirtEngine.Vm::id).toList(),
                "a VM of the run left, or one of someone else's gone");
        assertEquals(List.of(OTHERS_DISK), engine.attachments(CONV).stream()
                .map(FakeOvirtEngine.DiskAttachment::diskId).toList());
        assertTrue(engine.hasDisk(OTHERS_DISK));
        // Nothing but ours was changed: every DELETE named one of our disks or the new VM.
        for (FakeOvirtEngine.Call c : engine.apiCalls()) {
            assertFalse(c.path().contains(OTHERS_DISK) && !c.method().equals("GET"), "touched: " + c);
            assertFalse(c.path().contains(OTHER_VM), "touched: " + c);
        }
        try (var links = Files.list(byId)) {
            assertEquals(List.of(), links.toList(), "device links left");
        }
        try (var backing = Files.list(tmp.resolve("backing"))) {
            assertEquals(List.of(), backing.toList(), "disk files left");
        }
        assertFalse(Files.exists(run.runDir.resolve(RemoteLedger.FILE_NAME)), "the ledger lists something");
        assertTrue(engine.liveTokens().isEmpty(), "engine token not revoked");
        assertEquals(0, fakes.vsphere.snapshotsAlive(VM));
        try (var left = Files.list(run.runDir)) {
            List<String> names = left.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().noneMatch(n -> n.startsWith("secrets-") || n.startsWith("two-phase-")),
                    "left in the run directory: " + names);
        }
        return s;
    }

    @Test
    void aFailedInPlaceConversionRemovesTheDisks() throws Exception {
        fakes.addSourceVm("bios", true);
        WrapperRun run = wrapper("inplace").env("FAKE_IN_PLACE_FAIL", "1").start(request(false));
        JsonNode s = assertCleanedUp(run, "virt-v2v-in-place");
        assertEquals(0, fakes.toolCalls("virt-v2v-inspector").size(), "inspected after a failed conversion");
        Map<String, String> names = new LinkedHashMap<>();
        names.put(CONV, "CONV");
        List<String> calls = changingCalls(names);
        assertEquals(4, calls.stream().filter(c -> c.startsWith("POST ")).count(), "only the pre-copy's: " + calls);
        assertTrue(calls.stream().noneMatch(c -> c.equals("POST /vms")), calls.toString());
        assertTrue(s.path("pid").asLong() > 0);
    }

    @Test
    void aFailedDetachRemovesTheDisks() throws Exception {
        fakes.addSourceVm("bios", true);
        engine.failNext("DELETE", "/vms/" + CONV + "/diskattachments/.*");
        WrapperRun run = wrapper("detach").start(request(false));
        assertCleanedUp(run, "detaching the disks");
        assertTrue(engine.calls("POST", FakeOvirtEngine.API + "/vms").stream()
                .noneMatch(c -> c.path().equals(FakeOvirtEngine.API + "/vms")), "a VM was made after a failed detach");
    }

    @Test
    void aFailedVmCreationRemovesTheDisks() throws Exception {
        fakes.addSourceVm("bios", true);
        engine.failNext("POST", "/vms");
        WrapperRun run = wrapper("create").start(request(false));
        assertCleanedUp(run, "creating the VM");
    }

    @Test
    void aFailedDiskAttachmentOfTheNewVmRemovesItAndTheDisks() throws Exception {
        fakes.addSourceVm("bios", true);
        // The two pre-copy attachments to the conversion host pass, the new VM's first one fails.
        engine.failAfter("POST", "/vms/[^/]+/diskattachments", 2);
        WrapperRun run = wrapper("attach").start(request(false));
        assertCleanedUp(run, "attaching the disks");
        List<FakeOvirtEngine.Call> removed = engine.apiCalls().stream()
                .filter(c -> c.method().equals("DELETE") && c.path().matches(".*/vms/[^/]+$")).toList();
        assertEquals(1, removed.size(), "the half-made VM removed once: " + removed);
        assertEquals("true", removed.get(0).query().get("detach_only"), "its disks are the run's cleanup's");
    }

    @Test
    void aSigkilledRunsDisksAreDetachedAndDeletedByTheNextRunOnItsRunDirectory() throws Exception {
        fakes.addSourceVm("bios", false);
        WrapperRun killed = wrapper("killed").start(request(true));
        killed.awaitState(st -> "Waiting".equals(st.path("status").asText()), 60);
        List<String> made = ourDisks().stream().map(FakeOvirtEngine.Disk::id).toList();
        assertEquals(2, made.size());
        String listed = Files.readString(killed.runDir.resolve(RemoteLedger.FILE_NAME));
        assertTrue(made.stream().allMatch(listed::contains), "the ledger does not list the disks: " + listed);
        assertFalse(listed.contains(engine.password()), "a secret in the ledger");
        assertTrue(listed.contains("vsphere-snapshot"), "the ledger does not list the pre-copy snapshot: " + listed);
        killed.process().destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        killed.process().waitFor();
        assertEquals(3, engine.attachments(CONV).size(), "nothing removed them yet");
        assertEquals(1, fakes.vsphere.snapshotsAlive(VM), "the pre-copy snapshot of the killed run");

        // The next run on that run directory replays the ledger first (here it stops at the tool check).
        WrapperRun next = wrapper("killed").arg("--virt-v2v-in-place=" + tmp.resolve("missing"))
                .start(request(false));
        assertEquals(1, next.waitFor(120), next.stderr());
        assertEquals(List.of(), ourDisks(), "the dead run's disks are still on the engine");
        assertEquals(List.of(OTHERS_DISK), engine.attachments(CONV).stream()
                .map(FakeOvirtEngine.DiskAttachment::diskId).toList());
        assertTrue(engine.hasDisk(OTHERS_DISK) && engine.hasVm(OTHER_VM));
        assertEquals(0, fakes.vsphere.snapshotsAlive(VM), "the dead run's snapshot is still on vSphere");
        assertFalse(Files.exists(next.runDir.resolve(RemoteLedger.FILE_NAME)), "the ledger still lists something");
    }

    // ----- virt-v2v 1.4x -----

    @Test
    void virtV2v142ConvertsWithOverlaysAndCommitsEachDisk() throws Exception {
        fakes.addSourceVm("bios", true);
        Path commits = tmp.resolve("commits.txt");
        Path qemuImg = fakeQemuImg(commits);
        WrapperRun run = wrapper("v142").env("FAKE_V2V_GENERATION", "1").arg("--qemu-img=" + qemuImg)
                .start(request(false));
        JsonNode s;
        try (var poller = new TwoPhaseFakes.StatePoller(run.stateFile(),
                st -> st.path("disks").findValue("commit_progress") != null)) {
            assertEquals(0, run.waitFor(120), run.stderr());
            s = run.state();
            List<JsonNode> seen = poller.kept();
            assertFalse(seen.isEmpty(), "commit_progress never in the state file");
        }
        assertFalse(s.path("failed").asBoolean(), s.toString());
        for (JsonNode d : s.path("disks")) {
            assertEquals(100.0, d.path("commit_progress").asDouble(), s.toString());
        }
        assertEquals(SOURCE_DISKS, TwoPhaseFakes.diskPaths(s));
        List<JsonNode> v2v = fakes.toolCalls("virt-v2v");
        assertEquals(1, v2v.size());
        List<String> argv = TwoPhaseFakes.argv(v2v.get(0));
        assertEquals(v2v.get(0).path("pid").asLong(), s.path("pid").asLong(), "pid of virt-v2v 1.42");
        assertTrue(argv.contains("--debug-overlays") && argv.contains("--no-copy"), argv.toString());
        assertEquals("libvirtxml", argv.get(argv.indexOf("-i") + 1));
        assertEquals("rhv-upload", argv.get(argv.indexOf("-o") + 1));
        assertEquals("raw", argv.get(argv.indexOf("-of") + 1));
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals("-oo") && argv.get(i + 1).startsWith("rhv-disk-uuid=")) {
                uuids.add(argv.get(i + 1).substring("rhv-disk-uuid=".length()));
            }
        }
        assertEquals(ourDisks().stream().map(FakeOvirtEngine.Disk::id).toList(), uuids, "-oo rhv-disk-uuid in order");
        assertTrue(argv.stream().noneMatch(a -> a.contains(engine.password())), "the password in argv");

        // qemu-img commit -p of each overlay; each overlay removed after its own commit: when the second commit
        // starts (the first has ended) only the second overlay is left.
        List<String> lines = Files.readAllLines(commits);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("commit -p .*/web01-sd[ab]\\.qcow2"), lines.toString());
        assertTrue(lines.get(1).matches("commit -p .*/web01-sd[ab]\\.qcow2"), lines.toString());
        assertEquals("before sdb: web01-sdb.qcow2", lines.get(2));
        // virt-v2v made the VM (the fake through the engine's control endpoint, as rhv-upload's createvm): its id
        // from the log is vm_id; the disks were detached from the conversion host once committed.
        String vmId = s.path("vm_id").asText();
        assertTrue(engine.hasVm(vmId) && engine.vm(vmId).name().equals(VM), vmId + " in " + engine.vms());
        Map<String, String> names = diskNames();
        assertEquals(List.of("POST /disks", "POST /vms/CONV/diskattachments", "POST /disks",
                "POST /vms/CONV/diskattachments", "DELETE /vms/CONV/diskattachments/D1",
                "DELETE /vms/CONV/diskattachments/D2"), changingCalls(names));
        assertEquals(List.of(OTHERS_DISK), engine.attachments(CONV).stream()
                .map(FakeOvirtEngine.DiskAttachment::diskId).toList());
        assertTrue(engine.liveTokens().isEmpty(), "engine token not revoked");
        // The commits wrote the overlays' data into the disks.
        for (int i = 0; i < 2; i++) {
            byte[] expected = fakes.convertedSource(i, filled((byte) 0x43, 4096), 512);
            assertArrayEquals(expected, Files.readAllBytes(engine.backing(ourDisks().get(i).id())), "disk " + (i + 1));
        }
    }

    private static byte[] filled(byte b, int n) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, b);
        return out;
    }

    /**
     * A qemu-img in front of the real one: records each {@code commit} and, before the second disk's, waits until
     * the first's has ended and lists the overlays left.
     */
    private Path fakeQemuImg(Path log) throws Exception {
        Path script = tmp.resolve("qemu-img");
        Files.writeString(script, """
                #!/bin/bash
                if [ "$1" = commit ]; then
                    echo "$*" >> '%1$s'
                    overlay="${@: -1}"
                    case "$overlay" in
                        *-sdb.qcow2)
                            for i in $(seq 100); do [ -e "${overlay%%-sdb.qcow2}-sda.qcow2" ] || break; sleep 0.05; done
                            echo "before sdb: $(cd "$(dirname "$overlay")" && ls)" >> '%1$s' ;;
                    esac
                fi
                exec /usr/bin/qemu-img "$@"
                """.formatted(log));
        script.toFile().setExecutable(true);
        return script;
    }
}
