package org.v2vwrapper.v2vlog;

import java.util.List;

/**
 * An {@code openstack … volume show|set …} command that virt-v2v's {@code -o openstack} echoes with {@code -v}, plain
 * (1.40+) or with every word quoted (up to 1.38). The volume id is the last word.
 *
 * @param volumeId  the Cinder volume
 * @param diskIndex 1-based disk index from {@code --property virt_v2v_disk_index=N/M} of {@code volume set}, or 0
 *                  for {@code volume show}, which only tells the order in which volumes were created
 */
record OspVolumeLine(String volumeId, int diskIndex) {

    private static final String INDEX_PROPERTY = "virt_v2v_disk_index=";

    /** Null unless the line is {@code openstack … volume show|set … <uuid>}. */
    static OspVolumeLine parse(String line) {
        List<String> words = ShellWords.split(line);
        if (words.size() < 4 || !words.get(0).equals("openstack")) {
            return null;
        }
        int volume = words.indexOf("volume");
        if (volume < 0 || volume + 1 >= words.size()) {
            return null;
        }
        String id = words.get(words.size() - 1);
        if (!Ids.isId(id)) {
            return null;
        }
        switch (words.get(volume + 1)) {
            case "show":
                return new OspVolumeLine(id, 0);
            case "set":
                for (String w : words) {
                    if (w.startsWith(INDEX_PROPERTY)) {
                        int index = diskIndex(w.substring(INDEX_PROPERTY.length()));
                        return index > 0 ? new OspVolumeLine(id, index) : null;
                    }
                }
                return null;
            default:
                return null;
        }
    }

    /** N of {@code N/M}, or 0. */
    private static int diskIndex(String nOfM) {
        int slash = nOfM.indexOf('/');
        try {
            return slash > 0 ? Integer.parseInt(nOfM.substring(0, slash)) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
