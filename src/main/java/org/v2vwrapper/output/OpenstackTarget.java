package org.v2vwrapper.output;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.output.osp.OspConversion;
import org.v2vwrapper.output.osp.OspTimeouts;
import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.request.OspDestination;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LogFacts;

/**
 * OpenStack output ({@code osp_environment}): virt-v2v writes the disks into Cinder volumes in the conversion
 * host's project ({@code -o openstack}); afterwards the volumes move to {@code osp_destination_project_id} and
 * the instance is created there. The OpenStack work itself lives in {@link OspConversion}.
 */
public final class OpenstackTarget implements OutputTarget {
    private static final Logger LOG = LoggerFactory.getLogger(OpenstackTarget.class);

    private final OspTimeouts timeouts;

    public OpenstackTarget() {
        this(OspTimeouts.defaults());
    }

    /** For tests: short timeouts, a fake clock or sleeper. */
    public OpenstackTarget(OspTimeouts timeouts) {
        this.timeouts = Objects.requireNonNull(timeouts);
    }

    @Override
    public String name() {
        return "openstack";
    }

    private static OspDestination osp(PlanContext ctx) throws ConversionException {
        return ctx.request().osp().orElseThrow(() -> new ConversionException("the request has no osp_environment"));
    }

    /** {@code osp_guest_id}, or a UUID made once for this run: virt-v2v tags the volumes with it. */
    private static String guestId(PlanContext ctx) throws ConversionException {
        return osp(ctx).guestId().orElse(UUID.randomUUID().toString());
    }

    @Override
    public Validated validate(PlanContext ctx, ConversionState state) throws ConversionException {
        state.setStatus("Checking OpenStack");
        String guestId = guestId(ctx);
        OspConversion conversion = new OspConversion(ctx.request(), guestId, timeouts);
        try {
            conversion.persistTo(ctx.ledger());
            conversion.validate();
        } catch (ConversionException | RuntimeException e) {
            conversion.close();
            throw e;
        }
        return new Checked(this, ctx, guestId, Optional.of(conversion));
    }

    /** Dry run: the arguments and environment only; finish and cleanup do nothing. */
    @Override
    public Validated offline(PlanContext ctx) throws ConversionException {
        return new Checked(this, ctx, guestId(ctx), Optional.empty());
    }

    /** The checked destination: this run's guest id and its conversion (empty offline). */
    private static final class Checked implements Validated {
        private final OpenstackTarget target;
        private final PlanContext ctx;
        private final String guestId;
        private final Optional<OspConversion> conversion;
        private final AtomicBoolean cleanedUp = new AtomicBoolean();

        Checked(OpenstackTarget target, PlanContext ctx, String guestId, Optional<OspConversion> conversion) {
            this.target = target;
            this.ctx = ctx;
            this.guestId = guestId;
            this.conversion = conversion;
        }

        @Override
        public List<String> outputArguments() {
            // virt-v2v will make volumes tagged with this guest id: a replay after SIGKILL finds them by the tag.
            conversion.ifPresent(OspConversion::intendTaggedVolumes);
            return OpenstackTarget.outputArguments(ctx, guestId);
        }

        @Override
        public void track(ConversionState state, LogFacts facts) {
            try {
                conversion.ifPresent(c -> c.track(facts));
            } catch (RuntimeException e) {
                LOG.warn("cannot record the OpenStack volumes in the ledger: {}", e.getMessage());
            }
        }

        @Override
        public Map<String, String> environment() {
            return OpenstackTarget.environment(ctx);
        }

        @Override
        public void finish(ConversionState state, LogFacts facts) throws ConversionException {
            if (conversion.isPresent()) {
                target.finish(conversion.get(), state, facts);
            }
        }

        @Override
        public void cleanupAfterFailure(ConversionState state, LogFacts facts) {
            if (conversion.isPresent()) {
                target.cleanupAfterFailure(conversion.get(), cleanedUp, state, facts);
            }
        }

        @Override
        public void close() {
            conversion.ifPresent(OspConversion::close);
        }
    }

    private static List<String> outputArguments(PlanContext ctx, String guestId) {
        OspDestination osp = ctx.request().osp().orElseThrow();
        List<String> args = new ArrayList<>(List.of("-o", "openstack",
                "-oo", "server-id=" + osp.serverId(),
                "-oo", "guest-id=" + guestId));
        if (osp.volumeTypeId().isPresent()) {
            args.addAll(List.of("-os", osp.volumeTypeId().get()));
        }
        if (ctx.request().insecureConnection()) {
            args.addAll(List.of("-oo", "verify-server-certificate=false"));
        }
        return args;
    }

    /** The {@code osp_environment} settings as {@code OS_*} variables: the password never goes on argv. */
    private static Map<String, String> environment(PlanContext ctx) {
        return ctx.request().osp().map(o -> (Map<String, String>) new LinkedHashMap<>(o.environment().variables()))
                .orElse(Map.of());
    }

    private void finish(OspConversion conversion, ConversionState state, LogFacts facts) throws ConversionException {
        conversion.finish(state, facts);
        conversion.succeeded();
    }

    private void cleanupAfterFailure(OspConversion conversion, AtomicBoolean cleanedUp, ConversionState state,
                                     LogFacts facts) {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        try {
            conversion.cleanup(state, facts);
        } catch (ConversionException | RuntimeException e) {
            LOG.warn("OpenStack cleanup failed: {}", e.getMessage(), e);
        }
    }
}
