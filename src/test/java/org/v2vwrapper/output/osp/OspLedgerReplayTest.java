package org.v2vwrapper.output.osp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.output.LedgerReplay;
import org.v2vwrapper.output.osp.fake.FakeOpenStack;
import org.v2vwrapper.output.rhv.OvirtConnectionFactory;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.request.ConversionRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run killed half-way through the OpenStack work: the next request's replay deletes exactly what the ledger lists. */
class OspLedgerReplayTest {
    static final String GUEST = "9e4c1d2a-4b7e-4f11-9a3c-1b2c3d4e5f60";
    static final String V1 = "aaaaaaaa-0000-4000-8000-000000000001";
    static final String V2 = "aaaaaaaa-0000-4000-8000-000000000002";
    static final String V3 = "aaaaaaaa-0000-4000-8000-000000000003";
    static final String FOREIGN = "bbbbbbbb-0000-4000-8000-000000000004";
    static final String PORT = "cccccccc-0000-4000-8000-000000000005";
    static final String FOREIGN_PORT = "cccccccc-0000-4000-8000-000000000006";
    static final String SERVER = "dddddddd-0000-4000-8000-000000000007";

    @TempDir
    Path tmp;
    FakeOpenStack cloud;

    @BeforeEach
    void start() throws Exception {
        cloud = OspTestSupport.seededCloud();
    }

    @AfterEach
    void stop() {
        cloud.close();
    }

    @Test
    void replayDeletesTheListedAndTaggedObjectsOnly() throws Exception {
        ConversionRequest request = OspTestSupport.parse(OspTestSupport.requestJson(cloud, "vm1"));
        PlanContext ctx = OspTestSupport.context(request, tmp);
        Path runDir = ctx.settings().runDir();
        Files.createDirectories(runDir);
        cloud.addVolume(V1, OspTestSupport.CONVERSION_PROJECT, "vm1-sda", OspTestSupport.v2vMetadata(GUEST, 1));
        cloud.attach(V1, OspTestSupport.HOST, "/dev/vdb");
        cloud.addVolume(V2, OspTestSupport.DEST_PROJECT, "vm1-sdb", OspTestSupport.v2vMetadata(GUEST, 2));
        // virt-v2v made V3 but the run died before the log line reached the ledger: found by the guest-id tag.
        cloud.addVolume(V3, OspTestSupport.CONVERSION_PROJECT, "vm1-sdc", OspTestSupport.v2vMetadata(GUEST, 3));
        cloud.addVolume(FOREIGN, OspTestSupport.CONVERSION_PROJECT, "other",
                OspTestSupport.v2vMetadata("another-guest", 1));
        cloud.addPort(PORT, OspTestSupport.DEST_PROJECT, OspTestSupport.NET, OspTestSupport.MAC);
        cloud.addPort(FOREIGN_PORT, OspTestSupport.DEST_PROJECT, OspTestSupport.NET, "00:50:56:00:00:01");
        cloud.addServer(SERVER, OspTestSupport.DEST_PROJECT, "vm1");

        // The dead run's ledger, as OspConversion writes it.
        RemoteLedger dead = RemoteLedger.forRun(runDir);
        String where = OspConversion.ledgerWhere(request.osp().orElseThrow(), false);
        dead.intend(Kinds.OSP_TAGGED_VOLUMES, where, Map.of("guest_id", GUEST, "conversion_host", OspTestSupport.HOST));
        OspLedger ledger = new OspLedger().persistTo(dead, where);
        ledger.knownVolume(V1);
        // Listed but already deleted (by a cleanup killed before it could mark it done): simply off the list.
        ledger.knownVolume("aaaaaaaa-0000-4000-8000-0000000000ff");
        ledger.volume(V2, new OspLedger.InDestinationProject());
        ledger.portCreated(PORT);
        ledger.serverCreated(SERVER);
        String text = Files.readString(runDir.resolve(RemoteLedger.FILE_NAME));
        assertFalse(text.contains(OspTestSupport.PASSWORD), "no secret in the ledger");

        LedgerReplay.Outcome outcome = new LedgerReplay(new OvirtConnectionFactory(), OspTestSupport.fastTimeouts())
                .replay(RemoteLedger.forRun(runDir), request, ctx.settings());

        assertTrue(gone(V1), "listed volume, attached to the conversion host: detached and deleted");
        assertTrue(gone(V2), "listed volume in the destination project deleted");
        assertTrue(gone(V3), "volume tagged with the dead run's guest id deleted");
        assertFalse(gone(FOREIGN), "someone else's volume untouched");
        assertTrue(cloud.server(SERVER).isEmpty() || "DELETED".equalsIgnoreCase(cloud.server(SERVER).get().status));
        assertTrue(cloud.ports(OspTestSupport.DEST_PROJECT).stream().noneMatch(p -> p.id.equals(PORT)));
        assertTrue(cloud.ports(OspTestSupport.DEST_PROJECT).stream().anyMatch(p -> p.id.equals(FOREIGN_PORT)));
        assertTrue(outcome.complete(), outcome.toString());
        assertFalse(Files.exists(runDir.resolve(RemoteLedger.FILE_NAME)), "nothing left listed: no ledger file");
    }

    private boolean gone(String volumeId) {
        return cloud.volume(volumeId).isEmpty() || "deleting".equals(cloud.volume(volumeId).get().status);
    }
}
