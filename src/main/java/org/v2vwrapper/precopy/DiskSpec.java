package org.v2vwrapper.precopy;

/**
 * One source disk the pre-copy copies: its place in the VM's order (0-based), its VMware file name as the caller's
 * {@code source_disks} spell it ({@code "[datastore1] web01/web01.vmdk"}), its vSphere device key and its capacity.
 */
public record DiskSpec(int index, String sourcePath, int deviceKey, long capacityBytes) {
}
