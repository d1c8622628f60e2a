package org.v2vwrapper.convert;

/**
 * The controller a disk hangs on. The source's bus goes into the conversion XML (virt-v2v reads it to keep the
 * disk order, {@code target/@bus}); the converted guest's bus comes from virt-v2v's guest capabilities.
 */
public enum DiskBus {
    SCSI("scsi", "sd"),
    SATA("sata", "sd"),
    IDE("ide", "hd"),
    VIRTIO("virtio", "vd");

    private final String libvirtName;
    private final String devicePrefix;

    DiskBus(String libvirtName, String devicePrefix) {
        this.libvirtName = libvirtName;
        this.devicePrefix = devicePrefix;
    }

    public String libvirtName() {
        return libvirtName;
    }

    /** The target device name of the disk with this 0-based index on this bus: sda, hdb, vdaa … */
    public String deviceName(int index) {
        return devicePrefix + DriveLetters.of(index);
    }
}
