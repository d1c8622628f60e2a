package org.v2vwrapper.vsphere;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.request.Secret;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmStopperTest {
    @TempDir
    Path dir;
    private FakeVsphere fake;
    private VsphereClient client;
    private ManagedObjectRef vm;
    private final List<String> status = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        fake = FakeVsphere.start(dir.resolve("fake"));
        fake.addVm("web01", 1024 * 1024);
        client = VsphereClient.connect(VsphereEndpoint.parse(fake.vpxUri(""), fake.thumbprint()),
                new VsphereClient.Options(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofMillis(5)));
        client.login(new Secret(fake.password()));
        vm = client.findVmByName("web01");
    }

    @AfterEach
    void stop() {
        client.close();
        fake.close();
    }

    private VmStopper stopper(Duration grace) {
        return new VmStopper(client, grace, Duration.ofMillis(10));
    }

    @Test
    void aGuestThatShutsDownIsNotPoweredOff() throws Exception {
        fake.setShutdownDelay("web01", Duration.ofMillis(100));
        assertEquals(VmStopper.Outcome.GUEST_SHUT_DOWN, stopper(Duration.ofSeconds(30)).stop(vm, "web01", status::add));
        assertEquals("poweredOff", fake.powerState("web01"));
        assertEquals(List.of(), fake.calls("PowerOffVM_Task"));
        assertEquals(2, status.size(), status.toString());
    }

    @Test
    void aGuestStillOnAfterTheGracePeriodIsPoweredOff() throws Exception {
        fake.setShutdownDelay("web01", null);
        assertEquals(VmStopper.Outcome.POWERED_OFF, stopper(Duration.ofMillis(200)).stop(vm, "web01", status::add));
        assertEquals("poweredOff", fake.powerState("web01"));
        assertEquals(1, fake.calls("ShutdownGuest").size());
        assertEquals(1, fake.calls("PowerOffVM_Task").size());
        assertTrue(status.stream().anyMatch(s -> s.contains("still on")), status.toString());
    }

    @Test
    void aGuestWithoutToolsIsPoweredOffAtOnce() throws Exception {
        fake.failNext("ShutdownGuest", "ToolsUnavailable", "Cannot complete operation because VMware Tools is not"
                + " running in this virtual machine.");
        assertEquals(VmStopper.Outcome.POWERED_OFF, stopper(Duration.ofMinutes(5)).stop(vm, "web01", status::add));
        assertEquals("poweredOff", fake.powerState("web01"));
        assertTrue(status.get(0).contains("ToolsUnavailable"), status.toString());
    }

    @Test
    void aVmAlreadyOffIsLeftAlone() throws Exception {
        fake.setPowerState("web01", "poweredOff");
        assertEquals(VmStopper.Outcome.ALREADY_OFF, stopper(Duration.ofMinutes(5)).stop(vm, "web01", status::add));
        assertEquals(List.of(), fake.calls("ShutdownGuest"));
        assertEquals(List.of(), fake.calls("PowerOffVM_Task"));
    }
}
