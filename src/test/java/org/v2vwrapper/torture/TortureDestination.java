package org.v2vwrapper.torture;

import org.v2vwrapper.e2e.Scenario;
import org.v2vwrapper.e2e.WrapperRun;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * One itinerary the torture driver kills at random moments: the request, what the fake virt-v2v does in
 * iteration {@code i}, the extra launcher arguments, and what is left on the destination's fake at the end.
 * Cold runs with each destination ({@link LocalDestination}, {@link OvirtDestination},
 * {@link OpenstackDestination}), warm pre-copy to local ({@link WarmDestination}) and OpenStack→OpenStack
 * ({@link Osp2OspDestination}).
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

    /** The launcher of iteration {@code i} before its start: by default the fake virt-v2v's scenario and the args. */
    default WrapperRun prepare(WrapperRun run, int i) throws IOException {
        run.scenario(scenario(i));
        launcherArgs().forEach(run::arg);
        return run;
    }

    /** Files of the caller (not of the run) that may stay in the run directory, e.g. a trigger file. */
    default Set<String> callerFiles() {
        return Set.of();
    }

    /**
     * Paths in the command line of every process a run of this destination starts, locally or on its fake
     * conversion hosts (besides the torture directory itself): none may be running after the final run.
     */
    default List<String> processMarkers() {
        return List.of();
    }

    /** Right after iteration {@code i} was killed, before the next run: e.g. what its ledger listed then. */
    default void afterKill(int i, Path runDir) throws IOException {
    }

    /**
     * Whether the run's ledger lists every remote object this itinerary makes, so that the final run must leave
     * none. When it does not (yet), the leftovers are counted and reported, not asserted (but see
     * {@link #coveredLeftovers}).
     */
    default boolean ledgerCoversRemoteObjects() {
        return true;
    }

    /**
     * Of the remote leftovers after the final run, those the ledger covers (must be none) when
     * {@link #ledgerCoversRemoteObjects} is false: an itinerary whose ledger covers part of its objects asserts
     * that part.
     */
    default List<String> coveredLeftovers(List<String> remoteLeftovers) {
        return ledgerCoversRemoteObjects() ? remoteLeftovers : List.of();
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
