package org.v2vwrapper.convert;

import java.util.Objects;

/**
 * One virtual disk of the source VM.
 *
 * @param key           vSphere's device key (e.g. 2000), to match CBT results and the copy's disks
 * @param capacityBytes the disk's virtual size
 * @param fileName      the disk's backing file as vSphere names it ({@code [datastore1] web01/web01.vmdk}); this is
 *                      what {@code source_disks} and the state file's {@code disks[].path} hold
 * @param bus           the controller it hangs on in the source
 */
public record GuestDisk(int key, long capacityBytes, String fileName, DiskBus bus) {
    public GuestDisk {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(bus, "bus");
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("negative capacity " + capacityBytes + " of disk " + fileName);
        }
    }
}
