package org.v2vwrapper.output.osp;

/**
 * Guest device names for the instance's volumes, the way Linux names virtio disks: {@code vda} … {@code vdz},
 * then {@code vdaa} … {@code vdaz}, {@code vdba} … (bijective base 26).
 */
public final class DeviceNames {
    private DeviceNames() {
    }

    /** The device name of the disk at {@code index} (0-based): 0 → vda, 1 → vdb, 26 → vdaa. */
    public static String of(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("negative disk index " + index);
        }
        StringBuilder letters = new StringBuilder();
        int n = index + 1;
        while (n > 0) {
            n--;
            letters.append((char) ('a' + n % 26));
            n /= 26;
        }
        return "vd" + letters.reverse();
    }
}
