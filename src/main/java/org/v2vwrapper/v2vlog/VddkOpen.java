package org.v2vwrapper.v2vlog;

/**
 * The path in VDDK's {@code Opening file [ds] vm/vm.vmdk (ha-nfcssl://[ds] vm/vm.vmdk@10.0.0.1:902)}. The path may
 * itself contain {@code " ("}, so the cut is where the part in parentheses names that same path.
 */
final class VddkOpen {

    private VddkOpen() {
    }

    static String path(String rest) {
        String line = rest.strip();
        for (int cut = line.indexOf(" ("); cut >= 0; cut = line.indexOf(" (", cut + 1)) {
            if (line.startsWith("://" + line.substring(0, cut) + "@", line.indexOf("://", cut))) {
                return line.substring(0, cut);
            }
        }
        int last = line.lastIndexOf(" (");
        return last >= 0 && line.endsWith(")") ? line.substring(0, last) : line;
    }
}
