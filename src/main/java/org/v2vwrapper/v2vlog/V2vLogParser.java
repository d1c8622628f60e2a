package org.v2vwrapper.v2vlog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.state.ConversionState;

/**
 * Reads virt-v2v's stdout and stderr, line by line, into a {@link ConversionState}: a pure function of the lines
 * (no I/O, no threads, no clock) for both generations, 1.4x and 2.x. Feed lines through {@link #newStream()} (one
 * per stream, in arrival order) or directly via {@link #line}. Not thread-safe on its own; {@link LogFeed}
 * serialises its streams.
 *
 * <p>Speed matters (a {@code -v -x} log is hundreds of MiB): a line is first classified by its first bytes and
 * by whether it holds a {@code %}; only lines that may matter are decoded into Strings.
 */
public final class V2vLogParser implements LineSplitter.LineSink {

    /**
     * Created on first use: initialising logging costs a noticeable part of a short replay-log run, and the parser
     * logs only anomalies (routine facts go to the state, whose changes the monitor sees).
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(V2vLogParser.class);
    }

    private static final byte[] COPYING_DISK = ByteScan.ascii("Copying disk ");
    private static final byte[] NBDKIT = ByteScan.ascii("nbdkit: ");
    private static final byte[] DEBUG = ByteScan.ascii("debug: ");
    private static final byte[] OPENING_FILE = ByteScan.ascii("Opening file ");
    private static final byte PERCENT = '%';
    private static final byte[] RUNNING_NBDKIT = ByteScan.ascii("running nbdkit:");
    private static final byte[] OPENSTACK = ByteScan.ascii("openstack ");
    private static final byte[] OVERLAY = ByteScan.ascii("overlay source qemu URI: json:");
    private static final byte[] DISPLAY_NAME = ByteScan.ascii("displayName = \"");
    private static final byte[] DISK_ID = ByteScan.ascii("disk.id = '");
    private static final byte[] WARNING = ByteScan.ascii("virt-v2v: warning: ");
    private static final byte ESC = 0x1b;
    private static final byte[] VIRTUAL_SYSTEM = ByteScan.ascii("<VirtualSystem ovf:id='");
    /** How many lines after {@code running nbdkit:} may pass before its argument line (other streams interleave). */
    static final int NBDKIT_ARGS_WINDOW = 4;

    private final ConversionState state;
    private final DiskTracker disks;
    private final Map<String, Integer> ospVolumes = new LinkedHashMap<>();
    private int nbdkitArgsExpected;

    public V2vLogParser(ConversionState state) {
        this.state = state;
        this.disks = new DiskTracker(state);
    }

    /** A byte feed for one of virt-v2v's streams; make one per stream, all of them parse into this parser. */
    public LogFeed newStream() {
        return new LogFeed(this, PERCENT, this);
    }

    /** {@code percent}: index of the line's first {@code %}, or -1 (see {@link LineSplitter}). */
    @Override
    public void line(byte[] b, int s, int e, int percent) {
        if (s == e) {
            return;
        }
        if (percent >= 0) {
            ProgressScan.scan(b, s, e, percent, disks::progress);
        }
        int p = ByteScan.skipSpaces(b, s, e);
        if (p == e) {
            return;
        }
        if (nbdkitArgsExpected > 0) {
            nbdkitArgsExpected--;
            if (ByteScan.indexOf(b, p, e, (byte) '\'') >= 0 && nbdkitArguments(ByteScan.utf8(b, p, e))) {
                nbdkitArgsExpected = 0;
                return;
            }
        }
        int text = PhaseLine.textStart(b, p, e);
        if (text >= 0) {
            p = Ansi.skip(b, text, e);
        }
        if (p < e) {
            dispatch(b, p, e, p == s);
        }
        if (text >= 0) {
            phase(b, text, e);
        }
    }

    /**
     * Line content starting at {@code p} (after indentation and a phase timestamp), chosen by its first byte;
     * {@code column0} if nothing was skipped.
     */
    private void dispatch(byte[] b, int p, int e, boolean column0) {
        switch (b[p]) {
            case 'C':
                if (ByteScan.startsWith(b, p, e, COPYING_DISK)) {
                    copyingDisk(b, p + COPYING_DISK.length, e);
                }
                break;
            case 'n':
                if (ByteScan.startsWith(b, p, e, NBDKIT)) {
                    nbdkitDebug(b, p + NBDKIT.length, e);
                }
                break;
            case 'r':
                if (ByteScan.startsWith(b, p, e, RUNNING_NBDKIT)
                        && ByteScan.skipSpaces(b, p + RUNNING_NBDKIT.length, e) == e) {
                    nbdkitArgsExpected = NBDKIT_ARGS_WINDOW;
                }
                break;
            case 'o':
                if (ByteScan.startsWith(b, p, e, OPENSTACK)) {
                    ospVolume(ByteScan.utf8(b, p, e));
                } else if (ByteScan.startsWith(b, p, e, OVERLAY)) {
                    overlaySource(ByteScan.utf8(b, p + OVERLAY.length, e));
                }
                break;
            case 'd':
                if (ByteScan.startsWith(b, p, e, DISK_ID)) {
                    String id = quotedId(b, p + DISK_ID.length, e);
                    if (id != null) {
                        state.facts().addOvirtDiskId(id);
                    }
                } else if (column0 && ByteScan.startsWith(b, p, e, DISPLAY_NAME)) {
                    // a vmx line as read over ssh; indented, it is part of some other text
                    VmxValue.decode(b, p + DISPLAY_NAME.length, e).ifPresent(state.facts()::setDisplayName);
                }
                break;
            case 'v':
                if (ByteScan.startsWith(b, p, e, WARNING)) {
                    warning(b, p + WARNING.length, e);
                }
                break;
            case ESC:
                // a coloured line on a terminal: "ESC[1;34mvirt-v2v: warning: …"
                int after = Ansi.skip(b, p, e);
                if (after > p && after < e && ByteScan.startsWith(b, after, e, WARNING)) {
                    warning(b, after + WARNING.length, e);
                }
                break;
            case '<':
                int at = ByteScan.indexOf(b, p, e, VIRTUAL_SYSTEM);
                String vmId = at < 0 ? null : quotedId(b, at + VIRTUAL_SYSTEM.length, e);
                if (vmId != null) {
                    state.setVmId(vmId);
                }
                break;
            default:
                break;
        }
    }

