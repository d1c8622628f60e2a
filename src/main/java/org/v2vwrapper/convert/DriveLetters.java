package org.v2vwrapper.convert;

/** Drive letters as Linux and libvirt number disks: 0 → a, 25 → z, 26 → aa, 701 → zz, 702 → aaa. */
public final class DriveLetters {
    private DriveLetters() {
    }

    public static String of(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("negative disk index " + index);
        }
        StringBuilder sb = new StringBuilder();
        int n = index;
        do {
            sb.append((char) ('a' + n % 26));
            n = n / 26 - 1;
        } while (n >= 0);
        return sb.reverse().toString();
    }
}
