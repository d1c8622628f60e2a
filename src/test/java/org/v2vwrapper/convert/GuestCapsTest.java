package org.v2vwrapper.convert;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GuestCapsTest {
    /** The block virt-v2v-in-place 2.2 -v printed converting the phony Windows 7 guest (no virtio drivers). */
    @Test
    void readsTheRealInPlaceLog() throws Exception {
        try (Stream<String> lines = Files.lines(Tools.FIXTURES.resolve("in-place-guestcaps.log"))) {
            assertEquals(Optional.of(new GuestCaps(GuestCaps.BlockBus.IDE, GuestCaps.NetModel.RTL8139,
                    GuestCaps.Machine.Q35, false, false, "x86_64")), GuestCaps.fromLog(lines));
        }
    }

    @Test
    void takesTheLastCompleteBlock() {
        Stream<String> lines = Stream.of("gcaps_block_bus = ide", "gcaps_net_bus = rtl8139", "gcaps_machine = i440fx",
                "gcaps_arch = i686", "noise", "gcaps_block_bus = virtio-scsi", "gcaps_net_bus = virtio-net",
                "gcaps_virtio_rng = true", "gcaps_virtio_balloon = true", "gcaps_machine = q35", "gcaps_arch = x86_64");
        assertEquals(Optional.of(new GuestCaps(GuestCaps.BlockBus.VIRTIO_SCSI, GuestCaps.NetModel.VIRTIO_NET,
                GuestCaps.Machine.Q35, true, true, "x86_64")), GuestCaps.fromLog(lines));
    }

    @Test
    void emptyWithoutABlockOrWithUnknownValues() {
        assertEquals(Optional.empty(), GuestCaps.fromLog(Stream.of("virt-v2v-in-place: error: inspection failed")));
        assertEquals(Optional.empty(), GuestCaps.fromLog(Stream.of("gcaps_block_bus = nvme", "gcaps_net_bus = virtio-net",
                "gcaps_machine = q35", "gcaps_arch = x86_64")));
        assertEquals(Optional.empty(), GuestCaps.fromLog(Stream.of("gcaps_block_bus = ide", "gcaps_net_bus = e1000")));
    }
}