    /** {@code virt-v2v: warning: TEXT}: a warning for the state file (its first line, if virt-v2v wrapped it). */
    private void warning(byte[] b, int text, int e) {
        state.addWarning(Ansi.strip(ByteScan.utf8(b, text, e)).replace("\r", ""));
    }

    /** {@code [  12.3] Text}: the human phase; {@code Copying disk N/M to …} is shortened to its first words. */
    private void phase(byte[] b, int text, int e) {
        String status = Ansi.strip(ByteScan.utf8(b, text, e)).strip();
        if (status.startsWith("Copying disk ")) {
            int to = status.indexOf(" to ");
            status = to > 0 ? status.substring(0, to) : status;
        }
        if (!status.isEmpty()) {
            state.setStatus(status);
        }
    }

    /** {@code N/M…} after {@code Copying disk }. */
    private void copyingDisk(byte[] b, int p, int e) {
        int n = 0;
        int i = p;
        for (; i < e && ByteScan.isDigit(b[i]) && i - p < 6; i++) {
            n = n * 10 + (b[i] - '0');
        }
        if (i == p || i >= e || b[i] != '/') {
            return;
        }
        int m = 0;
        int j = ++i;
        for (; j < e && ByteScan.isDigit(b[j]) && j - i < 6; j++) {
            m = m * 10 + (b[j] - '0');
        }
        if (j == i || n < 1 || n > m || (j < e && ByteScan.isDigit(b[j]))) {
            return;
        }
        disks.begin(n - 1, m);
    }

    /**
     * After {@code nbdkit: }, either {@code debug: …} or {@code <plugin>[N]: debug: …}; the one message of interest is
     * VDDK's {@code Opening file <path> (<transport>://<path>@<host>:<port>)}. Fixed-place comparisons and one short
     * search for the blank after the plugin name: nbdkit lines are a large share of a verbose log.
     */
    private void nbdkitDebug(byte[] b, int p, int e) {
        if (!ByteScan.startsWith(b, p, e, DEBUG)) {
            int space = ByteScan.indexOf(b, p, Math.min(e, p + 64), (byte) ' ');
            if (space < 0 || !ByteScan.startsWith(b, space + 1, e, DEBUG)) {
                return;
            }
            p = space + 1;
        }
        p += DEBUG.length;
        if (ByteScan.startsWith(b, p, e, OPENING_FILE)) {
            String path = VddkOpen.path(ByteScan.utf8(b, p + OPENING_FILE.length, e));
            if (!path.isEmpty()) {
                disks.path(path);
            }
        }
    }

    /** 2.x: the argument line of a {@code running nbdkit:} block; true if it was one. */
    private boolean nbdkitArguments(String line) {
        if (!line.contains("nbdkit")) {
            return false;
        }
        NbdkitInput input = NbdkitInput.parse(line);
        if (input != null) {
            disks.inputPath(input.index(), input.path());
        }
        return true;
    }

    /** 1.40 ssh input: the overlay's backing file, unless it is an nbd socket (VDDK, 1.42+). */
    private void overlaySource(String json) {
        try {
            JsonNode uri = Json.MAPPER.readTree(json);
            String path = uri.path("file.path").asText("");
            if (!path.isEmpty() && !"nbd".equals(uri.path("file.driver").asText())) {
                disks.path(VmwarePaths.datastorePath(path));
            }
        } catch (JsonProcessingException ex) {
            Log.LOG.warn("unreadable overlay source URI: {}", ex.getOriginalMessage());
        }
    }

    /** The id up to the closing {@code '}, as in {@code disk.id = '<id>'} and {@code ovf:id='<id>'}, or null. */
    private static String quotedId(byte[] b, int from, int e) {
        int close = ByteScan.indexOf(b, from, e, (byte) '\'');
        String id = close < 0 ? null : ByteScan.utf8(b, from, close);
        return id != null && Ids.isId(id) ? id : null;
    }

    /**
     * {@code volume set --property virt_v2v_disk_index=N/M} maps a volume to its disk for sure; {@code volume show}
     * (polled while each volume is created, in disk order) gives a provisional index for volumes not yet mapped.
     */
    private void ospVolume(String line) {
        OspVolumeLine v = OspVolumeLine.parse(line);
        if (v == null) {
            return;
        }
        if (v.diskIndex() > 0) {
            ospVolumes.put(v.volumeId(), v.diskIndex());
            state.facts().putOspVolumeId(v.diskIndex(), v.volumeId());
        } else if (!ospVolumes.containsKey(v.volumeId())) {
            int index = ospVolumes.size() + 1;
            ospVolumes.put(v.volumeId(), index);
            state.facts().putOspVolumeId(index, v.volumeId());
        }
    }
}
