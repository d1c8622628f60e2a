package org.v2vwrapper.output;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.convert.ConvertedGuest;
import org.v2vwrapper.convert.LocalDomainXml;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.precopy.TwoPhaseFinish;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Two-phase to {@code local_output_dir} on virt-v2v 2.x: {@code <local_output_dir>/<vm_name>.xml}, a libvirt
 * domain of the converted disks (virtio where the guest has the drivers, else what virt-v2v chose), usable with
 * {@code virsh define}. No VM id exists, as in one-phase {@code -o local}.
 */
public final class LocalTwoPhaseFinish implements TwoPhaseFinish {
    private static final Logger LOG = LoggerFactory.getLogger(LocalTwoPhaseFinish.class);

    private final Path directory;

    public LocalTwoPhaseFinish(Path directory) {
        this.directory = directory;
    }

    @Override
    public String describe() {
        return "libvirt domain XML " + directory.resolve("<vm_name>.xml") + " beside the converted disks";
    }

    @Override
    public Optional<String> finish(RunContext ctx, PreCopyResult result, ConvertedGuest guest)
            throws ConversionException, IOException {
        List<Path> disks = result.disks().stream().sorted(Comparator.comparingInt(d -> d.spec().index()))
                .map(PreparedDisk::localPath).toList();
        Path xml = directory.resolve(guest.hardware().name() + ".xml");
        if (!Files.exists(xml)) {
            // Only what this run wrote: an XML that was there before is left alone (it is overwritten, though).
            ctx.onFailure("the local domain XML", () -> {
                Files.deleteIfExists(xml);
                LOG.info("local cleanup: removed {}", xml);
            });
        }
        try {
            LocalDomainXml.write(directory, guest.hardware(), guest.caps(), guest.uefi(), disks,
                    ctx.request().networkMappings());
        } catch (IOException e) {
            throw new ConversionException("writing the local domain XML " + xml + ": " + e.getMessage(), e);
        }
        LOG.info("local domain XML written: {}", xml);
        return Optional.empty();
    }
}
