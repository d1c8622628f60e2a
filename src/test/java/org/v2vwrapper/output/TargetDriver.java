package org.v2vwrapper.output;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.state.ConversionState;

import java.util.List;
import java.util.Map;

/**
 * Drives one target through its lifecycle as the runner does, for the target tests: {@link #validate} keeps the
 * {@link OutputTarget.Validated} for the later calls; the argument calls without a validation use
 * {@link OutputTarget#offline} (as a dry run does), once; finish and cleanup pass the state's log facts.
 */
public final class TargetDriver implements AutoCloseable {
    private final OutputTarget target;
    private OutputTarget.Validated validated;

    public TargetDriver(OutputTarget target) {
        this.target = target;
    }

    public void validate(PlanContext ctx, ConversionState state) throws ConversionException {
        close();
        validated = target.validate(ctx, state);
    }

    private OutputTarget.Validated current(PlanContext ctx) throws ConversionException {
        if (validated == null) {
            validated = target.offline(ctx);
        }
        return validated;
    }

    public List<String> outputArguments(PlanContext ctx) throws ConversionException {
        return current(ctx).outputArguments();
    }

    public Map<String, String> environment(PlanContext ctx) throws ConversionException {
        return current(ctx).environment();
    }

    public void finish(PlanContext ctx, ConversionState state) throws ConversionException {
        current(ctx).finish(state, state.facts());
    }

    public void cleanupAfterFailure(PlanContext ctx, ConversionState state) {
        try {
            current(ctx).cleanupAfterFailure(state, state.facts());
        } catch (ConversionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (validated != null) {
            validated.close();
            validated = null;
        }
    }
}
