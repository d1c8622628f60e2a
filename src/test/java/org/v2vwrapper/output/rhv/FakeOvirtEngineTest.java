package org.v2vwrapper.output.rhv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.ovirt.engine.sdk4.types.DiskStatus;
import org.ovirt.engine.sdk4.types.ImageTransfer;
import org.ovirt.engine.sdk4.types.ImageTransferDirection;
import org.ovirt.engine.sdk4.types.ImageTransferPhase;
import org.ovirt.engine.sdk4.types.StorageDomain;
import org.ovirt.engine.sdk4.types.StorageDomainType;
import org.ovirt.engine.sdk4.types.StorageType;
import org.ovirt.engine.sdk4.types.VmStatus;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;
import org.v2vwrapper.request.Secret;

import java.math.BigInteger;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fake speaks what the SDK's generated XML readers (made from ovirt-engine-api-model) understand: every field
 * the wrapper relies on comes through the real SDK, so a misnamed element in the fake would fail here.
 */
class FakeOvirtEngineTest {
    FakeOvirtEngine engine;
    OvirtSession session;

    @BeforeEach
    void start() throws Exception {
        engine = FakeOvirtEngine.start();
        session = new OvirtConnectionFactory(RhvFixture.FAST).open(new OvirtEndpoint(engine.url(), engine.user(),
                new Secret(engine.password()), false, TestCa.shared().caPem(), false));
    }

    @AfterEach
    void stop() {
        session.close();
        engine.close();
    }

    @Test
    void ssoTokenAndLogoutAsTheSdkCallsThem() {
        List<FakeOvirtEngine.Call> sso = engine.calls();
        assertEquals(1, sso.size());
        assertTrue(sso.get(0).is("POST", FakeOvirtEngine.SSO_TOKEN));
        session.close();
        assertTrue(engine.calls().get(engine.calls().size() - 1).is("POST", FakeOvirtEngine.SSO_LOGOUT));
        assertEquals(engine.issuedTokens(), engine.revokedTokens());
    }

    @Test
    void storageDomainShape() throws Exception {
        String id = engine.addStorageDomain("iscsi-data", "iscsi");
        List<StorageDomain> found = session.storageDomainsNamed("iscsi-data");
        assertEquals(1, found.size());
        StorageDomain sd = found.get(0);
        assertEquals(id, sd.id());
        assertEquals(FakeOvirtEngine.API + "/storagedomains/" + id, sd.href());
        assertEquals(StorageDomainType.DATA, sd.type());
        assertEquals(StorageType.ISCSI, sd.storage().type());
        assertEquals(new BigInteger("38654705664"), sd.available());
        assertTrue(sd.master());
        assertEquals(1, sd.dataCenters().size());
    }

    @Test
    void vmClusterDiskAndTransferShapes() throws Exception {
        String vmId = engine.addVm("vm1");
        assertEquals(VmStatus.DOWN, session.vm(vmId).orElseThrow().status());
        assertEquals("vm1", session.vmsNamed("vm1").get(0).name());
        String clusterId = engine.addCluster("Default");
        assertEquals(clusterId, session.clustersNamed("Default").get(0).id());
        assertEquals("dc0", session.clustersNamed("Default").get(0).dataCenter().id());

        String diskId = engine.addDisk("77777777-7777-4777-8777-777777777777", "ok");
        String transferId = engine.addImageTransfer(diskId, "transferring");
        assertEquals(DiskStatus.LOCKED, session.disk(diskId).orElseThrow().status());
        ImageTransfer t = session.imageTransfers().get(0);
        assertEquals(transferId, t.id());
        assertEquals(ImageTransferPhase.TRANSFERRING, t.phase());
        assertEquals(ImageTransferDirection.UPLOAD, t.direction());
        assertEquals(diskId, t.disk().id());
        assertEquals(engine.imageTransfer(transferId).phase(), t.phase().value());
        assertTrue(t.image().id() != null);

        session.cancelImageTransfer(transferId);
        assertEquals(ImageTransferPhase.CANCELLED_USER, session.imageTransfers().get(0).phase());
        OvirtCallException locked = assertThrows(OvirtCallException.class, () -> session.removeDisk(diskId));
        assertEquals(409, locked.httpStatus());
        assertTrue(locked.getMessage().contains("Related operation is currently in progress"), locked.getMessage());
        assertTrue(session.disk("00000000-0000-4000-8000-000000000000").isEmpty());
    }

    @Test
    void searchIsExactButCaseInsensitiveWhenAsked() {
        java.util.function.BiFunction<String, Boolean, Long> count = (q, cs) -> java.util.stream.Stream
                .of("Alpha", "alpha", "Alphabet", "My VM")
                .filter(n -> FakeOvirtEngine.searchPredicate(q, cs).test(java.util.Map.of("name", n))).count();
        assertEquals(1, count.apply("name=Alpha", true));
        assertEquals(2, count.apply("name=alpha", false));
        assertEquals(2, count.apply("name=Alpha*", true));
        assertEquals(1, count.apply("name=\"My VM\"", true));
    }

    @Test
    void controlEndpointLetsAnotherProcessCreateObjects() throws Exception {
        engine.close();
        engine = FakeOvirtEngine.startHttp();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String base = "http://localhost:" + engine.port() + FakeOvirtEngine.CONTROL;
        java.net.http.HttpResponse<String> vm = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "vms?id=abc-1&name=My_Machine"))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, vm.statusCode());
        assertEquals("abc-1", vm.body());
        assertTrue(engine.hasVm("abc-1"));
        http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "disks?id=d-1&status=ok"))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        java.net.http.HttpResponse<String> t = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "imagetransfers?disk_id=d-1"))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals("transferring", engine.imageTransfer(t.body()).phase());
        assertEquals("locked", engine.disk("d-1").status());
        assertTrue(engine.calls().isEmpty());
    }
}
