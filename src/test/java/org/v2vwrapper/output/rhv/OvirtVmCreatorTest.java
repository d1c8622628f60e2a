package org.v2vwrapper.output.rhv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.convert.DiskBus;
import org.v2vwrapper.convert.Firmware;
import org.v2vwrapper.convert.GuestCaps;
import org.v2vwrapper.convert.GuestDisk;
import org.v2vwrapper.convert.GuestHardware;
import org.v2vwrapper.convert.GuestNic;
import org.v2vwrapper.convert.OsFacts;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;
import org.v2vwrapper.request.NetworkMapping;
import org.v2vwrapper.request.Secret;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against the fake engine, through the real SDK (so the XML both ways is what the SDK reads and writes). */
class OvirtVmCreatorTest {
    static final String DISK1 = "11111111-1111-4111-8111-111111111111";
    static final String DISK2 = "22222222-2222-4222-8222-222222222222";

    static final GuestHardware HW = new GuestHardware("web01", 3L << 30, 4, 2, Firmware.BIOS,
            List.of(new GuestDisk(2000, 1L << 30, "[ds] web01/web01.vmdk", DiskBus.SCSI),
                    new GuestDisk(2001, 1L << 30, "[ds] web01/web01_1.vmdk", DiskBus.SCSI)),
            List.of(new GuestNic("00:50:56:aa:bb:01", "VM Network"), new GuestNic("00:50:56:aa:bb:02", "dmz"),
                    new GuestNic("00:50:56:aa:bb:03", "unmapped")));
    static final OsFacts WIN7 = new OsFacts("windows", "windows", 6, 1, "i386", "Microsoft Windows 7 Phony Edition",
            "", "win7", "");
    static final GuestCaps NO_VIRTIO = new GuestCaps(GuestCaps.BlockBus.IDE, GuestCaps.NetModel.RTL8139,
            GuestCaps.Machine.Q35, false, false, "x86_64");
    static final List<NetworkMapping> MAPPINGS = List.of(
            new NetworkMapping("VM Network", "ovirtmgmt", Optional.empty(), Optional.empty()),
            new NetworkMapping("dmz", "dmz-net", Optional.of("00:50:56:AA:BB:02"), Optional.empty()));

    FakeOvirtEngine engine;
    OvirtSession session;
    OvirtVmCreator creator;
    String conversionVm;
    String clusterId;
    String mgmtProfile;
    String dmzProfile;

    @BeforeEach
    void start() throws Exception {
        engine = FakeOvirtEngine.start();
        session = new OvirtConnectionFactory(RhvFixture.FAST).open(new OvirtEndpoint(engine.url(), engine.user(),
                new Secret(engine.password()), false, TestCa.shared().caPem(), false));
        creator = new OvirtVmCreator(session, Duration.ofSeconds(5), Duration.ofMillis(10));
        clusterId = engine.addCluster("Default");
        conversionVm = engine.addVm("conversion-host");
        engine.addDisk(DISK1, "ok");
        engine.addDisk(DISK2, "ok");
        engine.attachDisk(conversionVm, DISK1);
        engine.attachDisk(conversionVm, DISK2);
        mgmtProfile = engine.addVnicProfile("ovirtmgmt", "net-mgmt");
        dmzProfile = engine.addVnicProfile("dmz-net", "net-dmz");
        engine.addVnicProfile("other", "net-other");
        engine.clearCalls();
    }

    @AfterEach
    void stop() {
        session.close();
        engine.close();
    }

    private OvirtVmCreator.Plan plan(List<String> disks) {
        return new OvirtVmCreator.Plan("web01", "Default", HW, WIN7, Optional.of(NO_VIRTIO), false, disks, MAPPINGS);
    }

