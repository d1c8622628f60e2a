package org.v2vwrapper.vsphere;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.request.Secret;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VsphereClientTest {
    private static final long MIB = 1024 * 1024;
    private static final VsphereClient.Options FAST =
            new VsphereClient.Options(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofMillis(5));

    @TempDir
    Path dir;
    private FakeVsphere fake;
    private VsphereClient client;

    @BeforeEach
    void start() throws Exception {
        fake = FakeVsphere.start(dir.resolve("fake"));
        fake.addVm("web01", 8 * MIB, 4 * MIB);
        fake.addVm("db01", 2 * MIB);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        fake.close();
    }

    private VsphereEndpoint endpoint() {
        return VsphereEndpoint.parse(fake.vpxUri(""), fake.thumbprint());
    }

    private VsphereClient loggedIn() throws VsphereException {
        client = VsphereClient.connect(endpoint(), FAST);
        client.login(new Secret(fake.password()));
        return client;
    }

    @Test
    void loginAndLogoutOpenAndCloseOneSession() throws Exception {
        VsphereClient c = loggedIn();
        assertEquals(1, fake.sessionsOpen());
        assertEquals("VirtualCenter", c.serviceContent().apiType());
        assertNotNull(c.currentTime());
        assertTrue(Duration.between(c.currentTime(), Instant.now()).abs().toMinutes() < 5);
        c.close();
        assertEquals(0, fake.sessionsOpen());
        assertEquals(1, fake.calls("Logout").size());
        // without a session the server refuses, and the message names the call
        VsphereException e = assertThrows(VsphereException.class, () -> c.findVmByName("web01"));
        assertEquals("NotAuthenticated", e.faultType());
        assertTrue(e.getMessage().startsWith("vSphere CreateContainerView failed: NotAuthenticated"), e.getMessage());
    }

    @Test
    void loginSendsTheUserFromTheUriAndAWrongPasswordIsAOneLineFault() throws Exception {
        client = VsphereClient.connect(endpoint(), FAST);
        VsphereException e = assertThrows(VsphereException.class,
                () -> client.login(new Secret("not-the-Pa55word")));
        assertEquals("Login", e.call());
        assertEquals("InvalidLogin", e.faultType());
        assertFalse(e.getMessage().contains("not-the-Pa55word"));
        assertFalse(e.getMessage().contains("\n"));
        assertEquals("administrator@vsphere.local", fake.calls("Login").get(0).args().get("userName"));
        assertFalse(fake.calls("Login").get(0).args().containsKey("password"), "the fake does not record it either");
        assertEquals(0, fake.sessionsOpen());
    }

    @Test
    void aFaultEchoingThePasswordNamesTheCallButNotThePassword() throws Exception {
        client = VsphereClient.connect(endpoint(), FAST);
        fake.failNext("Login", "InvalidLogin", "login as administrator with password {password} refused");
        VsphereException e = assertThrows(VsphereException.class, () -> client.login(new Secret(fake.password())));
        assertTrue(e.getMessage().startsWith("vSphere Login failed: InvalidLogin: "), e.getMessage());
        assertFalse(e.getMessage().contains(fake.password()), e.getMessage());
        assertTrue(e.getMessage().contains("*****"), e.getMessage());
    }

    @Test
    void aFaultOnAnyCallNamesTheCall() throws Exception {
        VsphereClient c = loggedIn();
        ManagedObjectRef vm = c.findVmByName("web01");
        fake.failNext("RetrievePropertiesEx", "SystemError", "A general system error occurred: boom");
        VsphereException e = assertThrows(VsphereException.class, () -> c.vmInfo(vm));
        assertEquals("vSphere RetrievePropertiesEx failed: SystemError: A general system error occurred: boom",
                e.getMessage());
        assertEquals("web01", c.vmInfo(vm).name(), "the next call works again");
    }

    @Test
    void aWrongThumbprintIsRefusedBeforeAnyRequestReachesTheServer() throws Exception {
        String wrong = "AA:" + fake.thumbprint().substring(3).replace('A', 'B');
        if (wrong.equals(fake.thumbprint())) {
            wrong = "00:" + fake.thumbprint().substring(3);
        }
        VsphereEndpoint ep = VsphereEndpoint.parse(fake.vpxUri(""), wrong);
        VsphereException e = assertThrows(VsphereException.class, () -> VsphereClient.connect(ep, FAST));
        assertEquals("RetrieveServiceContent", e.call());
        assertTrue(e.getMessage().startsWith("vSphere RetrieveServiceContent failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("thumbprint " + fake.thumbprint() + " does not match vmware_fingerprint "
                + wrong), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(fake.calls().isEmpty(), "nothing reached the server: " + fake.calls());
    }

    @Test
    void theThumbprintMatchesInAnyCaseAndNoVerifySkipsTheCheck() throws Exception {
        VsphereEndpoint lower = VsphereEndpoint.parse(fake.vpxUri(""), fake.thumbprint().toLowerCase(Locale.ROOT));
        try (VsphereClient c = VsphereClient.connect(lower, FAST)) {
            c.login(new Secret(fake.password()));
        }
        VsphereEndpoint noVerify = VsphereEndpoint.parse(fake.vpxUri("?no_verify=1"),
                "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33");
        try (VsphereClient c = VsphereClient.connect(noVerify, FAST)) {
            c.login(new Secret(fake.password()));
            assertEquals(1, fake.sessionsOpen());
        }
        assertEquals(0, fake.sessionsOpen());
    }

    @Test
    void findsTheOneVmByNameAcrossPagesAndDestroysTheView() throws Exception {
        fake.setRetrievePageSize(1);
        VsphereClient c = loggedIn();
        ManagedObjectRef db = c.findVmByName("db01");
        assertEquals("VirtualMachine", db.type());
        assertEquals("db01", c.vmInfo(db).name());
        assertFalse(fake.calls("ContinueRetrievePropertiesEx").isEmpty(), "db01 is on the second page");
        assertEquals(1, fake.calls("DestroyView").size());
    }

    @Test
    void noVmOrTwoVmsOfTheNameIsAnErrorNamingTheCount() throws Exception {
        fake.addVm("web01", MIB);
        VsphereClient c = loggedIn();
        VsphereException two = assertThrows(VsphereException.class, () -> c.findVmByName("web01"));
        assertTrue(two.getMessage().contains("2 VMs named \"web01\""), two.getMessage());
        VsphereException none = assertThrows(VsphereException.class, () -> c.findVmByName("nope"));
        assertTrue(none.getMessage().contains("no VM named \"nope\""), none.getMessage());
        assertEquals(2, fake.calls("DestroyView").size());
    }

    @Test
    void readsTheVmProperties() throws Exception {
        fake.setHardware("web01", "efi", 4096, 4);
        VsphereClient c = loggedIn();
        VmInfo vm = c.vmInfo(c.findVmByName("web01"));
        assertEquals("web01", vm.name());
        assertEquals("poweredOn", vm.powerState());
        assertFalse(vm.poweredOff());
        assertFalse(vm.changeTrackingEnabled());
        assertEquals("efi", vm.firmware());
        assertEquals(4096, vm.memoryMB());
        assertEquals(4, vm.numCpu());
        assertEquals(List.of(
                new VirtualDiskInfo(2000, "Hard disk 1", 8 * MIB, "[datastore1] web01/web01.vmdk", null),
                new VirtualDiskInfo(2001, "Hard disk 2", 4 * MIB, "[datastore1] web01/web01_1.vmdk", null)),
                vm.disks());
        assertEquals(2, vm.nics().size());
        assertEquals("00:50:56:aa:bb:01", vm.nics().get(0).macAddress());
        assertEquals("VirtualVmxnet3", vm.nics().get(0).adapterType());
        assertEquals("VM Network", vm.nics().get(0).networkName());
        assertNull(vm.nics().get(0).portgroupKey());
        assertEquals("00:50:56:aa:bb:02", vm.nics().get(1).macAddress());
        assertNull(vm.nics().get(1).networkName());
        assertEquals("dvportgroup-21", vm.nics().get(1).portgroupKey());
        assertTrue(vm.snapshot().isEmpty());
    }

    @Test
    void enablesChangeTrackingThroughAWaitedTask() throws Exception {
        fake.setTaskPolls(3);
        VsphereClient c = loggedIn();
        ManagedObjectRef vm = c.findVmByName("web01");
        c.enableChangeTracking(vm);
        assertTrue(fake.changeTracking("web01"));
        VmInfo info = c.vmInfo(vm);
        assertTrue(info.changeTrackingEnabled());
        assertNotNull(info.disks().get(0).changeId());
        assertEquals("true", fake.calls("ReconfigVM_Task").get(0).args().get("spec.changeTrackingEnabled"));
        assertTrue(fake.calls("RetrievePropertiesEx").size() >= 4, "the task was polled while running");
    }

    @Test
    void createsAndRemovesASnapshotThatFreezesTheDisks() throws Exception {
        VsphereClient c = loggedIn();
        ManagedObjectRef vm = c.findVmByName("web01");
        c.enableChangeTracking(vm);
        byte[] before = "before the snapshot".getBytes();
        fake.write("web01", 0, 4096, before);
        VsphereClient.CreatedSnapshot snap = c.createSnapshot(vm, "v2v-precopy", "pre-copy of web01");
        assertTrue(snap.quiesced());
        assertEquals("VirtualMachineSnapshot", snap.snapshot().type());
        assertEquals(1, fake.snapshotsAlive("web01"));
        assertEquals(List.of("false", "true"), List.of(
                fake.calls("CreateSnapshot_Task").get(0).args().get("memory"),
                fake.calls("CreateSnapshot_Task").get(0).args().get("quiesce")));

        SnapshotInfo tree = c.vmInfo(vm).snapshot();
        assertEquals(snap.snapshot(), tree.currentSnapshot());
        assertEquals(List.of(new SnapshotInfo.Entry(snap.snapshot(), "v2v-precopy", "pre-copy of web01", null)),
                tree.snapshots());

        List<VirtualDiskInfo> frozen = c.snapshotDisks(snap.snapshot());
        assertEquals("[datastore1] web01/web01-000001.vmdk", frozen.get(0).fileName());
        assertEquals("[datastore1] web01/web01_1-000001.vmdk", frozen.get(1).fileName());
        assertNotNull(frozen.get(0).changeId());
        Path image = fake.frozenImage(frozen.get(0).fileName());
        fake.write("web01", 0, 4096, "after the snapshot!".getBytes());
        assertArrayEquals(before, Arrays.copyOfRange(Files.readAllBytes(image), 4096, 4096 + before.length),
                "the snapshot keeps what the disk held when it was taken");

        c.removeSnapshot(snap.snapshot());
        assertEquals(0, fake.snapshotsAlive("web01"));
        assertFalse(Files.exists(image));
        assertTrue(c.vmInfo(vm).snapshot().isEmpty());
        assertEquals(List.of("false", "true"), List.of(
                fake.calls("RemoveSnapshot_Task").get(0).args().get("removeChildren"),
                fake.calls("RemoveSnapshot_Task").get(0).args().get("consolidate")));
    }

    @Test
    void aQuiesceFaultIsRetriedOnceWithoutQuiescing() throws Exception {
        fake.quiesceFaults("web01", 1);
        VsphereClient c = loggedIn();
        ManagedObjectRef vm = c.findVmByName("web01");
        VsphereClient.CreatedSnapshot snap = c.createSnapshot(vm, "v2v", "d");
        assertFalse(snap.quiesced());
        assertEquals(List.of("true", "false"),
                fake.calls("CreateSnapshot_Task").stream().map(x -> x.args().get("quiesce")).toList());
        assertEquals(1, fake.snapshotsAlive("web01"));
    }

    @Test
    void anotherSnapshotFaultIsNotRetried() throws Exception {
        VsphereClient c = loggedIn();
        ManagedObjectRef vm = c.findVmByName("web01");
        fake.failNextTask("CreateSnapshot_Task", "InsufficientResourcesFault", "no space left on datastore1");
        VsphereException e = assertThrows(VsphereException.class, () -> c.createSnapshot(vm, "v2v", "d"));
        assertEquals("vSphere CreateSnapshot_Task failed: InsufficientResourcesFault: no space left on datastore1",
                e.getMessage());
        assertEquals(1, fake.calls("CreateSnapshot_Task").size());
        assertEquals(0, fake.snapshotsAlive("web01"));
    }

    @Test
    void aTaskErrorBecomesAOneLineMessageNamingTheCall() throws Exception {
        VsphereClient c = loggedIn();
        ManagedObjectRef vm = c.findVmByName("web01");
        fake.failNextTask("PowerOffVM_Task", "TaskInProgress", "The operation is not allowed\nin the current state.");
        VsphereException e = assertThrows(VsphereException.class, () -> c.powerOff(vm));
        assertEquals("PowerOffVM_Task", e.call());
        assertEquals("TaskInProgress", e.faultType());
        assertEquals("vSphere PowerOffVM_Task failed: TaskInProgress: The operation is not allowed", e.getMessage());
        assertEquals("poweredOn", c.powerState(vm));
    }

    @Test
    void shutdownGuestAndPowerOff() throws Exception {
        VsphereClient c = loggedIn();
        ManagedObjectRef web = c.findVmByName("web01");
        ManagedObjectRef db = c.findVmByName("db01");
        fake.setShutdownDelay("web01", Duration.ofMillis(50));
        fake.setShutdownDelay("db01", null);
        c.shutdownGuest(web);
        c.shutdownGuest(db);
        for (int i = 0; i < 400 && !c.vmInfo(web).poweredOff(); i++) {
            Thread.sleep(25);
        }
        assertEquals("poweredOff", c.powerState(web));
        assertEquals("poweredOn", c.powerState(db), "this guest ignores the shutdown request");
        c.powerOff(db);
        assertEquals("poweredOff", c.powerState(db));
        VsphereException again = assertThrows(VsphereException.class, () -> c.powerOff(db));
        assertEquals("InvalidPowerState", again.faultType());
    }

    @Test
    void everyCallHasATimeout() throws Exception {
        // 2 s leaves room for the TLS handshake of connect() on a busy machine; the fake answers after 8 s
        client = VsphereClient.connect(endpoint(), new VsphereClient.Options(Duration.ofSeconds(2),
                Duration.ofSeconds(5), Duration.ofMillis(5)));
        fake.delay("CurrentTime", Duration.ofSeconds(8));
        VsphereException e = assertThrows(VsphereException.class, () -> client.currentTime());
        assertEquals("vSphere CurrentTime failed: no answer within 2 s", e.getMessage());
    }

    @Test
    void aTaskThatNeverEndsTimesOut() throws Exception {
        fake.setTaskPolls(1_000_000);
        client = VsphereClient.connect(endpoint(), new VsphereClient.Options(Duration.ofSeconds(5),
                Duration.ofMillis(200), Duration.ofMillis(20)));
        client.login(new Secret(fake.password()));
        ManagedObjectRef vm = client.findVmByName("web01");
        VsphereException e = assertThrows(VsphereException.class, () -> client.enableChangeTracking(vm));
        assertTrue(e.getMessage().startsWith("vSphere ReconfigVM_Task failed: task "), e.getMessage());
        assertTrue(e.getMessage().contains("still running"), e.getMessage());
    }
}
