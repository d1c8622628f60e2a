package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** oVirt output through the launcher: the fake engine over TLS with a test CA, the fake virt-v2v. */
class RhvLauncherIT {
    static final String VM_ID = "cccccccc-0000-0000-0000-000000000001";
    static final String DISK_1 = "aaaaaaaa-0000-0000-0000-000000000001";
    static final String DISK_2 = "aaaaaaaa-0000-0000-0000-000000000002";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;
    FakeOvirtEngine engine;

    @BeforeEach
    void engine() throws Exception {
        engine = FakeOvirtEngine.start(TestCa.shared());
        engine.addCluster("Default");
        engine.setUnlockAfterGets(0);
    }

    @AfterEach
    void close() {
        engine.close();
    }

    String request(String storage, String extra) {
        return """
                {"vm_name": "win7", "transport_method": "vddk",
                 "vmware_uri": "esx://root@esxi.example.com?no_verify=1", "vmware_password": "vmware-S3cret",
                 "vmware_fingerprint": "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C",
                 "rhv_url": "%s", "rhv_password": "%s", "rhv_cluster": "Default", "rhv_storage": "%s" %s}
                """.formatted(engine.url(), engine.password(), storage, extra);
    }

    /** What virt-v2v 2.x -o rhv-upload prints that the wrapper uses: disk ids, the OVF VM id. */
    Scenario upload(boolean createVm, int exitCode, String... diskIds) {
        Scenario s = new Scenario().out("[   0.0] Setting up the source: -i libvirt -ic esx://root@esxi.example.com win7");
        for (int i = 0; i < diskIds.length; i++) {
            s.out("[  10.%d] Copying disk %d/%d".formatted(i, i + 1, diskIds.length))
                    .err("disk.id = '" + diskIds[i] + "'")
                    .errCr(Scenario.progressBar(50)).sleep(0.1).err(Scenario.progressBar(100));
        }
        if (exitCode != 0) {
            return s.exit(exitCode);
        }
        s.out("[  20.0] Creating output metadata").err("<VirtualSystem ovf:id='" + VM_ID + "'>");
        if (createVm) {
            s.add("http-post " + engine.url().replace(FakeOvirtEngine.API, "") + FakeOvirtEngine.CONTROL
                    + "vms?id=" + VM_ID + "&name=win7");
        }
        return s.out("[  21.0] Finishing off").exit(0);
    }

    WrapperRun run() throws Exception {
        return new WrapperRun(tmp).arg("--ca-bundle=" + TestCa.shared().caPem());
    }

