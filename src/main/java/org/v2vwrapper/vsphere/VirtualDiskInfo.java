package org.v2vwrapper.vsphere;

/**
 * A {@code VirtualDisk} of a VM's or a snapshot's {@code config.hardware.device}: its device key, label,
 * {@code capacityInBytes}, the backing's {@code fileName} (e.g. {@code [datastore1] web01/web01.vmdk}) and
 * {@code changeId} ({@code null} while change tracking is off).
 */
public record VirtualDiskInfo(int key, String label, long capacityInBytes, String fileName, String changeId) {
}
