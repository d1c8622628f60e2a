package org.v2vwrapper.output.local;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.precopy.DestinationDisks;
import org.v2vwrapper.precopy.DiskSpec;
import org.v2vwrapper.precopy.PreparedDisk;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Two-phase to {@code local_output_dir}: one raw sparse file {@code <dir>/<vm_name>-sd<a,b,…>} per disk, of the
 * disk's capacity. The run makes them (never overwrites an existing file) and, when it fails, removes exactly the
 * files it made.
 */
public final class LocalDestinationDisks implements DestinationDisks {
    private static final Logger LOG = LoggerFactory.getLogger(LocalDestinationDisks.class);

    private final Path dir;
    private final String vmName;

    public LocalDestinationDisks(Path dir, String vmName) {
        this.dir = dir;
        this.vmName = vmName;
    }

    /** {@code sda}, …, {@code sdz}, {@code sdaa}, … as virt-v2v names disks. */
    public static String driveName(int index) {
        StringBuilder s = new StringBuilder();
        int i = index;
        do {
            s.insert(0, (char) ('a' + i % 26));
            i = i / 26 - 1;
        } while (i >= 0);
        return "sd" + s;
    }

    public Path fileFor(int index) {
        return dir.resolve(vmName + "-" + driveName(index));
    }

    @Override
    public void check(RunContext ctx) throws ConversionException {
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new ConversionException("local_output_dir: " + dir + " is not a writable directory");
        }
    }

    @Override
    public List<PreparedDisk> create(RunContext ctx, List<DiskSpec> disks) throws ConversionException, IOException {
        List<PreparedDisk> out = new ArrayList<>();
        for (DiskSpec spec : disks) {
            Path file = fileFor(spec.index());
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new ConversionException("local_output_dir: " + file + " exists already; the wrapper does not"
                        + " overwrite it");
            }
            Files.createFile(file);
            ctx.onFailure("destination disk " + file, () -> {
                LOG.info("removing the partial destination disk {}", file);
                Files.deleteIfExists(file);
            });
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(spec.capacityBytes());
            }
            LOG.info("destination disk {}: {} bytes (sparse)", file, spec.capacityBytes());
            out.add(new PreparedDisk(spec, file, Optional.empty()));
        }
        return out;
    }
}