    static List<String> argv(WrapperRun run) throws Exception {
        List<String> out = new ArrayList<>();
        run.recorded().get("argv").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void successOnAnIscsiDomainUsesPreallocatedAndChecksTheNewVm() throws Exception {
        engine.addStorageDomain("data", "iscsi");
        WrapperRun run = run().scenario(upload(true, 0, DISK_1));
        run.start(request("data", ""));
        assertEquals(0, run.waitFor(120), run.stderr());
        List<String> argv = argv(run);
        assertEquals("preallocated", argv.get(argv.indexOf("-oa") + 1));
        assertEquals("rhv-verifypeer=true", argv.get(argv.lastIndexOf("-oo") + 1));
        JsonNode s = run.state();
        assertEquals(VM_ID, s.get("vm_id").asText());
        assertFalse(s.get("failed").asBoolean());
        assertTrue(engine.calls().stream().anyMatch(c -> c.is("GET", FakeOvirtEngine.API + "/vms/" + VM_ID)),
                "the new VM was not looked up: " + engine.calls());
        assertFalse(engine.issuedTokens().isEmpty());
        assertTrue(engine.liveTokens().isEmpty(), "token not revoked");
        assertFalse(run.stdout().contains(engine.password()) || run.stderr().contains(engine.password()));
    }

    @Test
    void anNfsDomainUsesSparse() throws Exception {
        engine.addStorageDomain("data", "nfs");
        WrapperRun run = run().scenario(upload(true, 0, DISK_1));
        run.start(request("data", ""));
        assertEquals(0, run.waitFor(120), run.stderr());
        List<String> argv = argv(run);
        assertEquals("sparse", argv.get(argv.indexOf("-oa") + 1));

    }

    @Test
    void anExplicitAllocationWinsOverTheDomainType() throws Exception {
        engine.addStorageDomain("data", "nfs");
        WrapperRun run = run().scenario(upload(true, 0, DISK_1));
        run.start(request("data", ", \"allocation\": \"preallocated\""));
        assertEquals(0, run.waitFor(120), run.stderr());
        List<String> argv = argv(run);
        assertEquals("preallocated", argv.get(argv.indexOf("-oa") + 1));
    }

    @Test
    void aVmWithTheSameNameStopsTheRunBeforeVirtV2vStarts() throws Exception {
        engine.addStorageDomain("data", "nfs");
        engine.addVm("win7");
        WrapperRun run = run().scenario(upload(true, 0, DISK_1));
        run.start(request("data", ""));
        assertEquals(1, run.waitFor(60));
        assertFalse(Files.exists(run.record), "virt-v2v was started");
        JsonNode s = run.state();
        assertTrue(s.get("finished").asBoolean());
        assertTrue(s.get("failed").asBoolean());
        assertTrue(s.get("last_message").get("message").asText().contains("win7"), s.toString());
        assertEquals(1, run.stderr().lines().count(), run.stderr());
    }

    @Test
    void aWrongPasswordIsAClearErrorWithoutThePassword() throws Exception {
        engine.addStorageDomain("data", "nfs");
        WrapperRun run = run().scenario(upload(true, 0, DISK_1));
        run.start(request("data", "").replace("\"rhv_password\": \"" + engine.password() + "\"",
                "\"rhv_password\": \"Wr0ng-engine-pass\""));
        assertEquals(1, run.waitFor(60));
        assertFalse(Files.exists(run.record), "virt-v2v was started");
        String err = run.stderr();
        assertTrue(err.contains(engine.url().replace(FakeOvirtEngine.API, "")), err);
        assertFalse(err.contains("Wr0ng-engine-pass"));
        for (Path f : run.filesUnder(tmp.resolve("log"))) {
            assertFalse(Files.readString(f).contains("Wr0ng-engine-pass"), "password in " + f);
        }
    }

    @Test
    void anUnknownCaIsRefusedUnlessTheConnectionIsInsecure() throws Exception {
        engine.addStorageDomain("data", "nfs");
        TestCa other = TestCa.create(tmp.resolve("other-ca"), "some other CA", "dns:localhost,ip:127.0.0.1");
        WrapperRun run = new WrapperRun(Files.createDirectories(tmp.resolve("a")))
                .arg("--ca-bundle=" + other.caPem()).scenario(upload(true, 0, DISK_1));
        run.start(request("data", ""));
        assertEquals(1, run.waitFor(60));
        assertFalse(Files.exists(run.record), "virt-v2v was started");

        WrapperRun insecure = new WrapperRun(Files.createDirectories(tmp.resolve("b")))
                .arg("--ca-bundle=" + other.caPem()).scenario(upload(true, 0, DISK_1));
        insecure.start(request("data", ", \"insecure_connection\": true"));
        assertEquals(0, insecure.waitFor(120), insecure.stderr());
        List<String> argv = argv(insecure);
        assertEquals("rhv-verifypeer=false", argv.get(argv.lastIndexOf("-oo") + 1));
    }

    @Test
    void afterAFailureTheTransfersAreCancelledAndTheDisksDeleted() throws Exception {
        engine.addStorageDomain("data", "nfs");
        engine.addDisk(DISK_1, "ok");
        engine.addDisk(DISK_2, "ok");
        String t1 = engine.addImageTransfer(DISK_1, "transferring");
        String t2 = engine.addImageTransfer(DISK_2, "transferring");
        WrapperRun run = run().scenario(upload(true, 1, DISK_1, DISK_2));
        run.start(request("data", ""));
        assertEquals(2, run.waitFor(180), run.stderr());
        assertEquals("cancelled_user", engine.imageTransfer(t1).phase());
        assertEquals("cancelled_user", engine.imageTransfer(t2).phase());
        assertFalse(engine.hasDisk(DISK_1), "disk 1 not deleted");
        assertFalse(engine.hasDisk(DISK_2), "disk 2 not deleted");
        JsonNode s = run.state();
        assertEquals("virt-v2v failed with exit code 1", s.get("last_message").get("message").asText());
        assertTrue(s.get("finished").asBoolean());
    }

    @Test
    void aVmIdTheEngineDoesNotKnowFailsTheRun() throws Exception {
        engine.addStorageDomain("data", "nfs");
        WrapperRun run = run().scenario(upload(false, 0, DISK_1));
        run.start(request("data", ""));
        assertEquals(2, run.waitFor(120));
        JsonNode s = run.state();
        assertTrue(s.get("failed").asBoolean());
        assertTrue(s.get("last_message").get("message").asText().contains(VM_ID), s.toString());
    }
}
