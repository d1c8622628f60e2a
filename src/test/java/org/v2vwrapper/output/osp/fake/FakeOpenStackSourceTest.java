package org.v2vwrapper.output.osp.fake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.common.ActionResponse;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.compute.Action;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.compute.VolumeAttachment;
import org.openstack4j.model.image.v2.Image;
import org.openstack4j.model.storage.block.Volume;
import org.openstack4j.model.storage.block.VolumeSnapshot;
import org.openstack4j.openstack.OSFactory;

/** The source-cloud side of {@link FakeOpenStack}, driven through openstack4j as the wrapper would. */
class FakeOpenStackSourceTest {
    private static final String SRC = "p-source";
    private static final String OTHER = "p-other";
    private static final String VM = "vm-bfv";
    private static final String VM_IMAGE = "vm-img";
    private static final String CONV = "conv-host";
    private static final String ROOT = "1111aaaa-2222-bbbb-3333-cccc4444dddd";
    private static final String DATA = "5555eeee-6666-ffff-7777-000088889999";
    private static final long UNIT = 1 << 20; // one fake GiB = 1 MiB

    @TempDir
    Path tmp;
    private FakeOpenStack fake;
    private Path byId;

    @BeforeEach
    void seed() throws Exception {
        fake = FakeOpenStack.start();
        fake.project(SRC, "source", "Default");
        fake.project(OTHER, "other", "Default");
        fake.user("migrator", "Default", "pw", SRC, OTHER);
        Path storage = Files.createDirectory(tmp.resolve("storage"));
        byId = Files.createDirectory(tmp.resolve("by-id"));
        fake.storage(storage, UNIT);
        fake.devDiskById(CONV, byId);
        FakeOpenStack.Server vm = fake.addServer(VM, SRC, "web");
        FakeOpenStack.Server conv = fake.addServer(CONV, SRC, "converter");
        conv.image = "img-rhel";
        conv.accessIPv4 = "127.0.0.2";
        FakeOpenStack.Volume root = fake.addVolume(ROOT, SRC, "web-root", Map.of());
        root.bootable = true;
        root.size = 2;
        fake.addVolume(DATA, SRC, "web-data", Map.of()).description = "data disk";
        fake.attach(ROOT, VM, "/dev/vda");
        fake.attach(DATA, VM, "/dev/vdb");
        fake.writeVolume(ROOT, 4096, "root bytes".getBytes());
        fake.writeVolume(DATA, 0, "data bytes".getBytes());
        FakeOpenStack.Server imageVm = fake.addServer(VM_IMAGE, SRC, "app");
        imageVm.image = "img-base";
        imageVm.rootDiskGib = 3;
        imageVm.rootDisk = tmp.resolve("app-root");
        Files.write(imageVm.rootDisk, "ephemeral root".getBytes());
    }

    @AfterEach
    void close() {
        fake.close();
    }

    private OSClientV3 client(String project) {
        return OSFactory.builderV3().endpoint(fake.authUrl())
                .credentials("migrator", "pw", Identifier.byName("Default"))
                .scopeToProject(Identifier.byId(project)).authenticate();
    }

    private static <T> T poll(Supplier<T> get, java.util.function.Predicate<T> done) {
        for (int i = 0; i < 20; i++) {
            T t = get.get();
            if (done.test(t)) {
                return t;
            }
        }
        throw new AssertionError("never reached the expected state");
    }

