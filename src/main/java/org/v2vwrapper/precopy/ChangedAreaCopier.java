package org.v2vwrapper.precopy;

import org.v2vwrapper.nbd.CopyOptions;
import org.v2vwrapper.nbd.CopyProgress;
import org.v2vwrapper.nbd.CopyResult;
import org.v2vwrapper.nbd.DiskCopier;
import org.v2vwrapper.nbd.Extent;
import org.v2vwrapper.nbd.NbdClient;
import org.v2vwrapper.vsphere.ChangedArea;
import org.v2vwrapper.vsphere.VsphereEndpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One pre-copy of a disk: the changed areas {@code QueryChangedDiskAreas} reported, read from the snapshot's NBD
 * export and written at the same offsets into the destination disk (a file or block device made beforehand),
 * everything else of the destination left as it was.
 *
 * <p>The work is the project's {@link DiskCopier}: block status first, so ranges the server reports as zero
 * (nbdkit vddk reports unallocated ranges as hole and zero) are punched or zeroed instead of read; data in
 * requests of at most {@link Settings#maxRequestSize} with several in flight; a failed read fails the copy; the
 * destination is flushed to stable storage at the end.
 */
public final class ChangedAreaCopier {
    /** vCenter's NFC answers larger reads with "Failed to allocate" errors. */
    public static final int VCENTER_MAX_REQUEST = 2 * 1024 * 1024;
    /** What ESXi serves in one read. */
    public static final int ESXI_MAX_REQUEST = 23 * 1024 * 1024;
    /**
     * Read buffers are direct memory, which the JVM caps at the heap size (the launcher runs with -Xmx64m):
     * requests in flight × request size stay within this.
     */
    public static final long BUFFER_BUDGET = 48L * 1024 * 1024;
    static final int MAX_IN_FLIGHT = 16;

    /** Request size and requests in flight of one copy. */
    public record Settings(int maxRequestSize, int requestsInFlight) {
        public Settings {
            if (maxRequestSize < 512 || requestsInFlight < 1) {
                throw new IllegalArgumentException("maxRequestSize >= 512 and requestsInFlight >= 1 required");
            }
        }

        /** 2 MiB requests against vCenter, 23 MiB against ESXi, as many in flight as the buffer budget allows. */
        public static Settings forSource(VsphereEndpoint.Kind kind) {
            return of(kind == VsphereEndpoint.Kind.VCENTER ? VCENTER_MAX_REQUEST : ESXI_MAX_REQUEST);
        }

        public static Settings of(int maxRequestSize) {
            int inFlight = (int) Math.max(2, Math.min(MAX_IN_FLIGHT, BUFFER_BUDGET / maxRequestSize));
            return new Settings(maxRequestSize, inFlight);
        }
    }

    private ChangedAreaCopier() {
    }

    /**
     * Copies {@code areas} (any order, overlaps allowed) from {@code source} into {@code destination}.
     *
     * @throws IOException a read, write or flush failed (the message names the export and the request), or an
     *                     area lies beyond the end of the export
     */
    public static CopyResult copy(NbdClient source, List<ChangedArea> areas, Path destination, Settings settings,
                                  CopyProgress progress) throws IOException {
        List<Extent> extents = areas.stream().map(a -> new Extent(a.start(), a.length())).toList();
        CopyOptions options = new CopyOptions(settings.requestsInFlight(), settings.maxRequestSize(), true);
        return new DiskCopier(source, options, progress).copyExtents(extents, destination);
    }
}
