package org.v2vwrapper.output;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

/**
 * OpenStack output ({@code osp_environment}): virt-v2v writes the disks into Cinder volumes in the conversion
 * host's project ({@code -o openstack}); afterwards the volumes move to {@code osp_destination_project_id} and
 * the instance is created there. The OpenStack work itself lives in {@link OspConversion}.
 */
public final class OpenstackTarget implements OutputTarget {
    private static final Logger LOG = LoggerFactory.getLogger(OpenstackTarget.class);

    private final OspTimeouts timeouts;
    private final String generatedGuestId = UUID.randomUUID().toString();
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    private OspConversion conversion;

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
    public String guestId(PlanContext ctx) throws ConversionException {
        return osp(ctx).guestId().orElse(generatedGuestId);
    }

    private synchronized OspConversion conversion(PlanContext ctx) throws ConversionException {
        if (conversion == null) {
            conversion = new OspConversion(ctx.request(), guestId(ctx), timeouts);
            if (!ctx.dryRun()) {
                conversion.persistTo(ctx.ledger());
            }
        }
        return conversion;
    }

    @Override
    public void validate(PlanContext ctx, ConversionState state) throws ConversionException {
        state.setStatus("Checking OpenStack");
        conversion(ctx).validate();
    }

    @Override
    public List<String> outputArguments(PlanContext ctx) throws ConversionException {
        OspDestination osp = osp(ctx);
        if (!ctx.dryRun()) {
            conversion(ctx).intendTaggedVolumes();
        }
        List<String> args = new ArrayList<>(List.of("-o", "openstack",
                "-oo", "server-id=" + osp.serverId(),
                "-oo", "guest-id=" + guestId(ctx)));
        if (osp.volumeTypeId().isPresent()) {
            args.addAll(List.of("-os", osp.volumeTypeId().get()));
        }
        if (ctx.request().insecureConnection()) {
            args.addAll(List.of("-oo", "verify-server-certificate=false"));
        }
        return args;
    }

    /** The {@code osp_environment} settings as {@code OS_*} variables: the password never goes on argv. */
    @Override
    public Map<String, String> environment(PlanContext ctx) {
        return ctx.request().osp().map(o -> (Map<String, String>) new LinkedHashMap<>(o.environment().variables()))
                .orElse(Map.of());
    }

    @Override
    public void finish(PlanContext ctx, ConversionState state) throws ConversionException {
        conversion(ctx).finish(state);
        conversion(ctx).succeeded();
    }

    @Override
    public void track(PlanContext ctx, ConversionState state) {
        try {
            conversion(ctx).track(state);
        } catch (ConversionException | RuntimeException e) {
            LOG.warn("cannot record the OpenStack volumes in the ledger: {}", e.getMessage());
        }
    }

    @Override
    public void cleanupAfterFailure(PlanContext ctx, ConversionState state) {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        try {
            conversion(ctx).cleanup(state);
        } catch (ConversionException | RuntimeException e) {
            LOG.warn("OpenStack cleanup failed: {}", e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        OspConversion c;
        synchronized (this) {
            c = conversion;
        }
        if (c != null) {
            c.close();
        }
    }
}
