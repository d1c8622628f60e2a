package org.v2vwrapper.plan;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LogFacts;

import java.util.List;
import java.util.Map;

/**
 * Where the converted VM goes (oVirt/RHV, OpenStack, a local directory). One small class per target, in the
 * spirit of virt-v2v's own {@code output/} modules. A target is stateless; what later calls need (the session,
 * the settled allocation, the password file) is what {@link #validate} returns, in final fields. The lifecycle,
 * driven by the runner: {@link #validate} → {@link Validated#outputArguments} → virt-v2v runs →
 * {@link Validated#finish} on success or {@link Validated#cleanupAfterFailure} on failure (also after SIGTERM)
 * → {@link Validated#close()}. A dry run and the command preview use {@link #offline} instead.
 */
public interface OutputTarget {

    /** A short name for logs: {@code rhv}, {@code openstack}, {@code local}. */
    String name();

    /**
     * Checks the destination before anything starts (names free, storage and networks exist...), settles the
     * choices the request left open (e.g. allocation from the storage domain type) and writes what virt-v2v
     * will read (the password file). A failure here means exit 1: nothing was changed, and whatever this call
     * opened is closed again.
     */
    Validated validate(PlanContext ctx, ConversionState state) throws ConversionException;

    /**
     * The target as a dry run or a command preview sees it: contacts nothing, writes nothing; the output
     * arguments use only the request (secrets as placeholders). Its finish and cleanup do nothing.
     */
    Validated offline(PlanContext ctx) throws ConversionException;

    /** A target after {@link #validate} (or {@link #offline}): everything the rest of the run needs. */
    interface Validated extends AutoCloseable {

        /** virt-v2v's output arguments. */
        List<String> outputArguments();

        /** Extra environment for virt-v2v (e.g. the {@code OS_*} variables). */
        default Map<String, String> environment() {
            return Map.of();
        }

        /**
         * virt-v2v succeeded: finish the job (check the VM the log named, create the instance...) with what the
         * log parser learnt ({@code facts}), and set {@code vm_id}. A failure here fails the run and is followed
         * by {@link #cleanupAfterFailure}.
         */
        default void finish(ConversionState state, LogFacts facts) throws ConversionException {
        }

        /**
         * While virt-v2v runs (a few times a second) and when it has ended: put what virt-v2v was seen to create
         * remotely (the disk or volume ids in {@code facts}, from its log) into the run's ledger, so that a run
         * killed with SIGKILL can be cleaned up by the next one.
         */
        default void track(ConversionState state, LogFacts facts) {
        }

        /**
         * The run failed or was stopped: remove what it left on the destination ({@code facts} names what
         * virt-v2v created). Must not throw; logs its own errors and never replaces the original failure's
         * {@code last_message}.
         */
        default void cleanupAfterFailure(ConversionState state, LogFacts facts) {
        }

        /** Releases connections (revokes tokens). Called on every exit path. */
        @Override
        default void close() {
        }
    }
}
