package org.v2vwrapper.output;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.output.rhv.OvirtCallException;
import org.v2vwrapper.output.rhv.OvirtCleanup;
import org.v2vwrapper.output.rhv.OvirtConnectionFactory;
import org.v2vwrapper.output.rhv.OvirtEndpoint;
import org.v2vwrapper.output.rhv.OvirtSession;
import org.v2vwrapper.output.rhv.OvirtValidator;
import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.request.Allocation;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.RhvDestination;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * oVirt/RHV API upload ({@code rhv_url}): virt-v2v's {@code -o rhv-upload}, with checks on the engine before
 * (VM name free, storage domain and cluster exist, allocation from the storage type), a check of the new VM after,
 * and removal of the uploaded disks after a failure. All engine traffic goes through ovirt-engine-sdk-java in
 * {@code org.v2vwrapper.output.rhv}.
 */
public class RhvTarget implements OutputTarget {
    private static final Logger LOG = LoggerFactory.getLogger(RhvTarget.class);

    private final OvirtConnectionFactory connections;

    private OvirtSession session;
    private OvirtEndpoint endpoint;
    private volatile Allocation allocation;
    private Path passwordFile;

    public RhvTarget() {
        this(new OvirtConnectionFactory());
    }

    public RhvTarget(OvirtConnectionFactory connections) {
        this.connections = connections;
    }

    @Override
    public String name() {
        return "rhv";
    }

    private static RhvDestination rhv(PlanContext ctx) throws ConversionException {
        return ctx.request().rhv().orElseThrow(() -> new ConversionException("the request has no rhv_url"));
    }

    private synchronized OvirtEndpoint endpoint(PlanContext ctx) throws ConversionException {
        if (endpoint == null) {
            endpoint = OvirtEndpoint.of(rhv(ctx), ctx.request().insecureConnection(), ctx.settings().caBundle());
        }
        return endpoint;
    }

    /** The open session, connecting (and logging in) first if needed. */
    private synchronized OvirtSession session(PlanContext ctx) throws ConversionException {
        if (session == null) {
            session = connections.open(endpoint(ctx));
        }
        return session;
    }

    @Override
    public void validate(PlanContext ctx, ConversionState state) throws ConversionException {
        ConversionRequest request = ctx.request();
        RhvDestination rhv = rhv(ctx);
        state.setStatus("Checking the oVirt engine");
        OvirtValidator.Result result = OvirtValidator.validate(session(ctx), request.vmName(), rhv.storage(),
                rhv.cluster(), request.allocation());
        allocation = result.allocation();
    }

    /** The allocation for {@code -oa}: settled by {@link #validate}, else (dry run) the request's, else none. */
    public Optional<Allocation> allocation(ConversionRequest request) {
        Allocation chosen = allocation;
        return chosen != null ? Optional.of(chosen) : request.allocation();
    }

    @Override
    public synchronized List<String> outputArguments(PlanContext ctx) throws ConversionException {
        ConversionRequest request = ctx.request();
        RhvDestination rhv = rhv(ctx);
        if (passwordFile == null) {
            try {
                passwordFile = ctx.secrets().write("rhv_password", rhv.password());
            } catch (IOException e) {
                throw new ConversionException("cannot write the oVirt password file: " + e.getMessage(), e);
            }
        }
        List<String> args = new ArrayList<>(List.of("--bridge", "ovirtmgmt", "-of", request.outputFormat().v2vName()));
        allocation(request).ifPresent(a -> args.addAll(List.of("-oa", a.v2vName())));
        args.addAll(List.of(
                "-o", "rhv-upload",
                "-oc", OvirtEndpoint.forVirtV2v(rhv.url()),
                "-os", rhv.storage(),
                "-op", passwordFile.toString(),
                "-oo", "rhv-cafile=" + ctx.settings().caBundle(),
                "-oo", "rhv-cluster=" + rhv.cluster(),
                "-oo", "rhv-direct",
                "-oo", "rhv-verifypeer=" + !request.insecureConnection()));
        return args;
    }

