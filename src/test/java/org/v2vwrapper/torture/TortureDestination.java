package org.v2vwrapper.torture;

import org.v2vwrapper.e2e.Scenario;

import java.nio.file.Path;
import java.util.List;

/**
 * One itinerary the torture driver kills at random moments: the request, what the fake virt-v2v does in
 * iteration {@code i}, the extra launcher arguments, and what is left on the destination's fake at the end.
 * Cold runs with each destination exist ({@link LocalDestination}, {@link OvirtDestination}); warm and
 * OpenStack→OpenStack itineraries plug in here when they land (a request of their mode, a scenario, a check
 * of their fakes).
 */
public interface TortureDestination extends AutoCloseable {
    String name();

    String request(Path dir);

    /** The request of iteration {@code i} (by default the same for all). */
    default String request(Path dir, int i) {
        return request(dir);
    }

    /** The fake virt-v2v's part of iteration {@code i} (it may create objects on the fake, as virt-v2v would). */
    Scenario scenario(int i);

    /** The exit code of the run after the kills (its scenario runs to the end). */
    default int lastExitCode() {
        return 2;
    }

    default List<String> launcherArgs() {
        return List.of();
    }

    /**
     * Objects the killed runs made on the destination that are still there (ids); after the final run: none.
     * {@code completed}: iterations that ended on their own before the kill came (their VM is a result).
     */
    List<String> remoteLeftovers(int iterations, java.util.Set<Integer> completed);

    @Override
    default void close() {
    }
}