    @Test
    void bootFromVolumeFlow() throws Exception {
        OSClientV3 os = client(SRC);
        Server vm = os.compute().servers().get(VM);
        assertEquals(List.of(ROOT, DATA), vm.getOsExtendedVolumesAttached());
        assertTrue(vm.getImageId() == null || vm.getImageId().isEmpty(), "boot from volume has no image");

        assertTrue(os.compute().servers().action(VM, Action.STOP).isSuccess());
        assertEquals(Server.Status.SHUTOFF, poll(() -> os.compute().servers().get(VM).getStatus(),
                st -> st == Server.Status.SHUTOFF));
        assertTrue(fake.calls("^POST /compute/v2.1/servers/" + VM + "/action$").get(0).body().contains("os-stop"));

        VolumeSnapshot created = os.blockStorage().snapshots().create(Builders.volumeSnapshot()
                .name("rhosp-migration-" + ROOT).volume(ROOT).force(true).build());
        assertEquals(Volume.Status.CREATING, created.getStatus());
        VolumeSnapshot snap = poll(() -> os.blockStorage().snapshots().get(created.getId()),
                s -> s.getStatus() == Volume.Status.AVAILABLE);
        assertEquals(2, snap.getSize());
        assertEquals(ROOT, snap.getVolumeId());

        String snapId = snap.getId();
        String copyId = os.blockStorage().volumes().create(Builders.volume().name("rhosp-migration-" + ROOT)
                .snapshot(snapId).size(snap.getSize()).build()).getId();
        Volume copy = poll(() -> os.blockStorage().volumes().get(copyId), v -> v.getStatus() == Volume.Status.AVAILABLE);
        assertEquals(snapId, copy.getSnapshotId());
        assertEquals(2, copy.getSize());

        // The data volume: detach from the VM, attach to the conversion host, the by-id link shows its bytes.
        assertTrue(os.compute().servers().detachVolume(VM, DATA).isSuccess());
        poll(() -> os.blockStorage().volumes().get(DATA), v -> v.getStatus() == Volume.Status.AVAILABLE);
        VolumeAttachment att = os.compute().servers().attachVolume(CONV, DATA, null);
        assertEquals("/dev/vdb", att.getDevice()); // vda is the image-booted host's root disk
        Volume data = os.blockStorage().volumes().get(DATA);
        assertEquals(Volume.Status.IN_USE, data.getStatus());
        assertEquals(CONV, data.getAttachments().get(0).getServerId());
        assertEquals("/dev/vdb", data.getAttachments().get(0).getDevice());
        Path link = byId.resolve("virtio-" + DATA.substring(0, 20));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(UNIT, Files.size(link));
        assertArrayEquals("data bytes".getBytes(), java.util.Arrays.copyOf(Files.readAllBytes(link), 10));

        VolumeAttachment rootCopy = os.compute().servers().attachVolume(CONV, copy.getId(), null);
        assertEquals("/dev/vdc", rootCopy.getDevice());
        byte[] copied = Files.readAllBytes(byId.resolve("virtio-" + copy.getId().substring(0, 20)));
        assertEquals(2 * UNIT, copied.length);
        assertArrayEquals("root bytes".getBytes(), java.util.Arrays.copyOfRange(copied, 4096, 4106));

        // Cinder refuses to delete what is attached, and a volume that has snapshots.
        assertFalse(os.blockStorage().volumes().delete(DATA).isSuccess());
        assertTrue(fake.volume(DATA).isPresent());
        assertTrue(fake.volume(ROOT).isPresent());

        // Cleanup: detach, the link goes; the wrapper's snapshot and copy can be deleted, the original stays.
        assertTrue(os.compute().servers().detachVolume(CONV, DATA).isSuccess());
        assertTrue(os.compute().servers().detachVolume(CONV, copy.getId()).isSuccess());
        assertFalse(Files.exists(link));
        poll(() -> os.blockStorage().volumes().get(copy.getId()), v -> v.getStatus() == Volume.Status.AVAILABLE);
        assertTrue(os.blockStorage().volumes().delete(copy.getId()).isSuccess());
        assertTrue(os.blockStorage().snapshots().delete(snapId).isSuccess());
        assertTrue(fake.snapshots(SRC).isEmpty());
        poll(() -> os.blockStorage().volumes().get(DATA), v -> v.getStatus() == Volume.Status.AVAILABLE);
        assertNotNull(os.compute().servers().attachVolume(VM, DATA, "/dev/vdb"));
        assertEquals("/dev/vdb", fake.volume(DATA).orElseThrow().attachments.get(VM));
    }