    @Override
    public void finish(PlanContext ctx, ConversionState state) throws ConversionException {
        OvirtEndpoint engine = endpoint(ctx);
        Optional<String> vmId = state.vmId();
        if (vmId.isEmpty()) {
            throw new ConversionException("virt-v2v finished but its log named no VM id, so the new VM cannot be"
                    + " checked on the oVirt engine at " + engine.apiUrl());
        }
        state.setStatus("Checking the VM on the oVirt engine");
        try {
            var vm = session(ctx).vm(vmId.get());
            if (vm.isEmpty()) {
                throw new ConversionException("the oVirt engine at " + engine.apiUrl() + " has no VM with the id "
                        + vmId.get() + " that virt-v2v reported");
            }
            String name = vm.get().name();
            if (name != null && !name.equals(ctx.request().vmName())) {
                LOG.warn("the new VM {} is called '{}', not '{}'", vmId.get(), name, ctx.request().vmName());
            }
            LOG.info("the oVirt engine at {} has the new VM {} ('{}')", engine.apiUrl(), vmId.get(), name);
            // The disks are the new VM's now: nothing to clean up.
            String where = ledgerWhere(engine);
            ctx.ledger().forgetOwn(e -> e.where().equals(where));
        } catch (OvirtCallException e) {
            throw new ConversionException(e.getMessage(), e);
        }
    }

    /** Where the ledger says this target's objects live. */
    public static String ledgerWhere(OvirtEndpoint engine) {
        return RemoteLedger.where("rhv", engine.apiUrl().toString());
    }

    /** The disks virt-v2v's log named go into the ledger (once each). */
    @Override
    public void track(PlanContext ctx, ConversionState state) {
        List<String> diskIds = state.facts().ovirtDiskIds();
        if (diskIds.isEmpty()) {
            return;
        }
        try {
            String where = ledgerWhere(endpoint(ctx));
            for (String id : diskIds) {
                ctx.ledger().record(Kinds.OVIRT_DISK, where, id, Map.of("vm_name", ctx.request().vmName()));
            }
        } catch (ConversionException | RuntimeException e) {
            LOG.warn("cannot record the oVirt disks in the ledger: {}", e.getMessage());
        }
    }

    @Override
    public void cleanupAfterFailure(PlanContext ctx, ConversionState state) {
        track(ctx, state);
        try {
            List<String> diskIds = state.facts().ovirtDiskIds();
            if (diskIds.isEmpty()) {
                LOG.info("oVirt cleanup: virt-v2v reported no disks, nothing to remove");
                return;
            }
            if (state.vmId().isPresent()) {
                LOG.warn("oVirt cleanup: VM {} was created; it is left in place, its disks may not be removable",
                        state.vmId().get());
            }
            OvirtSession s;
            try {
                s = session(ctx);
            } catch (ConversionException e) {
                LOG.error("oVirt cleanup: disks {} are left on the engine: {}", diskIds, e.getMessage());
                noteLeftovers(state, diskIds);
                return;
            }
            OvirtCleanup.Outcome outcome = new OvirtCleanup(s, connections.timeouts()).run(diskIds);
            for (String id : diskIds) {
                if (!outcome.leftDisks().contains(id)) {
                    ctx.ledger().done(Kinds.OVIRT_DISK, id);
                }
            }
            if (!outcome.complete()) {
                noteLeftovers(state, outcome.leftDisks());
            }
        } catch (RuntimeException e) {
            LOG.error("oVirt cleanup failed: {}", e.toString(), e);
        }
    }

    /** A warning for the caller, only if nothing was said yet: the original failure always wins. */
    private static void noteLeftovers(ConversionState state, List<String> disks) {
        if (state.lastMessage().isEmpty()) {
            state.setLastMessage(new LastMessage("oVirt cleanup could not remove disks " + String.join(", ", disks),
                    LastMessage.Type.WARNING));
        }
    }

    @Override
    public void close() {
        OvirtSession s;
        synchronized (this) {
            s = session;
            session = null;
        }
        if (s != null) {
            s.close();
        }
    }
}