    @Test
    void detachesThenCreatesTheVmWithItsNicsAndDisks() throws Exception {
        engine.setDetachAfterGets(2);
        creator.detach(conversionVm, List.of(DISK1, DISK2));
        assertEquals(List.of(), engine.attachments(conversionVm));

        String vmId = creator.create(plan(List.of(DISK2, DISK1)));

        FakeOvirtEngine.Vm vm = engine.vm(vmId);
        assertEquals("web01", vm.name());
        assertEquals(clusterId, vm.clusterId());
        FakeOvirtEngine.VmSpec spec = engine.vmSpec(vmId);
        assertEquals(new FakeOvirtEngine.VmSpec("Blank", 3L << 30, 2, 2, 1, "Windows7", "q35_sea_bios", "server"), spec);

        List<FakeOvirtEngine.Nic> nics = engine.nics(vmId);
        assertEquals(2, nics.size(), "one per mapped NIC: " + nics);
        assertEquals("nic1", nics.get(0).name());
        assertEquals("00:50:56:aa:bb:01", nics.get(0).mac());
        assertEquals(mgmtProfile, nics.get(0).vnicProfileId());
        assertEquals("rtl8139", nics.get(0).iface());
        assertEquals("00:50:56:aa:bb:02", nics.get(1).mac());
        assertEquals(dmzProfile, nics.get(1).vnicProfileId(), "the MAC mapping");

        List<FakeOvirtEngine.DiskAttachment> disks = engine.attachments(vmId);
        assertEquals(List.of(DISK2, DISK1), disks.stream().map(FakeOvirtEngine.DiskAttachment::diskId).toList());
        assertTrue(disks.get(0).bootable());
        assertFalse(disks.get(1).bootable());
        assertTrue(disks.stream().allMatch(a -> a.active() && a.iface().equals("ide")));

        List<String> order = engine.apiCalls().stream().filter(c -> !c.method().equals("GET"))
                .map(c -> c.method() + " " + c.path().substring(FakeOvirtEngine.API.length())
                        .replace(conversionVm, "CONV").replace(vmId, "NEW")).toList();
        assertEquals(List.of("DELETE /vms/CONV/diskattachments/" + DISK1, "DELETE /vms/CONV/diskattachments/" + DISK2,
                "POST /vms", "POST /vms/NEW/nics", "POST /vms/NEW/nics",
                "POST /vms/NEW/diskattachments", "POST /vms/NEW/diskattachments"), order);
        // The SDK wrote what the fake read; check one body for the element names too.
        String vmBody = engine.posted().stream().filter(p -> p.path().equals("/vms")).findFirst().orElseThrow().body();
        assertTrue(vmBody.matches("(?s).*<template>\\s*<name>Blank</name>\\s*</template>.*"), vmBody);
        assertTrue(vmBody.matches("(?s).*<bios>\\s*<type>q35_sea_bios</type>\\s*</bios>.*"), vmBody);
    }

    @Test
    void uefiAndVirtioAndTheDefaultCaps() throws Exception {
        creator.detach(conversionVm, List.of(DISK1, DISK2));
        OvirtVmCreator.Plan uefi = new OvirtVmCreator.Plan("web01", "Default", HW,
                new OsFacts("windows", "windows", 10, 0, "x86_64", "Windows Server 2019", "Server", "win2k19", "uefi"),
                Optional.empty(), true, List.of(DISK1, DISK2), MAPPINGS);
        String vmId = creator.create(uefi);
        assertEquals("q35_ovmf", engine.vmSpec(vmId).biosType());
        assertEquals("windows_2019x64", engine.vmSpec(vmId).osType());
        assertTrue(engine.attachments(vmId).stream().allMatch(a -> a.iface().equals("virtio")));
        assertTrue(engine.nics(vmId).stream().allMatch(n -> n.iface().equals("virtio")));
    }

    @Test
    void aDiskStillAttachedAfterTheWaitFailsTheDetach() {
        engine.setDetachAfterGets(1_000_000);
        OvirtVmCreator quick = new OvirtVmCreator(session, Duration.ofMillis(200), Duration.ofMillis(20));
        ConversionException e = assertThrows(ConversionException.class, () -> quick.detach(conversionVm, List.of(DISK1)));
        assertTrue(e.getMessage().startsWith("detaching the disks: 1 disk(s) [" + DISK1 + "] were still attached"),
                e.getMessage());
    }

