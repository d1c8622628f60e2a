package org.v2vwrapper.plan;

import org.v2vwrapper.ConversionException;

import java.util.List;
import java.util.Map;

/**
 * How virt-v2v reads the source VM (vddk, ssh, local disk images). One small class per transport, in the
 * spirit of virt-v2v's own {@code input/} modules.
 */
public interface SourceTransport {

    /** The {@code transport_method} this class implements. */
    String name();

    /**
     * virt-v2v's input arguments. May write secret files through {@link PlanContext#secrets()} and start helpers
     * (ssh-agent) whose teardown it registers with {@link PlanContext#cleanup()}; in a dry run it starts nothing.
     */
    List<String> inputArguments(PlanContext ctx) throws ConversionException;

    /** Extra environment for virt-v2v (e.g. {@code SSH_AUTH_SOCK}); called after {@link #inputArguments}. */
    default Map<String, String> environment(PlanContext ctx) {
        return Map.of();
    }
}
