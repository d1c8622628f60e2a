package org.v2vwrapper.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.output.RhvTarget;
import org.v2vwrapper.output.rhv.OvirtEndpoint;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;
import org.v2vwrapper.request.RequestParser;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cleanup --run-dir DIR --input request.json}: the admin's replay of a dead run's ledger. */
class CleanupLedgerCliTest {
    static final String DISK = "77777777-7777-4777-8777-777777777777";
    static final String OTHER = "88888888-8888-4888-8888-888888888888";

    @TempDir
    Path tmp;
    FakeOvirtEngine engine;
    TestCa ca;

    @BeforeEach
    void start() throws Exception {
        ca = TestCa.shared();
        engine = FakeOvirtEngine.start(ca);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void withTheRequestItDeletesExactlyWhatTheLedgerLists() throws Exception {
        Path runDir = Files.createDirectories(tmp.resolve("run"));
        String json = "{\"vm_name\":\"My_Machine\",\"transport_method\":\"ssh\","
                + "\"vmware_uri\":\"ssh://root@10.2.0.20/vmfs/volumes/ds1/My_Machine/My_Machine.vmx\","
                + "\"rhv_url\":\"" + engine.url() + "\",\"rhv_password\":\"" + engine.password() + "\","
                + "\"rhv_cluster\":\"Default\",\"rhv_storage\":\"data\"}";
        Path request = tmp.resolve("request.json");
        Files.writeString(request, json);
        var parsed = RequestParser.parse(json.getBytes(StandardCharsets.UTF_8)).request();
        engine.addDisk(DISK, "ok");
        engine.addDisk(OTHER, "ok");
        RemoteLedger.forRun(runDir).record(Kinds.OVIRT_DISK,
                RhvTarget.ledgerWhere(OvirtEndpoint.of(parsed.rhv().orElseThrow(), false, ca.caPem())), DISK, Map.of());

        InProcess.Result without = InProcess.run(new byte[0], "cleanup", "--run-dir=" + runDir);
        assertEquals(1, without.exitCode(), without.toString());
        assertTrue(without.stdout().contains("give --input request.json"), without.stdout());
        assertTrue(engine.hasDisk(DISK));

        InProcess.Result r = InProcess.run(new byte[0], "cleanup", "--run-dir=" + runDir, "--input=" + request,
                "--ca-bundle=" + ca.caPem());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stdout().contains("removed remotely: ovirt-disk " + DISK), r.stdout());
        assertFalse(r.stdout().contains(engine.password()) || r.stderr().contains(engine.password()));
        assertFalse(engine.hasDisk(DISK));
        assertTrue(engine.hasDisk(OTHER));
        assertFalse(Files.exists(runDir.resolve(RemoteLedger.FILE_NAME)));
    }
}