    @Test
    void aDetachTheEngineRefusesFails() {
        engine.failNext("DELETE", "/vms/.*/diskattachments/" + DISK2);
        ConversionException e = assertThrows(ConversionException.class,
                () -> creator.detach(conversionVm, List.of(DISK1, DISK2)));
        assertTrue(e.getMessage().startsWith("detaching the disks: cannot detach disk " + DISK2), e.getMessage());
        assertTrue(e.getMessage().contains("Injected failure"), e.getMessage());
    }

    @Test
    void anAlreadyDetachedDiskIsFine() throws Exception {
        engine.setDetachAfterGets(0);
        creator.detach(conversionVm, List.of(DISK1));
        creator.detach(conversionVm, List.of(DISK1, DISK2));
        assertEquals(List.of(), engine.attachments(conversionVm));
    }

    @Test
    void aFailedVmCreationLeavesNothing() throws Exception {
        creator.detach(conversionVm, List.of(DISK1, DISK2));
        engine.failNext("POST", "/vms");
        ConversionException e = assertThrows(ConversionException.class, () -> creator.create(plan(List.of(DISK1, DISK2))));
        assertTrue(e.getMessage().startsWith("creating the VM: cannot create the VM web01"), e.getMessage());
        assertEquals(List.of("conversion-host"), engine.vms().stream().map(FakeOvirtEngine.Vm::name).toList());
        assertTrue(engine.hasDisk(DISK1) && engine.hasDisk(DISK2));
    }

    @Test
    void aFailureAfterTheVmWasMadeRemovesItButKeepsTheDisks() throws Exception {
        creator.detach(conversionVm, List.of(DISK1, DISK2));
        engine.failNext("POST", "/vms/[^/]+/diskattachments");
        ConversionException e = assertThrows(ConversionException.class, () -> creator.create(plan(List.of(DISK1, DISK2))));
        assertTrue(e.getMessage().startsWith("attaching the disks: cannot attach disk " + DISK1), e.getMessage());
        assertEquals(List.of("conversion-host"), engine.vms().stream().map(FakeOvirtEngine.Vm::name).toList());
        assertTrue(engine.hasDisk(DISK1) && engine.hasDisk(DISK2), "detach_only: the disks stay for the caller");
        assertNotNull(engine.calls("DELETE", FakeOvirtEngine.API + "/vms/").stream()
                .filter(c -> "true".equals(c.query().get("detach_only"))).findFirst().orElse(null));

        engine.failNext("POST", "/vms/[^/]+/nics");
        e = assertThrows(ConversionException.class, () -> creator.create(plan(List.of(DISK1, DISK2))));
        assertTrue(e.getMessage().startsWith("adding the NICs: "), e.getMessage());
        assertEquals(1, engine.vms().size());
    }

    @Test
    void aMissingVnicProfileFailsBeforeAnythingIsMade() throws Exception {
        creator.detach(conversionVm, List.of(DISK1, DISK2));
        List<NetworkMapping> wrong = List.of(new NetworkMapping("VM Network", "nowhere", Optional.empty(), Optional.empty()));
        OvirtVmCreator.Plan p = new OvirtVmCreator.Plan("web01", "Default", HW, WIN7, Optional.of(NO_VIRTIO), false,
                List.of(DISK1), wrong);
        ConversionException e = assertThrows(ConversionException.class, () -> creator.create(p));
        assertTrue(e.getMessage().startsWith("choosing the vNIC profiles: the oVirt engine at " + engine.url()
                + " has no vNIC profile named 'nowhere'"), e.getMessage());
        assertEquals(List.of(), engine.calls("POST", FakeOvirtEngine.API + "/vms"));
    }

    @Test
    void anUnknownClusterFails() {
        OvirtVmCreator.Plan p = new OvirtVmCreator.Plan("web01", "Nope", HW, WIN7, Optional.empty(), false,
                List.of(DISK1), MAPPINGS);
        ConversionException e = assertThrows(ConversionException.class, () -> creator.create(p));
        assertTrue(e.getMessage().contains("has 0 clusters named 'Nope'"), e.getMessage());
    }
}
