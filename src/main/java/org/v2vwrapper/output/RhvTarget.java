package org.v2vwrapper.output;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.output.rhv.OvirtCallException;
import org.v2vwrapper.output.rhv.OvirtCleanup;
import org.v2vwrapper.output.rhv.OvirtConnectionFactory;
import org.v2vwrapper.output.rhv.OvirtEndpoint;
import org.v2vwrapper.output.rhv.OvirtSession;
import org.v2vwrapper.output.rhv.OvirtUploadIntent;
import org.v2vwrapper.output.rhv.OvirtValidator;
import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.request.Allocation;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.RhvDestination;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;
import org.v2vwrapper.state.LogFacts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * oVirt/RHV API upload ({@code rhv_url}): virt-v2v's {@code -o rhv-upload}, with checks on the engine before
 * (VM name free, storage domain and cluster exist, allocation from the storage type), a check of the new VM after,
 * and removal of the uploaded disks after a failure. All engine traffic goes through ovirt-engine-sdk-java in
 * {@code org.v2vwrapper.output.rhv}.
 */
public class RhvTarget implements OutputTarget {
    private static final Logger LOG = LoggerFactory.getLogger(RhvTarget.class);

    private final OvirtConnectionFactory connections;

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

    /**
     * Connects (logs in), checks the engine, settles the allocation and writes the password file; the session
     * stays open in the result until its {@link Validated#close()}.
     */
    @Override
    public Validated validate(PlanContext ctx, ConversionState state) throws ConversionException {
        ConversionRequest request = ctx.request();
        RhvDestination rhv = rhv(ctx);
        state.setStatus("Checking the oVirt engine");
        OvirtEndpoint endpoint = OvirtEndpoint.of(rhv, request.insecureConnection(), ctx.settings().caBundle());
        OvirtSession session = connections.open(endpoint);
        try {
            OvirtValidator.Result result = OvirtValidator.validate(session, request.vmName(), rhv.storage(),
                    rhv.cluster(), request.allocation());
            return new Checked(this, ctx, Optional.of(endpoint), Optional.of(session),
                    Optional.of(result.allocation()), passwordFile(ctx),
                    uploadIdentity(session, request.vmName(), result.storageDomainId()), new AtomicReference<>());
        } catch (ConversionException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** Dry run: nothing contacted, the allocation only if the request gives it, the password as a placeholder. */
    @Override
    public Validated offline(PlanContext ctx) throws ConversionException {
        return new Checked(this, ctx, Optional.empty(), Optional.empty(), ctx.request().allocation(),
                passwordFile(ctx), Optional.empty(), new AtomicReference<>());
    }

    /**
     * What rhv-upload will create, for the intent written just before virt-v2v starts. virt-v2v names the disks
     * after its output name, which is the request's {@code vm_name} (the name the validation found free): the
     * source VM's name for {@code -i libvirt}, {@code -on} for disk input; for {@code -i vmx} the .vmx's
     * {@code displayName}, the same name in the usual case. Without an answer from the engine the run goes on
     * without the intent (as before it existed), saying so.
     */
    private static Optional<OvirtUploadIntent.Identity> uploadIdentity(OvirtSession session, String vmName,
                                                                       String storageDomainId) {
        try {
            return Optional.of(OvirtUploadIntent.before(session, vmName, storageDomainId));
        } catch (OvirtCallException | RuntimeException e) {
            LOG.warn("cannot list the disks named like rhv-upload's before the conversion ({}); a disk virt-v2v"
                    + " creates just before a SIGKILL of the wrapper may then be known to nobody", e.getMessage());
            return Optional.empty();
        }
    }

    private static Path passwordFile(PlanContext ctx) throws ConversionException {
        try {
            return ctx.secrets().write("rhv_password", rhv(ctx).password());
        } catch (IOException e) {
            throw new ConversionException("cannot write the oVirt password file: " + e.getMessage(), e);
        }
    }

    /**
     * What {@link #validate} learnt and opened: the engine and its session (both empty offline, where finish
     * and cleanup do nothing), the allocation for {@code -oa} (settled by the engine, else the request's, else
     * none), the password file for {@code -op}, what rhv-upload will create ({@code uploads}, empty offline)
     * and the key of its ledger intent once written.
     */
    private record Checked(RhvTarget target, PlanContext ctx, Optional<OvirtEndpoint> endpoint,
                           Optional<OvirtSession> session, Optional<Allocation> allocation, Path passwordFile,
                           Optional<OvirtUploadIntent.Identity> uploads, AtomicReference<String> intentKey)
            implements Validated {
        @Override
        public List<String> outputArguments() {
            // virt-v2v will make disks whose ids it logs only afterwards: a replay after SIGKILL finds them by name.
            intend(this);
            return RhvTarget.outputArguments(this);
        }

        @Override
        public void finish(ConversionState state, LogFacts facts) throws ConversionException {
            if (session.isPresent()) {
                RhvTarget.finish(this, state, facts);
            }
        }

        @Override
        public void track(ConversionState state, LogFacts facts) {
            RhvTarget.track(this, facts);
        }

        @Override
        public void cleanupAfterFailure(ConversionState state, LogFacts facts) {
            if (session.isPresent()) {
                target.cleanupAfterFailure(this, state, facts);
            }
        }

        @Override
        public void close() {
            session.ifPresent(OvirtSession::close);
        }

        /** Never the request or the session in a log line. */
        @Override
        public String toString() {
            return "rhv target" + (session.isPresent() ? " (validated)" : " (offline)");
        }
    }

    private static List<String> outputArguments(Checked checked) {
        PlanContext ctx = checked.ctx();
        ConversionRequest request = ctx.request();
        RhvDestination rhv = ctx.request().rhv().orElseThrow();
        Path passwordFile = checked.passwordFile();
        List<String> args = new ArrayList<>(List.of("--bridge", "ovirtmgmt", "-of", request.outputFormat().v2vName()));
        checked.allocation().ifPresent(a -> args.addAll(List.of("-oa", a.v2vName())));
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

    private static void finish(Checked checked, ConversionState state, LogFacts facts) throws ConversionException {
        PlanContext ctx = checked.ctx();
        OvirtEndpoint engine = checked.endpoint().orElseThrow();
        Optional<String> vmId = state.vmId();
        if (vmId.isEmpty()) {
            throw new ConversionException("virt-v2v finished but its log named no VM id, so the new VM cannot be"
                    + " checked on the oVirt engine at " + engine.apiUrl());
        }
        state.setStatus("Checking the VM on the oVirt engine");
        try {
            var vm = checked.session().orElseThrow().vm(vmId.get());
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

    private static void intend(Checked checked) {
        if (checked.uploads().isEmpty() || checked.endpoint().isEmpty() || checked.intentKey().get() != null) {
            return;
        }
        checked.intentKey().set(checked.ctx().ledger().intend(Kinds.OVIRT_UPLOAD_DISKS,
                ledgerWhere(checked.endpoint().get()), checked.uploads().get().attrs()));
    }

    /** Where the ledger says this target's objects live. */
    public static String ledgerWhere(OvirtEndpoint engine) {
        return engine.ledgerWhere();
    }

    /** The disks virt-v2v's log named go into the ledger (once each). */
    private static void track(Checked checked, LogFacts facts) {
        List<String> diskIds = facts.ovirtDiskIds();
        if (diskIds.isEmpty() || checked.endpoint().isEmpty()) {
            return;
        }
        PlanContext ctx = checked.ctx();
        try {
            String where = ledgerWhere(checked.endpoint().get());
            for (String id : diskIds) {
                ctx.ledger().record(Kinds.OVIRT_DISK, where, id, Map.of("vm_name", ctx.request().vmName()));
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot record the oVirt disks in the ledger: {}", e.getMessage());
        }
    }

    private void cleanupAfterFailure(Checked checked, ConversionState state, LogFacts facts) {
        track(checked, facts);
        PlanContext ctx = checked.ctx();
        try {
            List<String> diskIds = facts.ovirtDiskIds();
            if (diskIds.isEmpty()) {
                LOG.info("oVirt cleanup: virt-v2v reported no disks, nothing to remove");
                return;
            }
            if (state.vmId().isPresent()) {
                LOG.warn("oVirt cleanup: VM {} was created; it is left in place, its disks may not be removable",
                        state.vmId().get());
            }
            OvirtSession s = checked.session().orElseThrow();
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
        } finally {
            removeUnnamedUploads(checked);
        }
    }

    /**
     * A disk virt-v2v made but had not named in its log yet (virt-v2v KILLed through its pid, say): found by the
     * intent's identity. The intent is done once nothing of it is left; otherwise it stays for the next run.
     */
    private void removeUnnamedUploads(Checked checked) {
        String key = checked.intentKey().get();
        if (key == null || checked.session().isEmpty()) {
            return;
        }
        try {
            if (OvirtUploadIntent.removeFound(checked.session().get(), connections.timeouts(),
                    checked.uploads().orElseThrow(), "this run")) {
                checked.ctx().ledger().doneKey(key);
            }
        } catch (RuntimeException e) {
            LOG.error("oVirt cleanup of the disks no log line named failed: {}", e.toString(), e);
        }
    }

    /** A warning for the caller, only if nothing was said yet: the original failure always wins. */
    private static void noteLeftovers(ConversionState state, List<String> disks) {
        if (state.lastMessage().isEmpty()) {
            state.setLastMessage(new LastMessage("oVirt cleanup could not remove disks " + String.join(", ", disks),
                    LastMessage.Type.WARNING));
        }
    }
}
