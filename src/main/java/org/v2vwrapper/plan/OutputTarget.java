package org.v2vwrapper.plan;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.state.ConversionState;

import java.util.List;
import java.util.Map;

/**
 * Where the converted VM goes (oVirt/RHV, OpenStack, a local directory). One small class per target, in the
 * spirit of virt-v2v's own {@code output/} modules. The lifecycle, driven by the runner:
 * {@link #validate} → {@link #outputArguments} → virt-v2v runs → {@link #finish} on success or
 * {@link #cleanupAfterFailure} on failure (also after SIGTERM) → {@link #close()}.
 */
public interface OutputTarget extends AutoCloseable {

    /** A short name for logs: {@code rhv}, {@code openstack}, {@code local}. */
    String name();

    /**
     * Checks the destination before anything starts (names free, storage and networks exist...). May settle
     * choices the request left open (e.g. allocation from the storage domain type). Not called in a dry run.
     * A failure here means exit 1: nothing was changed.
     */
    default void validate(PlanContext ctx, ConversionState state) throws ConversionException {
    }

    /** virt-v2v's output arguments (after {@link #validate} in a real run). */
    List<String> outputArguments(PlanContext ctx) throws ConversionException;

    /** Extra environment for virt-v2v (e.g. the {@code OS_*} variables). */
    default Map<String, String> environment(PlanContext ctx) {
        return Map.of();
    }

    /**
     * virt-v2v succeeded: finish the job (check the VM the log named, create the instance...) and set
     * {@code vm_id}. A failure here fails the run and is followed by {@link #cleanupAfterFailure}.
     */
    default void finish(PlanContext ctx, ConversionState state) throws ConversionException {
    }

    /**
     * While virt-v2v runs (about once a second) and before {@link #cleanupAfterFailure}: put what virt-v2v was
     * seen to create remotely (disk or volume ids from its log) into {@code ctx.ledger()}.
     */
    default void track(PlanContext ctx, ConversionState state) {
    }

    /**
     * The run failed or was stopped: remove what it left on the destination. Must not throw; logs its own
     * errors and never replaces the original failure's {@code last_message}.
     */
    default void cleanupAfterFailure(PlanContext ctx, ConversionState state) {
    }

    /** Releases connections (revokes tokens). Called on every exit path. */
    @Override
    default void close() {
    }
}