    @Test
    void imageBootedFlow() throws Exception {
        OSClientV3 os = client(SRC);
        assertEquals("img-base", os.compute().servers().get(VM_IMAGE).getImageId());
        String imageId = os.compute().servers().createSnapshot(VM_IMAGE, "rhosp-migration-root-app");
        assertNotNull(imageId);
        Image image = poll(() -> os.imagesV2().get(imageId), i -> i.getStatus() == Image.ImageStatus.ACTIVE);
        assertEquals(3L, image.getMinDisk());
        assertEquals("rhosp-migration-root-app", image.getName());
        String volumeId = os.blockStorage().volumes().create(Builders.volume().name(image.getName()).imageRef(imageId)
                .size(image.getMinDisk().intValue()).build()).getId();
        Volume v = poll(() -> os.blockStorage().volumes().get(volumeId), x -> x.getStatus() == Volume.Status.AVAILABLE);
        assertTrue(v.bootable());
        assertEquals(3, v.getSize());
        Path backing = fake.volume(v.getId()).orElseThrow().backingFile;
        assertArrayEquals("ephemeral root".getBytes(), java.util.Arrays.copyOf(Files.readAllBytes(backing), 14));
        assertTrue(os.imagesV2().delete(imageId).isSuccess());
        assertTrue(fake.image(imageId).isEmpty());
    }

    @Test
    void faultsAndProjects() throws Exception {
        OSClientV3 os = client(SRC);

        fake.failNextSnapshot();
        VolumeSnapshot s = os.blockStorage().snapshots().create(Builders.volumeSnapshot().name("x").volume(ROOT)
                .force(true).build());
        assertEquals(Volume.Status.ERROR, poll(() -> os.blockStorage().snapshots().get(s.getId()).getStatus(),
                st -> st != Volume.Status.CREATING));

        fake.failNextImage();
        String imageId = os.compute().servers().createSnapshot(VM_IMAGE, "broken");
        assertEquals(Image.ImageStatus.KILLED, poll(() -> os.imagesV2().get(imageId).getStatus(),
                st -> st == Image.ImageStatus.KILLED || st == Image.ImageStatus.ACTIVE));

        // A server that never stops (shutdown timeout).
        fake.server(VM).orElseThrow().stopPolls = -1;
        assertTrue(os.compute().servers().action(VM, Action.STOP).isSuccess());
        for (int i = 0; i < 5; i++) {
            assertEquals(Server.Status.ACTIVE, os.compute().servers().get(VM).getStatus());
        }

        // An attach that never completes, and an attach of an in-use volume.
        fake.stuckAttaching(DATA);
        ActionResponse inUse = os.compute().servers().detachVolume(VM, "no-such-volume");
        assertFalse(inUse.isSuccess());
        assertTrue(os.compute().servers().detachVolume(VM, DATA).isSuccess());
        poll(() -> os.blockStorage().volumes().get(DATA), v -> v.getStatus() == Volume.Status.AVAILABLE);
        os.compute().servers().attachVolume(CONV, DATA, null);
        for (int i = 0; i < 3; i++) {
            Volume v = os.blockStorage().volumes().get(DATA);
            assertEquals(Volume.Status.ATTACHING, v.getStatus());
            assertTrue(v.getAttachments().isEmpty());
        }
        assertFalse(Files.exists(byId.resolve("virtio-" + DATA.substring(0, 20))));

        // HTTP faults on demand, recorded like every call.
        fake.failOn("POST", "/snapshots$", 413, "VolumeSizeExceedsAvailableQuota", 1);
        VolumeSnapshot refused = null;
        try {
            refused = os.blockStorage().snapshots().create(Builders.volumeSnapshot().name("y").volume(ROOT)
                    .force(true).build());
        } catch (RuntimeException e) {
            assertTrue(e.getMessage().contains("VolumeSizeExceedsAvailableQuota"), e.getMessage());
        }
        assertNull(refused);
        assertEquals(2, fake.calls("^POST /volume/v3/" + SRC + "/snapshots$").size()); // the error one and the refused one

        // Another project sees none of the source project's resources. (Last: openstack4j keeps one session
        // per thread, so authenticating again switches every client of this thread to that project.)
        OSClientV3 other = client(OTHER);
        assertNull(other.blockStorage().volumes().get(DATA));
        assertNull(other.compute().servers().get(VM));
        assertNull(other.imagesV2().get(imageId));
        assertEquals(OTHER, fake.calls("^GET /compute/v2.1/servers/" + VM + "$").get(
                fake.calls("^GET /compute/v2.1/servers/" + VM + "$").size() - 1).project());
    }
}
