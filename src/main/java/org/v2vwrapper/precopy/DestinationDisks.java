package org.v2vwrapper.precopy;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.RunContext;

import java.io.IOException;
import java.util.List;

/**
 * Where a two-phase pre-copy writes: one implementation per destination (local files, oVirt disks attached to the
 * conversion host, OpenStack volumes attached to it), in the spirit of virt-v2v's {@code output/} modules.
 */
public interface DestinationDisks {

    /** Checks made before anything is created (the oVirt conversion host is a VM that is up...): exit 1 if not. */
    void check(RunContext ctx) throws ConversionException;

    /**
     * Makes one destination disk per source disk, in order, and waits until each can be written on this host.
     * Registers the removal of what it made with {@link RunContext#onFailure} as it goes (so a failure half way
     * removes exactly what was made) and anything that must go on every exit path with the run's cleanup.
     */
    List<PreparedDisk> create(RunContext ctx, List<DiskSpec> disks) throws ConversionException, IOException;
}
