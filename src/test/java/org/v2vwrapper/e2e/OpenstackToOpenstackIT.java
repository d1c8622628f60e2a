package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.v2vwrapper.output.osp.fake.FakeOpenStack;
import org.v2vwrapper.output.osp.fake.Osp2OspLayout;
import org.v2vwrapper.testing.SshdClient;
import org.v2vwrapper.testing.SshdHarness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.SRC;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.CONV;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.DEST;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.VM;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.SRC_HOST;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.DST_HOST;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.ROOT;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.FLAVOR;

/**
 * OpenStack to OpenStack through the launcher: the fake clouds (one fake, a source project and the
 * destination's conversion and destination projects), the real sshd as the source conversion host, the real
 * nbdkit exporting there, ssh tunnels, the project's NBD copy into the destination volumes.
 */
class OpenstackToOpenstackIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String VM_IMG = "11111111-aaaa-4bbb-8ccc-000000000002";
    static final String DATA1 = "55555555-aaaa-4bbb-8ccc-000000000001";
    static final String DATA2 = "66666666-aaaa-4bbb-8ccc-000000000001";
    static final String SRC_PW = "Src-Pa55word!";
    static final String DST_PW = "Dst-Pa55word!";
    static final long UNIT = 1 << 20; // one fake GiB

    SshdHarness sshd;
    FakeOpenStack fake;
    Osp2OspLayout layout;
    Path dir;
    Path srcById;
    Path dstById;

    @BeforeEach
    void setUp() throws Exception {
        sshd = SshdHarness.start();
        dir = Files.createTempDirectory("v2v-osp2osp-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        fake = FakeOpenStack.start();
        layout = Osp2OspLayout.seed(fake, SRC_PW, DST_PW, SshdHarness.HOST_ADDRESS);
        Path storage = Files.createDirectory(dir.resolve("storage"));
        srcById = Files.createDirectory(dir.resolve("src-by-id"));
        dstById = Files.createDirectory(dir.resolve("dst-by-id"));
        fake.storage(storage, UNIT);
        fake.devDiskById(SRC_HOST, srcById);
        fake.devDiskById(DST_HOST, dstById);

        FakeOpenStack.Server vm = fake.addServer(VM, SRC, "web");
        vm.stopPolls = 0;
        FakeOpenStack.Volume root = fake.addVolume(ROOT, SRC, "web-root", Map.of());
        root.bootable = true;
        root.size = 2;
        root.description = "the root";
        FakeOpenStack.Volume d1 = fake.addVolume(DATA1, SRC, "web-data1", Map.of());
        d1.description = "data one";
        fake.addVolume(DATA2, SRC, "web-data2", Map.of()).size = 3;
        fake.attach(ROOT, VM, "/dev/vda");
        fake.attach(DATA1, VM, "/dev/vdb");
        fake.attach(DATA2, VM, "/dev/vdc");
        Random r = new Random(42);
        for (String v : List.of(ROOT, DATA1, DATA2)) {
            byte[] chunk = new byte[100_000];
            r.nextBytes(chunk);
            fake.writeVolume(v, 0, chunk);
            fake.writeVolume(v, UNIT - 5000, chunk); // data beyond a hole
        }
        FakeOpenStack.Server imageVm = fake.addServer(VM_IMG, SRC, "app");
        imageVm.image = "img-base";
        imageVm.rootDiskGib = 2;
        imageVm.stopPolls = 0;
        imageVm.rootDisk = dir.resolve("app-root");
        byte[] rootBytes = new byte[300_000];
        r.nextBytes(rootBytes);
        Files.write(imageVm.rootDisk, rootBytes);
        fixPermissions(storage);
    }

    /** cloud-user (the sshd side) reads the backing files. */
    static void fixPermissions(Path storage) throws IOException {
        try (var s = Files.list(storage)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
    }

    final List<Watched> runs = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        // A failed test's leftovers must not fail the next one: what its run started, by pid.
        for (Watched w : runs) {
            for (long pid : w.pids) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        if (fake != null) {
            fake.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        if (dir != null) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    ObjectNode request(String vmId, String name) throws IOException {
        return layout.request(vmId, name, "source", sshd.clientKeyText());
    }

    /** A run with its watchers: processes it started and TCP listeners beyond loopback that appeared. */
    final class Watched implements AutoCloseable {
        final WrapperRun run;
        final Set<Long> pids = ConcurrentHashMap.newKeySet();
        final List<String> nonLoopback = new ArrayList<>();
        final Set<String> before;
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread watcher;

        Watched(String name, ObjectNode request) throws Exception {
            this(name, request, "15");
        }

        Watched(String name, ObjectNode request, String ospWait) throws Exception {
            this(name, request, ospWait, "");
        }

        /** {@code filters}: nbdkit filters for the remote exports (V2V_WRAPPER_TEST_NBDKIT_FILTERS), or "". */
        Watched(String name, ObjectNode request, String ospWait, String filters) throws Exception {
            before = Set.copyOf(nonLoopbackListeners());
            run = new WrapperRun(dir.resolve(name))
                    .env("V2V_WRAPPER_TEST_NBDKIT_FILTERS", filters)
                    .env("HOME", sshd.home().toString())
                    .env("V2V_WRAPPER_SOURCE_DEV_DISK_BY_ID", srcById.toString())
                    .env("V2V_WRAPPER_OSP_WAIT", ospWait)
                    .arg("--dev-disk-by-id=" + dstById)
                    .arg("--lock-dir=" + Files.createDirectories(dir.resolve(name + "-locks")));
            run.start(JSON.writeValueAsString(request));
            watcher = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        run.process().descendants().forEach(h -> pids.add(h.pid()));
                        // The remote side: nbdkit as cloud-user (other tests' nbdkit run as root).
                        ProcessHandle.allProcesses().filter(h -> h.info().command().orElse("").endsWith("nbdkit")
                                        && SshdHarness.USER.equals(h.info().user().orElse(""))
                                        && h.info().commandLine().orElse("").contains(dir.toString()))
                                .forEach(h -> pids.add(h.pid()));
                        for (String l : nonLoopbackListeners()) {
                            if (!before.contains(l)) {
                                synchronized (nonLoopback) {
                                    nonLoopback.add(l);
                                }
                            }
                        }
                        Thread.sleep(100);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            watcher.setDaemon(true);
            watcher.start();
            runs.add(this);
        }

        int waitFor() throws Exception {
            return waitFor(5);
        }

        /** {@code lingerSeconds}: how long the run's processes may take to be gone after it ended. */
        int waitFor(int lingerSeconds) throws Exception {
            int rc = run.waitFor(110);
            stop.set(true);
            Path log = run.logDir.resolve("virt-v2v-wrapper.log");
            if (Files.exists(log)) { // kept for a look after the run (the run's directory is removed)
                Files.copy(log, Files.createDirectories(ProjectPaths.root().resolve("target/osp2osp-logs"))
                        .resolve(run.dir.getFileName() + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            watcher.join();
            // A child the run stopped may take a moment to be gone (reaped) on a busy machine.
            long until = System.nanoTime() + lingerSeconds * 1_000_000_000L;
            while (System.nanoTime() < until && pids.stream().anyMatch(p -> ProcessHandle.of(p)
                    .map(ProcessHandle::isAlive).orElse(false))) {
                Thread.sleep(100);
            }
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(h -> assertFalse(h.isAlive(),
                        "process " + pid + " " + h.info().commandLine().orElse("") + " left"));
            }
            assertEquals(List.of(), nonLoopback, "something listened beyond loopback during the run");
            return rc;
        }

        @Override
        public void close() {
            stop.set(true);
        }
    }

    /** LISTEN sockets of /proc/net/tcp{,6} on an address other than loopback, as "addr:port". */
    static List<String> nonLoopbackListeners() throws IOException {
        List<String> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 4 || !f[3].equals("0A")) {
                    continue;
                }
                String addr = f[1].split(":")[0];
                // 127.0.0.0/8 (little-endian hex), ::1, and ::ffff:127.x.x.x
                boolean loop = addr.length() == 8 && addr.endsWith("7F")
                        || addr.equals("00000000000000000000000001000000")
                        || addr.startsWith("0000000000000000FFFF0000") && addr.endsWith("7F");
                if (!loop) {
                    out.add(f[1]);
                }
            }
        }
        return out;
    }

    byte[] bytes(String volumeId) throws IOException {
        return Files.readAllBytes(fake.backing(fake.volume(volumeId).orElseThrow()));
    }

    void assertSourceBack(String vmId, Map<String, String> attached) {
        for (Map.Entry<String, String> e : attached.entrySet()) {
            assertEquals(e.getValue(), fake.volume(e.getKey()).orElseThrow().attachments.get(vmId),
                    e.getKey() + " is not back on the VM");
            assertEquals(1, fake.volume(e.getKey()).orElseThrow().attachments.size(), e.getKey());
        }
        assertEquals("SHUTOFF", fake.server(vmId).orElseThrow().status);
        for (FakeOpenStack.Volume v : fake.volumes(SRC)) {
            assertFalse(v.name.startsWith("rhosp-migration-"), "left behind: volume " + v.name);
            assertFalse(v.attachments.containsKey(SRC_HOST), v.id + " still on the source conversion host");
        }
        assertEquals(List.of(), fake.snapshots(SRC).stream().map(s -> s.id).toList(), "snapshots left");
        assertTrue(fake.images(SRC).stream().noneMatch(i -> i.name.startsWith("rhosp-migration-")), "images left");
        try (var s = Files.list(srcById)) {
            assertEquals(List.of(), s.toList());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    void assertNothingOnDestination() {
        assertEquals(List.of(), fake.volumes(CONV).stream().map(v -> v.id).toList(), "volumes left in the conversion project");
        assertEquals(List.of(), fake.volumes(DEST).stream().map(v -> v.id).toList(), "volumes left in the destination");
        assertEquals(List.of(), fake.servers(DEST).stream().map(s -> s.id).toList(), "instance left");
        assertEquals(List.of(), fake.transfers().stream().map(t -> t.id).toList(), "transfers left");
    }

    @Test
    void bootFromVolumeWithTwoDataVolumes() throws Exception {
        byte[] root = bytes(ROOT);
        byte[] d1 = bytes(DATA1);
        byte[] d2 = bytes(DATA2);
        Watched w = new Watched("bfv", request(VM, "web-migrated"));
        assertEquals(0, w.waitFor(), w.run.stderr());
        JsonNode state = w.run.state();
        assertTrue(state.path("finished").asBoolean());
        assertFalse(state.path("failed").asBoolean(), state.toString());
        assertEquals(3, state.path("disk_count").asInt());
        List<String> paths = new ArrayList<>();
        state.path("disks").forEach(d -> {
            paths.add(d.path("path").asText());
            assertEquals(100.0, d.path("progress").asDouble(), 0.001, d.toString());
        });
        assertEquals(List.of("/dev/vda", "/dev/vdb", "/dev/vdc"), paths);
        String vmId = state.path("vm_id").asText();
        FakeOpenStack.Server created = fake.server(vmId).orElseThrow();
        assertEquals(DEST, created.project);
        assertEquals("web-migrated", created.name);
        assertEquals(FLAVOR, created.flavorId);
        List<String> bdm = created.blockDevices.stream().map(b -> String.valueOf(b.get("uuid"))).toList();
        assertEquals(3, bdm.size(), created.blockDevices.toString());
        assertEquals("0", String.valueOf(created.blockDevices.get(0).get("boot_index")));
        List<FakeOpenStack.Volume> copies = bdm.stream().map(id -> fake.volume(id).orElseThrow()).toList();
        assertEquals(List.of("web-root", "web-data1", "web-data2"), copies.stream().map(v -> v.name).toList());
        assertEquals(List.of(2, 1, 3), copies.stream().map(v -> v.size).toList());
        assertTrue(copies.get(0).bootable);
        assertEquals("data one", copies.get(1).description);
        assertArrayEquals(root, bytes(copies.get(0).id), "root differs");
        assertArrayEquals(d1, bytes(copies.get(1).id), "data1 differs");
        assertArrayEquals(d2, bytes(copies.get(2).id), "data2 differs");
        for (FakeOpenStack.Volume v : copies) {
            assertEquals(DEST, v.project);
            assertEquals(Set.of(vmId), v.attachments.keySet(), "only the new instance uses " + v.id);
        }
        assertSourceBack(VM, Map.of(ROOT, "/dev/vda", DATA1, "/dev/vdb", DATA2, "/dev/vdc"));
        assertEquals(List.of(), fake.volumes(CONV).stream().map(v -> v.id).toList());
        // The new instance and its volumes are the result: nothing in the ledger for a later run to delete.
        assertEquals(Map.of(), org.v2vwrapper.ledger.RemoteLedger.load(w.run.runDir));
        assertTrue(Files.isDirectory(w.run.logDir.resolve("source_logs")));
        String log = Files.readString(w.run.logDir.resolve("virt-v2v-wrapper.log"));
        assertFalse(log.contains(SRC_PW) || log.contains(DST_PW), "a password in the log");
    }

    @Test
    void imageBootedVm() throws Exception {
        byte[] rootBytes = Files.readAllBytes(fake.server(VM_IMG).orElseThrow().rootDisk);
        Watched w = new Watched("img", request(VM_IMG, "app-migrated"));
        assertEquals(0, w.waitFor(), w.run.stderr());
        JsonNode state = w.run.state();
        assertEquals(1, state.path("disk_count").asInt());
        assertEquals("/dev/vda", state.path("disks").get(0).path("path").asText());
        FakeOpenStack.Server created = fake.server(state.path("vm_id").asText()).orElseThrow();
        assertEquals(1, created.blockDevices.size());
        FakeOpenStack.Volume copy = fake.volume(String.valueOf(created.blockDevices.get(0).get("uuid"))).orElseThrow();
        assertEquals("rhosp-migration-root-app", copy.name);
        assertTrue(copy.bootable);
        byte[] copied = bytes(copy.id);
        assertArrayEquals(rootBytes, java.util.Arrays.copyOf(copied, rootBytes.length));
        assertSourceBack(VM_IMG, Map.of());
    }

    @Test
    void snapshotErrorLeavesNothing() throws Exception {
        fake.failNextSnapshot();
        Watched w = new Watched("snap", request(VM, "web-migrated"));
        assertEquals(1, w.waitFor(), w.run.stderr());
        JsonNode state = w.run.state();
        assertTrue(state.path("failed").asBoolean());
        String msg = state.path("last_message").path("message").asText();
        assertTrue(msg.contains("snapshot") && msg.contains("error"), msg);
        assertSourceBack(VM, Map.of(ROOT, "/dev/vda", DATA1, "/dev/vdb", DATA2, "/dev/vdc"));
        assertNothingOnDestination();
        // The original root volume is never deleted.
        assertTrue(fake.calls("^DELETE /volume/v3/" + SRC + "/volumes/" + ROOT + "$").isEmpty());
        // The snapshot went to error: deleted; nothing else was made.
        assertCalls("snap", List.of("POST /servers/<vm>/action os-stop", "POST /<src>/snapshots <root>",
                "DELETE /<src>/snapshots/<new1>"), List.of(), List.of());
    }

    @Test
    void sourceLoginFails() throws Exception {
        ObjectNode req = request(VM, "web-migrated");
        ((ObjectNode) req.get("osp_source_environment")).put("password", "wrong");
        Watched w = new Watched("login", req);
        assertEquals(1, w.waitFor(), w.run.stderr());
        String msg = w.run.state().path("last_message").path("message").asText();
        assertTrue(msg.startsWith("osp_source_environment: "), msg);
        assertEquals("ACTIVE", fake.server(VM).orElseThrow().status);
        assertTrue(fake.calls("^POST /compute/.*").isEmpty(), fake.calls().toString());
        // The source login failed: nothing changed in any project.
        assertCalls("login", List.of(), List.of(), List.of());
    }

    @Test
    void instanceFaultUndoesTheDestinationAndRestoresTheSource() throws Exception {
        fake.nextServerFault("No valid host was found");
        Watched w = new Watched("fault", request(VM, "web-migrated"));
        assertEquals(2, w.waitFor(), w.run.stderr());
        JsonNode state = w.run.state();
        String msg = state.path("last_message").path("message").asText();
        assertTrue(msg.contains("No valid host was found"), msg);
        assertEquals("Failed", state.path("status").asText());
        assertSourceBack(VM, Map.of(ROOT, "/dev/vda", DATA1, "/dev/vdb", DATA2, "/dev/vdc"));
        assertNothingOnDestination();
        assertNotNull(fake.calls("^DELETE /compute/v2.1/servers/.*"));
        List<String> conversion = new ArrayList<>(CONVERSION_MADE_AND_UNDONE.subList(0, 9));
        conversion.addAll(List.of("POST /<conv>/os-volume-transfer", "POST /<conv>/os-volume-transfer",
                "POST /<conv>/os-volume-transfer"));
        // The volumes went to the destination project: the failed instance and they are deleted there.
        assertCalls("fault", sourceMadeAndUndone("<new5>"), conversion, List.of(
                "POST /<dest>/os-volume-transfer/<new6>/accept",
                "POST /<dest>/os-volume-transfer/<new7>/accept",
                "POST /<dest>/os-volume-transfer/<new8>/accept",
                "POST /servers",
                "DELETE /servers/<new9>",
                "DELETE /<dest>/volumes/<new2>",
                "DELETE /<dest>/volumes/<new3>",
                "DELETE /<dest>/volumes/<new4>"));
    }

    /** The calls that change something in a project, from the first one matching {@code from} on. */
    List<String> changes(String project, String from) {
        List<String> out = new ArrayList<>();
        boolean on = false;
        for (FakeOpenStack.Call c : fake.calls()) {
            if (c.method().equals("GET") || !project.equals(c.project()) || c.path().contains("/auth/")) {
                continue;
            }
            String call = c.method() + " " + c.path().replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                    "<id>");
            on |= call.matches(from);
            if (on) {
                out.add(call);
            }
        }
        return out;
    }

    @Test
    void shutdownTimeout() throws Exception {
        fake.server(VM).orElseThrow().stopPolls = -1;
        Watched w = new Watched("stop", request(VM, "web-migrated"), "3");
        assertEquals(1, w.waitFor(), w.run.stderr());
        String msg = w.run.state().path("last_message").path("message").asText();
        assertTrue(msg.contains("timed out after 3 s waiting for the source VM") && msg.contains("shut off"), msg);
        // Nothing was made: the only change on the source is the stop itself.
        assertEquals(List.of("POST /compute/v2.1/servers/<id>/action"), changes(SRC, "POST .*"));
        assertNothingOnDestination();
    }

    @Test
    void attachTimeoutPutsTheDataVolumesBack() throws Exception {
        fake.stuckAttaching(DATA2);
        Watched w = new Watched("attach", request(VM, "web-migrated"), "4");
        assertEquals(1, w.waitFor(), w.run.stderr());
        String msg = w.run.state().path("last_message").path("message").asText();
        assertTrue(msg.contains("volume " + DATA2 + " to be attached to " + SRC_HOST), msg);
        assertSourceBack(VM, Map.of(ROOT, "/dev/vda", DATA1, "/dev/vdb", DATA2, "/dev/vdc"));
        assertNothingOnDestination();
        assertTrue(fake.calls("^DELETE /volume/v3/" + SRC + "/volumes/" + ROOT + "$").isEmpty());
        assertTrue(fake.calls("^DELETE /volume/v3/" + SRC + "/volumes/" + DATA1 + "$").isEmpty());
        // DATA2 never got attached: it is detached from the host all the same (the fake's attaching state).
        assertCalls("attach", sourceMadeAndUndone("<new2>"), List.of(), List.of());
    }

    @Test
    void destinationVolumeErrorUndoesBothSides() throws Exception {
        fake.failOn("POST", "/volume/v3/" + CONV + "/volumes$", 413, "VolumeLimitExceeded", 1);
        Watched w = new Watched("dstvol", request(VM, "web-migrated"));
        assertEquals(1, w.waitFor(), w.run.stderr());
        String msg = w.run.state().path("last_message").path("message").asText();
        assertTrue(msg.contains("VolumeLimitExceeded"), msg);
        assertSourceBack(VM, Map.of(ROOT, "/dev/vda", DATA1, "/dev/vdb", DATA2, "/dev/vdc"));
        assertNothingOnDestination();
        // The refused create made nothing on the destination: no delete there.
        assertCalls("dstvol", sourceMadeAndUndone("<new2>"), List.of("POST /<conv>/volumes web-root"), List.of());
    }

    /**
     * Export not ready: the third nbdkit cannot start. The Exporting step is before the point of no return (the
     * copy), so exit 1; the exports already started are stopped and every source change is undone.
     */
    @Test
    void exportFailureStopsTheExportsAlreadyStarted() throws Exception {
        // cloud-user cannot read the third volume and has no sudo: its nbdkit does not start.
        Files.setPosixFilePermissions(fake.backing(fake.volume(DATA2).orElseThrow()),
                PosixFilePermissions.fromString("rw-------"));
        Watched w = new Watched("export", request(VM, "web-migrated"));
        assertEquals(1, w.waitFor(), w.run.stderr()); // waitFor: no nbdkit of the run is left
        String msg = w.run.state().path("last_message").path("message").asText();
        assertTrue(msg.startsWith("starting nbdkit on the source conversion host"), msg);
        assertSourceBack(VM, Map.of(ROOT, "/dev/vda", DATA1, "/dev/vdb", DATA2, "/dev/vdc"));
        assertNothingOnDestination();
        assertCalls("export", sourceMadeAndUndone("<new2>"), List.of(), List.of());
    }

    static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-z]{32}");

    /**
     * Every call that changes something in a project, in order, as {@code METHOD path [what]}: the service prefix
     * dropped, the test's ids by name ({@code <vm>}, {@code <src-host>}, {@code <root>}, {@code <src>} …) and the
     * ids the run made as {@code <new1>}, {@code <new2>} … in the order they first appear in any project's calls;
     * {@code what} is the server action, the attached volume, the new volume's name or the snapshot's volume.
     */
    List<String> mutating(String project) {
        Map<String, String> names = new java.util.HashMap<>(Map.of(SRC, "<src>", CONV, "<conv>", DEST, "<dest>",
                VM, "<vm>", VM_IMG, "<vm-img>", SRC_HOST, "<src-host>", DST_HOST, "<dst-host>", ROOT, "<root>",
                DATA1, "<data1>", DATA2, "<data2>"));
        List<String> out = new ArrayList<>();
        for (FakeOpenStack.Call c : fake.calls()) {
            if (c.method().equals("GET") || c.path().contains("/auth/")) {
                continue;
            }
            String what = "";
            try {
                JsonNode b = c.body() == null || c.body().isBlank() ? JSON.nullNode() : JSON.readTree(c.body());
                if (c.path().endsWith("/action")) {
                    what = b.fieldNames().hasNext() ? b.fieldNames().next() : "";
                } else if (c.path().endsWith("/os-volume_attachments")) {
                    what = b.path("volumeAttachment").path("volumeId").asText();
                } else if (c.path().endsWith("/volumes")) {
                    what = b.path("volume").path("name").asText();
                } else if (c.path().endsWith("/snapshots")) {
                    what = b.path("snapshot").path("volume_id").asText();
                }
            } catch (IOException e) {
                what = "?";
            }
            String call = name(names, c.method() + " " + c.path().replaceFirst("^/(volume/v3|compute/v2\\.1|image/v2)", "")
                    + (what.isEmpty() ? "" : " " + what));
            if (project.equals(c.project())) {
                out.add(call);
            }
        }
        return out;
    }

    private static String name(Map<String, String> names, String text) {
        java.util.regex.Matcher m = ID.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String n = names.computeIfAbsent(m.group(), k -> "<new" + (names.size() - 9) + ">");
            m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(n));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /**
     * Asserts the exact changing calls of the run on the source project and on the destination's conversion and
     * destination projects (kept beside the run's log for a look after a failure).
     */
    void assertCalls(String name, List<String> source, List<String> conversion, List<String> destination)
            throws IOException {
        Files.writeString(Files.createDirectories(ProjectPaths.root().resolve("target/osp2osp-logs"))
                        .resolve(name + ".calls"),
                "source " + mutating(SRC) + "\nconversion " + mutating(CONV) + "\ndestination " + mutating(DEST) + "\n"
                        + "last_message " + (Files.exists(runs.get(runs.size() - 1).run.stateFile())
                        ? runs.get(runs.size() - 1).run.state().path("last_message") : "-") + "\n");
        assertEquals(source, mutating(SRC), "source project calls");
        assertEquals(conversion, mutating(CONV), "conversion project calls");
        assertEquals(destination, mutating(DEST), "destination project calls");
    }

    /** The source side of a run that got its three volumes exported: made, then all undone, newest first. */
    static List<String> sourceMadeAndUndone(String snapshot) {
        return List.of("POST /servers/<vm>/action os-stop",
                "POST /<src>/snapshots <root>",
                "POST /<src>/volumes rhosp-migration-<root>",
                "DELETE /servers/<vm>/os-volume_attachments/<data1>",
                "DELETE /servers/<vm>/os-volume_attachments/<data2>",
                "POST /servers/<src-host>/os-volume_attachments <new1>",
                "POST /servers/<src-host>/os-volume_attachments <data1>",
                "POST /servers/<src-host>/os-volume_attachments <data2>",
                // cleanup: off the source conversion host, the root copy and its snapshot deleted, data back
                "DELETE /servers/<src-host>/os-volume_attachments/<new1>",
                "DELETE /servers/<src-host>/os-volume_attachments/<data1>",
                "DELETE /servers/<src-host>/os-volume_attachments/<data2>",
                "DELETE /<src>/volumes/<new1>",
                "DELETE /<src>/snapshots/" + snapshot,
                "POST /servers/<vm>/os-volume_attachments <data1>",
                "POST /servers/<vm>/os-volume_attachments <data2>");
    }

    /** The conversion project's side of a run stopped between the attach and the transfer. */
    static final List<String> CONVERSION_MADE_AND_UNDONE = List.of(
            "POST /<conv>/volumes web-root",
            "POST /<conv>/volumes web-data1",
            "POST /<conv>/volumes web-data2",
            "POST /servers/<dst-host>/os-volume_attachments <new2>",
            "POST /servers/<dst-host>/os-volume_attachments <new3>",
            "POST /servers/<dst-host>/os-volume_attachments <new4>",
            // cleanup: off the destination conversion host, deleted
            "DELETE /servers/<dst-host>/os-volume_attachments/<new2>",
            "DELETE /servers/<dst-host>/os-volume_attachments/<new3>",
            "DELETE /servers/<dst-host>/os-volume_attachments/<new4>",
            "DELETE /<conv>/volumes/<new2>",
            "DELETE /<conv>/volumes/<new3>",
            "DELETE /<conv>/volumes/<new4>");

    @Test
    void sigtermMidCopy() throws Exception {
        // Every read of the exports takes 3 s: the copy of the first disk is surely running when the TERM comes.
        Watched w = new Watched("sigterm", request(VM, "web-migrated"), "15", "--filter=delay delay-read=3");
        JsonNode copying = w.run.awaitState(s -> s.path("status").asText().startsWith("Copying disk"), 90);
        assertNotNull(copying, "the copy never started");
        Thread.sleep(500);
        w.run.process().destroy(); // SIGTERM
        assertEquals(2, w.waitFor(), w.run.stderr());
        JsonNode state = w.run.state();
        assertTrue(state.path("finished").asBoolean(), state.toString());
        assertTrue(state.path("failed").asBoolean(), state.toString());
        String msg = state.path("last_message").path("message").asText();
        // The stop wins over the read error the closed tunnels cause (which the log keeps).
        assertEquals("conversion stopped: the wrapper received SIGTERM/SIGINT during the step \"Copying disks\"", msg);
        assertSourceBack(VM, Map.of(ROOT, "/dev/vda", DATA1, "/dev/vdb", DATA2, "/dev/vdc"));
        assertNothingOnDestination();
        assertCalls("sigterm", sourceMadeAndUndone("<new5>"), CONVERSION_MADE_AND_UNDONE, List.of());
    }


    @Test
    void sigkillMidCopyLeavesNoExportAndTheNextRunRemovesWhatItMadeOnTheDestination() throws Exception {
        long since = System.currentTimeMillis() - 1000;
        Watched w = new Watched("kill", request(VM, "web-migrated"), "15", "--filter=delay delay-read=3");
        assertNotNull(w.run.awaitState(s -> s.path("status").asText().startsWith("Copying disk"), 90),
                "the copy never started");
        Thread.sleep(500);
        assertEquals(1, SshdClient.remoteWorkDirectories(since).size(), "the export's work directory on the source host");
        assertEquals(3, fake.volumes(CONV).size(), "the killed run's volumes in the conversion project");
        w.run.process().destroyForcibly(); // SIGKILL: the wrapper runs no cleanup of its own
        // Every process it started, the nbdkit exports on the source conversion host included, is gone; the
        // ssh-agent within the 10 s in which it checks that its parent (`cat`, which saw EOF) is still there.
        assertEquals(137, w.waitFor(15), w.run.stderr());
        for (int i = 0; i < 100 && !SshdClient.remoteWorkDirectories(since).isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), SshdClient.remoteWorkDirectories(since), "the source host's work directory outlived the run");
        assertEquals(3, fake.volumes(CONV).size(), "nothing removed the conversion volumes yet");

        // The next run on the same run directory (another VM) replays the ledger: the killed run's volumes go.
        Watched next = new Watched("kill", request(VM_IMG, "app-migrated"));
        assertEquals(0, next.waitFor(), next.run.stderr());
        String vmId = next.run.state().path("vm_id").asText();
        assertEquals(List.of(), fake.volumes(CONV).stream().map(v -> v.id).toList(), "volumes left in the conversion project");
        assertEquals(List.of(vmId), fake.servers(DEST).stream().map(x -> x.id).toList());
        for (FakeOpenStack.Volume v : fake.volumes(DEST)) {
            assertTrue(v.attachments.containsKey(vmId), "destination volume " + v.id + " (" + v.name + ") is not the new VM's");
        }
        assertEquals(List.of(), fake.transfers().stream().map(t -> t.id).toList(), "transfers left");
        assertEquals(List.of(), SshdClient.remoteWorkDirectories(since));
    }

    @Test
    void copyReadError() throws Exception {
        Watched w = new Watched("readerr", request(VM, "web-migrated"), "15",
                "--filter=error error-pread=EIO error-pread-rate=1");
        assertEquals(2, w.waitFor(), w.run.stderr());
        JsonNode state = w.run.state();
        assertTrue(state.path("failed").asBoolean(), state.toString());
        String msg = state.path("last_message").path("message").asText();
        assertTrue(msg.startsWith("copying disk 1/3 (/dev/vda): ") && msg.contains("EIO"), msg);
        assertSourceBack(VM, Map.of(ROOT, "/dev/vda", DATA1, "/dev/vdb", DATA2, "/dev/vdc"));
        assertNothingOnDestination();
        assertCalls("readerr", sourceMadeAndUndone("<new5>"), CONVERSION_MADE_AND_UNDONE, List.of());
    }
}
