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

    /** virt-v2v's input arguments and the environment they need (e.g. {@code SSH_AUTH_SOCK}), made together. */
    record Input(List<String> argv, Map<String, String> environment) {
        public Input {
            argv = List.copyOf(argv);
            environment = Map.copyOf(environment);
        }

        public static Input of(List<String> argv) {
            return new Input(argv, Map.of());
        }
    }

    /**
     * virt-v2v's input. May write secret files through {@link PlanContext#secrets()} and start helpers
     * (ssh-agent) whose teardown it registers with {@link PlanContext#cleanup()}; in a dry run it starts nothing.
     */
    Input input(PlanContext ctx) throws ConversionException;
}
