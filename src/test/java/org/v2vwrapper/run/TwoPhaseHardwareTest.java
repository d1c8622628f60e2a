package org.v2vwrapper.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.convert.DiskBus;
import org.v2vwrapper.convert.DiskDestination;
import org.v2vwrapper.convert.Firmware;
import org.v2vwrapper.convert.GuestDisk;
import org.v2vwrapper.convert.GuestHardware;
import org.v2vwrapper.convert.GuestNic;
import org.v2vwrapper.precopy.DiskSpec;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.vsphere.ManagedObjectRef;
import org.v2vwrapper.vsphere.NicInfo;
import org.v2vwrapper.vsphere.SnapshotInfo;
import org.v2vwrapper.vsphere.VirtualDiskInfo;
import org.v2vwrapper.vsphere.VmInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** vSphere's VM config and the pre-copy's disks → the conversion's {@link GuestHardware} and disk destinations. */
class TwoPhaseHardwareTest {
    @TempDir
    Path dir;

    private static VmInfo vm(String firmware, List<NicInfo> nics) {
        return new VmInfo(new ManagedObjectRef("VirtualMachine", "vm-7"), "db01 (vSphere name)", "poweredOff", true,
                firmware, 4096, 4, List.of(new VirtualDiskInfo(2000, "Hard disk 1", 10, "[ds] db01/db01.vmdk", null)),
                nics, SnapshotInfo.NONE);
    }

    private PreparedDisk disk(int index, String name) throws Exception {
        Path p = Files.writeString(dir.resolve(name), "x");
        return new PreparedDisk(new DiskSpec(index, "[ds] db01/" + name + ".vmdk", 2000 + index, 1L << 30 + index), p,
                Optional.of("id-" + index));
    }

    @Test
    void mapsTheVmConfigInTheSourcesOrder() throws Exception {
        PreCopyResult r = new PreCopyResult(vm("efi", List.of(
                new NicInfo(4000, "Network adapter 1", "VirtualVmxnet3", "00:50:56:AB:CD:EF", "VM Network", null),
                new NicInfo(4001, "Network adapter 2", "VirtualE1000", "00:50:56:ab:cd:f0", null, "dvportgroup-9"),
                new NicInfo(4002, "Network adapter 3", "VirtualE1000", null, "VM Network", null),
                new NicInfo(4003, "Network adapter 4", "VirtualE1000", "00:50:56:ab:cd:f1", null, null))),
                List.of(disk(2, "sdc"), disk(0, "sda"), disk(1, "sdb")));
        GuestHardware hw = TwoPhaseHardware.of("db01", r);
        assertEquals("db01", hw.name(), "the request's vm_name names the domain");
        assertEquals(4096L << 20, hw.memoryBytes());
        assertEquals(4, hw.vcpus());
        assertEquals(1, hw.coresPerSocket());
        assertEquals(Firmware.UEFI, hw.firmware());
        assertEquals(List.of(new GuestDisk(2000, 1L << 30, "[ds] db01/sda.vmdk", DiskBus.SCSI),
                new GuestDisk(2001, 1L << 31, "[ds] db01/sdb.vmdk", DiskBus.SCSI),
                new GuestDisk(2002, 1L << 32, "[ds] db01/sdc.vmdk", DiskBus.SCSI)), hw.disks());
        // A distributed port group is named by its key; adapters without a MAC or a network are left out.
        assertEquals(List.of(new GuestNic("00:50:56:ab:cd:ef", "VM Network"),
                new GuestNic("00:50:56:ab:cd:f0", "dvportgroup-9")), hw.nics());
        assertEquals(List.of(DiskDestination.file(dir.resolve("sda")), DiskDestination.file(dir.resolve("sdb")),
                DiskDestination.file(dir.resolve("sdc"))), TwoPhaseHardware.destinations(r));
    }

    @Test
    void biosIsTheDefaultAndADeviceIsABlockDestination() throws Exception {
        Path dev = Path.of("/dev/null");
        PreCopyResult r = new PreCopyResult(vm(null, List.of()),
                List.of(new PreparedDisk(new DiskSpec(0, "[ds] db01/db01.vmdk", 2000, 10), dev, Optional.of("v1"))));
        assertEquals(Firmware.BIOS, TwoPhaseHardware.of("db01", r).firmware());
        assertEquals(List.of(DiskDestination.block(dev)), TwoPhaseHardware.destinations(r));
    }

    @Test
    void aMissingCopyOrNoDisksFailNamingTheDisk() throws Exception {
        PreCopyResult missing = new PreCopyResult(vm("bios", List.of()), List.of(new PreparedDisk(
                new DiskSpec(0, "[ds] db01/db01.vmdk", 2000, 10), dir.resolve("gone"), Optional.empty())));
        assertEquals("the copy of disk 1 (\"[ds] db01/db01.vmdk\") is not at " + dir.resolve("gone"),
                assertThrows(ConversionException.class, () -> TwoPhaseHardware.destinations(missing)).getMessage());
        PreCopyResult none = new PreCopyResult(vm("bios", List.of()), List.of());
        assertEquals("the pre-copy handed over no disks of \"db01\"",
                assertThrows(ConversionException.class, () -> TwoPhaseHardware.of("db01", none)).getMessage());
        PreCopyResult twice = new PreCopyResult(vm("bios", List.of()), List.of(disk(0, "a"), disk(0, "b")));
        assertThrows(ConversionException.class, () -> TwoPhaseHardware.of("db01", twice));
    }
}
