package org.v2vwrapper.output.rhv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.ovirt.engine.sdk4.builders.Builders;
import org.ovirt.engine.sdk4.types.BiosType;
import org.ovirt.engine.sdk4.types.Disk;
import org.ovirt.engine.sdk4.types.DiskFormat;
import org.ovirt.engine.sdk4.types.DiskStatus;
import org.ovirt.engine.sdk4.types.Vm;
import org.ovirt.engine.sdk4.types.VnicProfile;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;
import org.v2vwrapper.request.Secret;

import java.math.BigInteger;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two-phase part of the fake, through the SDK's own writers and readers. */
class FakeOvirtEngineTwoPhaseTest {
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
    void diskCreationAsThePreCopyAsksForIt() throws Exception {
        String sd = engine.addStorageDomain("data", "nfs");
        engine.setCreatedLockedGets(2);
        Disk made = session.call("create disk", () -> session.system().disksService().add().disk(Builders.disk()
                .name("web01_Disk1").format(DiskFormat.RAW).sparse(true).provisionedSize(BigInteger.valueOf(1L << 30))
                .storageDomains(Builders.storageDomain().id(sd))).send().disk());
        assertEquals("web01_Disk1", made.alias());
        assertEquals(DiskStatus.LOCKED, made.status());
        assertEquals(DiskStatus.LOCKED, session.disk(made.id()).orElseThrow().status());
        Disk ok = session.disk(made.id()).orElseThrow();
        assertEquals(DiskStatus.OK, ok.status());
        assertEquals(BigInteger.valueOf(1L << 30), ok.provisionedSize());
        assertEquals(DiskFormat.RAW, ok.format());
        assertTrue(ok.sparse());
        assertFalse(ok.shareable());
        assertEquals(sd, ok.storageDomains().get(0).id());
        assertEquals(sd, engine.disk(made.id()).storageDomainId());

        OvirtCallException e = assertThrows(OvirtCallException.class, () -> session.call("create disk", () ->
                session.system().disksService().add().disk(Builders.disk().name("x").format(DiskFormat.RAW)
                        .provisionedSize(1).storageDomains(Builders.storageDomain().id("nope"))).send().disk()));
        assertEquals(404, e.httpStatus());
    }

    @Test
    void attachAndDetachAsTheSdkSendsThem() throws Exception {
        String vm = engine.addVm("conversion-host");
        String disk = engine.addDisk("33333333-3333-4333-8333-333333333333", "ok");
        session.call("attach", () -> session.system().vmsService().vmService(vm).diskAttachmentsService().add()
                .attachment(Builders.diskAttachment().disk(Builders.disk().id(disk))
                        .interface_(org.ovirt.engine.sdk4.types.DiskInterface.VIRTIO).bootable(false).active(true))
                .send().attachment());
        FakeOvirtEngine.DiskAttachment a = engine.attachments(vm).get(0);
        assertEquals("virtio", a.iface());
        assertTrue(a.active());
        var listed = session.call("list", () -> session.system().vmsService().vmService(vm).diskAttachmentsService()
                .list().send().attachments());
        assertEquals(disk, listed.get(0).disk().id());
        assertEquals(org.ovirt.engine.sdk4.types.DiskInterface.VIRTIO, listed.get(0).interface_());
        assertTrue(listed.get(0).active());

        engine.setDetachAfterGets(1);
        session.call("detach", () -> {
            session.system().vmsService().vmService(vm).diskAttachmentsService().attachmentService(disk).remove().send();
            return null;
        });
        assertEquals(1, session.call("list", () -> session.system().vmsService().vmService(vm)
                .diskAttachmentsService().list().send().attachments()).size(), "still detaching");
        assertEquals(0, session.call("list", () -> session.system().vmsService().vmService(vm)
                .diskAttachmentsService().list().send().attachments()).size());
    }

    @Test
    void vnicProfilesAndCreatedVmShape() throws Exception {
        String profile = engine.addVnicProfile("ovirtmgmt", "net-1");
        List<VnicProfile> profiles = session.call("list", () -> session.system().vnicProfilesService().list().send().profiles());
        assertEquals(profile, profiles.get(0).id());
        assertEquals("ovirtmgmt", profiles.get(0).name());
        assertEquals("net-1", profiles.get(0).network().id());

        String cluster = engine.addCluster("Default");
        Vm made = session.call("add vm", () -> session.system().vmsService().add().vm(Builders.vm().name("new")
                .cluster(Builders.cluster().id(cluster)).template(Builders.template().name("Blank"))
                .memory(2L << 30).cpu(Builders.cpu().topology(Builders.cpuTopology().sockets(1).cores(2).threads(1)))
                .os(Builders.operatingSystem().type("rhel_9x64")).bios(Builders.bios().type(BiosType.Q35_OVMF)))
                .send().vm());
        Vm read = session.vm(made.id()).orElseThrow();
        assertEquals(BigInteger.valueOf(2L << 30), read.memory());
        assertEquals(BigInteger.TWO, read.cpu().topology().cores());
        assertEquals("rhel_9x64", read.os().type());
        assertEquals(BiosType.Q35_OVMF, read.bios().type());
        assertEquals(cluster, read.cluster().id());

        OvirtCallException e = assertThrows(OvirtCallException.class, () -> session.call("add vm", () ->
                session.system().vmsService().add().vm(Builders.vm().name("new")
                        .cluster(Builders.cluster().id(cluster)).template(Builders.template().name("Blank"))).send().vm()));
        assertEquals(409, e.httpStatus(), "names are unique");
    }
}
