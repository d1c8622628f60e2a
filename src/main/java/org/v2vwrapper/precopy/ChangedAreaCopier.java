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
 * requests of at most {@link Settings#maxRequestSize} with several in flight, within
 * {@link #BUFFER_BUDGET}; a failed read fails the copy; the
 * destination is flushed to stable storage at the end.
 */
public final class ChangedAreaCopier {
    /** vCenter's NFC answers larger reads with "Failed to allocate" errors. */
    public static final int VCENTER_MAX_REQUEST = 2 * 1024 * 1024;
    /** What ESXi serves in one read. */
    public static final int ESXI_MAX_REQUEST = 23 * 1024 * 1024;
    /**
     * Read buffers are direct memory and resident for the whole copy (allocateDirect zero-fills them), so they
     * count fully against the wrapper's memory target (64 MB, docs/performance.md): requests in flight × request
     * size of all the copies of a run at once stay within this. 16 MiB keeps 4 vCenter requests in flight per disk
     * with two disks copying; {@code -Dv2v-wrapper.precopy-buffer-mib=N} changes it (benchmarks).
     */
    public static final long BUFFER_BUDGET =
            Math.max(1, Long.getLong("v2v-wrapper.precopy-buffer-mib", 16)) * 1024 * 1024;
    static final int MAX_IN_FLIGHT = 16;
    /** Requests are cut to fit the budget in multiples of this. */
    static final int REQUEST_GRAIN = 64 * 1024;

    /** Request size and requests in flight of one copy. */
    public record Settings(int maxRequestSize, int requestsInFlight) {
        public Settings {
            if (maxRequestSize < 512 || requestsInFlight < 1) {
                throw new IllegalArgumentException("maxRequestSize >= 512 and requestsInFlight >= 1 required");
            }
        }

        /**
         * Requests of at most 2 MiB against vCenter, 23 MiB against ESXi (what each serves in one read), within
         * {@code budget} bytes of buffers.
         */
        public static Settings forSource(VsphereEndpoint.Kind kind, long budget) {
            return of(kind == VsphereEndpoint.Kind.VCENTER ? VCENTER_MAX_REQUEST : ESXI_MAX_REQUEST, budget);
        }

        public static Settings forSource(VsphereEndpoint.Kind kind) {
            return forSource(kind, BUFFER_BUDGET);
        }

        public static Settings of(int maxRequestSize) {
            return of(maxRequestSize, BUFFER_BUDGET);
        }

        /**
         * At least two requests in flight (one being written while the next is read), as many more as the budget
         * allows up to {@link #MAX_IN_FLIGHT}; where two of {@code maxRequestSize} do not fit, the requests are made
         * smaller (a read smaller than the source's maximum is always valid) rather than the budget exceeded.
         */
        public static Settings of(int maxRequestSize, long budget) {
            int inFlight = (int) Math.max(2, Math.min(MAX_IN_FLIGHT, budget / maxRequestSize));
            long fits = budget / inFlight / REQUEST_GRAIN * REQUEST_GRAIN;
            int size = (int) Math.min(maxRequestSize, Math.max(REQUEST_GRAIN, fits));
            return new Settings(size, inFlight);
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
