package org.v2vwrapper.vsphere;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.request.Secret;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChangedAreasTest {
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    @TempDir
    Path dir;
    private FakeVsphere fake;
    private VsphereClient client;
    private ManagedObjectRef vm;

    @BeforeEach
    void start() throws Exception {
        fake = FakeVsphere.start(dir.resolve("fake"));
        fake.addVm("web01", 8 * MIB, 2 * MIB);
        client = VsphereClient.connect(VsphereEndpoint.parse(fake.vpxUri(""), fake.thumbprint()),
                new VsphereClient.Options(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofMillis(5)));
        client.login(new Secret(fake.password()));
        vm = client.findVmByName("web01");
        client.enableChangeTracking(vm);
    }

    @AfterEach
    void stop() {
        client.close();
        fake.close();
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251 + 1);
        }
        return b;
    }

    @Test
    void starReturnsTheAllocatedAreasOfTheFirstSnapshot() throws Exception {
        fake.write("web01", 0, 0, bytes(10));
        fake.write("web01", 0, 3 * MIB + 100, bytes(200 * 1024));
        ManagedObjectRef snap = client.createSnapshot(vm, "v2v", "first").snapshot();
        List<ChangedArea> areas = ChangedAreas.query(client, vm, snap, 2000, 8 * MIB, "*");
        // the fake reports non-zero 64 KiB granules
        assertEquals(List.of(new ChangedArea(0, 64 * KIB), new ChangedArea(3 * MIB, 256 * KIB)), areas);
        assertEquals(List.of(), ChangedAreas.query(client, vm, snap, 2001, 2 * MIB, "*"), "disk 2 is empty");
        assertEquals(320 * KIB, ChangedAreas.totalBytes(areas));
    }

    @Test
    void pagesFromTheLastAreaOrTheCoveredIntervalUpToTheCapacity() throws Exception {
        fake.write("web01", 0, 4 * MIB, bytes(100)); // before the first snapshot: not a change since it
        ManagedObjectRef s1 = client.createSnapshot(vm, "v2v", "1").snapshot();
        String changeId = client.snapshotDisks(s1).get(0).changeId();
        fake.write("web01", 0, 100, bytes(50));
        fake.write("web01", 0, MIB - 10, bytes(20)); // across the 1 MiB page boundary
        fake.write("web01", 0, 2 * MIB, bytes(4096));
        fake.write("web01", 0, 2 * MIB + 8192, bytes(10));
        fake.write("web01", 0, 2 * MIB + 16384, bytes(10));
        fake.zero("web01", 0, 6 * MIB, 64 * KIB); // a zeroed range is a change too
        fake.write("web01", 0, 7 * MIB, bytes(1000));
        client.removeSnapshot(s1);
        ManagedObjectRef s2 = client.createSnapshot(vm, "v2v", "2").snapshot();
        fake.write("web01", 0, 5 * MIB, bytes(10)); // after the second snapshot: not in it

        fake.setQueryPageSize(2);
        fake.setQueryWindow(MIB);
        fake.clearCalls();
        List<ChangedArea> areas = ChangedAreas.query(client, vm, s2, 2000, 8 * MIB, changeId);

        assertEquals(List.of(new ChangedArea(100, 50), new ChangedArea(MIB - 10, 20),
                new ChangedArea(2 * MIB, 4096), new ChangedArea(2 * MIB + 8192, 10),
                new ChangedArea(2 * MIB + 16384, 10), new ChangedArea(6 * MIB, 64 * KIB),
                new ChangedArea(7 * MIB, 1000)), areas);
        List<Long> offsets = fake.calls("QueryChangedDiskAreas").stream()
                .map(c -> Long.parseLong(c.args().get("startOffset"))).toList();
        // a full page goes on after its last area (areas are clipped to the 1 MiB window the fake answers
        // for), an empty one after the interval it covered
        assertEquals(List.of(0L, MIB, MIB + 10, 2 * MIB + 10, 2 * MIB + 8202, 2 * MIB + 16394, 3 * MIB + 16394,
                4 * MIB + 16394, 5 * MIB + 16394, 6 * MIB + 16394, 7 * MIB + 1000), offsets);
        fake.calls("QueryChangedDiskAreas").forEach(c -> {
            assertEquals(changeId, c.args().get("changeId"));
            assertEquals(s2.value(), c.args().get("snapshot"));
            assertEquals("2000", c.args().get("deviceKey"));
        });
    }

    @Test
    void withoutASnapshotTheChangesUpToNowOfAPoweredOffVm() throws Exception {
        ManagedObjectRef s1 = client.createSnapshot(vm, "v2v", "1").snapshot();
        String changeId = client.snapshotDisks(s1).get(1).changeId();
        client.removeSnapshot(s1);
        VsphereException on = assertThrows(VsphereException.class,
                () -> ChangedAreas.query(client, vm, null, 2001, 2 * MIB, changeId));
        assertEquals("InvalidPowerState", on.faultType());
        fake.write("web01", 1, MIB, bytes(512));
        client.powerOff(vm);
        assertEquals(List.of(new ChangedArea(MIB, 512)),
                ChangedAreas.query(client, vm, null, 2001, 2 * MIB, changeId));
    }

    @Test
    void aVmFromImagesAndAnEditOfACopyReportTheChangedGranules() throws Exception {
        Path image = dir.resolve("guest.img");
        byte[] content = new byte[(int) (2 * MIB)];
        System.arraycopy(bytes(5000), 0, content, (int) MIB, 5000);
        java.nio.file.Files.write(image, content);
        fake.addVmFromImages("img01", image);
        ManagedObjectRef img = client.findVmByName("img01");
        client.enableChangeTracking(img);
        ManagedObjectRef s1 = client.createSnapshot(img, "v2v", "1").snapshot();
        assertEquals(List.of(new ChangedArea(MIB, 64 * KIB)), ChangedAreas.query(client, img, s1, 2000, 2 * MIB, "*"),
                "the image's content is there before any changeId");
        String changeId = client.snapshotDisks(s1).get(0).changeId();
        client.removeSnapshot(s1);

        List<long[]> changed = fake.applyEdit("img01", 0, copy -> {
            try (var ch = java.nio.channels.FileChannel.open(copy, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes(10)), 200 * KIB);           // one granule
                ch.write(java.nio.ByteBuffer.wrap(bytes(70_000)), 1500 * KIB);      // across two
                ch.write(java.nio.ByteBuffer.wrap(new byte[5000]), MIB);            // data zeroed again
                ch.write(java.nio.ByteBuffer.wrap(new byte[4096]), 10 * KIB);       // zeros over zeros: no change
            }
        });
        assertEquals(List.of(List.of(192 * KIB, 256 * KIB), List.of(MIB, MIB + 64 * KIB),
                List.of(1472 * KIB, 1600 * KIB)), changed.stream().map(a -> List.of(a[0], a[1])).toList());
        ManagedObjectRef s2 = client.createSnapshot(img, "v2v", "2").snapshot();
        assertEquals(List.of(new ChangedArea(192 * KIB, 64 * KIB), new ChangedArea(MIB, 64 * KIB),
                new ChangedArea(1472 * KIB, 128 * KIB)), ChangedAreas.query(client, img, s2, 2000, 2 * MIB, changeId));
        byte[] live = java.nio.file.Files.readAllBytes(fake.image("img01", 0));
        assertEquals(2 * MIB, live.length);
        assertEquals(List.of((byte) 1, (byte) 0), List.of(live[(int) (200 * KIB)], live[(int) MIB]),
                "the edit reached the live image");
        assertEquals(2, java.nio.file.Files.readAllBytes(image)[(int) MIB + 1], "the original image is untouched");
    }

    @Test
    void anUnknownChangeIdIsAFaultNamingTheCall() throws Exception {
        ManagedObjectRef s1 = client.createSnapshot(vm, "v2v", "1").snapshot();
        VsphereException e = assertThrows(VsphereException.class,
                () -> ChangedAreas.query(client, vm, s1, 2000, 8 * MIB, "52 00 not-a-change-id/3"));
        assertEquals("vSphere QueryChangedDiskAreas failed: InvalidArgument: A specified parameter was not"
                + " correct: changeId", e.getMessage());
    }

    @Test
    void mergeSortsJoinsAndClips() {
        assertEquals(List.of(new ChangedArea(0, 30), new ChangedArea(40, 10), new ChangedArea(90, 10)),
                ChangedAreas.merge(List.of(new ChangedArea(90, 50), new ChangedArea(10, 20), new ChangedArea(0, 10),
                        new ChangedArea(40, 5), new ChangedArea(42, 8), new ChangedArea(5, 0),
                        new ChangedArea(200, 5)), 100));
    }
}
