package org.v2vwrapper.v2vlog;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns an ESXi file path into the datastore path VMware tools (and {@code source_disks}) use. */
final class VmwarePaths {

    private static final Pattern VMFS = Pattern.compile("/vmfs/volumes/([^/]+)/(.+?)(?:-flat)?\\.vmdk");

    private VmwarePaths() {
    }

    /**
     * {@code /vmfs/volumes/<ds>/<vm>/<disk>(-flat).vmdk} becomes {@code [<ds>] <vm>/<disk>.vmdk}; any other path is
     * returned unchanged.
     */
    static String datastorePath(String path) {
        if (!path.startsWith("/vmfs/volumes/")) {
            return path;
        }
        Matcher m = VMFS.matcher(path);
        return m.matches() ? "[" + m.group(1) + "] " + m.group(2) + ".vmdk" : path;
    }
}
