package org.v2vwrapper.output.rhv;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.precopy.TwoPhaseFinish;
import org.v2vwrapper.request.NetworkMapping;

import java.util.List;

/**
 * Two-phase to oVirt on virt-v2v 2.x, after virt-v2v-in-place converted the disks: detach them from the
 * conversion host's VM and wait until they are detached ({@link OvirtVmCreator#detach}), make the VM in
 * {@code rhv_cluster} with {@link OvirtVmCreator#create} (hardware, OS type from the inspector's facts, NICs with
 * the source MACs and the destination networks' vNIC profiles, the disks bootable first), which also checks it,
 * and put its id in the state ({@code vm_id}).
 *
 * <p>A failure leaves the disks to the undo {@link OvirtPreCopyDisks} registered (a detach of a disk that is no
 * longer attached is fine); the VM, once made, gets its own undo (removed with {@code detach_only}, before the
 * disks' undo deletes them: undo actions run newest first).
 */
public final class OvirtTwoPhaseFinish implements TwoPhaseFinish {
    private static final Logger LOG = LoggerFactory.getLogger(OvirtTwoPhaseFinish.class);

    private final OvirtSessions sessions;
    private final String conversionVmId;
    private final String vmName;
    private final String cluster;
    private final List<NetworkMapping> mappings;
    private final TwoPhaseWaits waits;

    public OvirtTwoPhaseFinish(OvirtSessions sessions, String conversionVmId, String vmName, String cluster,
                               List<NetworkMapping> mappings, TwoPhaseWaits waits) {
        this.sessions = sessions;
        this.conversionVmId = conversionVmId;
        this.vmName = vmName;
        this.cluster = cluster;
        this.mappings = List.copyOf(mappings);
        this.waits = waits;
    }

    @Override
    public String describe() {
        return "detach the disks from the conversion host VM, create the VM on the oVirt engine (OS type, firmware, NICs, disks bootable first)";
    }

    @Override
    public java.util.Optional<String> finish(RunContext ctx, PreCopyResult result,
            org.v2vwrapper.convert.ConvertedGuest guest) throws ConversionException {
        return java.util.Optional.of(finish(ctx, result, Converted.of(guest)));
    }

    /** The same with what the conversion found out, as this destination uses it. */
    public String finish(RunContext ctx, PreCopyResult copied, Converted converted) throws ConversionException {
        OvirtSession session = sessions.get(ctx);
        List<String> diskIds = diskIds(copied);
        OvirtVmCreator creator = detach(ctx, session, diskIds);
        ctx.checkNotStopped();
        ctx.state().setStatus("Creating the VM");
        String vmId = creator.create(new OvirtVmCreator.Plan(vmName, cluster, converted.hardware(), converted.os(),
                converted.caps(), converted.uefi(), diskIds, mappings));
        ctx.onFailure("remove the new oVirt VM " + vmId, () -> removeVm(session, vmId));
        if (ctx.stopReason() != null) {
            // Stopped while the VM was being made: the undo actions may have been taken already.
            try {
                removeVm(session, vmId);
            } catch (OvirtCallException e) {
                LOG.warn("cleanup: {}", e.getMessage());
            }
            ctx.checkNotStopped();
        }
        ctx.state().setVmId(vmId);
        forgetDisks(ctx, session);
        LOG.info("the oVirt engine at {} has the new VM {} ('{}')", session.endpoint().apiUrl(), vmId, vmName);
        return vmId;
    }

    /**
     * virt-v2v 1.4x's {@code -o rhv-upload} made the VM of the disks (its OVF names their ids) while they were
     * still attached to the conversion host, which the commits of the overlays needed: detach them (else the new
     * VM cannot start) and check the VM whose id virt-v2v's log named.
     */
    @Override
    public void afterVirtV2vMadeTheVm(RunContext ctx, PreCopyResult copied) throws ConversionException {
        OvirtSession session = sessions.get(ctx);
        detach(ctx, session, diskIds(copied));
        ctx.checkNotStopped();
        ctx.state().setStatus("Checking the VM on the oVirt engine");
        String vmId = ctx.state().vmId().orElseThrow(() -> new ConversionException("checking the VM: virt-v2v"
                + " finished but its log named no VM id, so the new VM cannot be checked on the oVirt engine at "
                + session.endpoint().apiUrl()));
        try {
            if (session.vm(vmId).isEmpty()) {
                throw new ConversionException("checking the VM: the oVirt engine at " + session.endpoint().apiUrl()
                        + " has no VM with the id " + vmId + " that virt-v2v reported");
            }
        } catch (OvirtCallException e) {
            throw new ConversionException("checking the VM: " + e.getMessage(), e);
        }
        forgetDisks(ctx, session);
        LOG.info("the oVirt engine at {} has the VM {} virt-v2v made ('{}')", session.endpoint().apiUrl(), vmId,
                vmName);
    }

    /** The disks are the new VM's now: no longer the run's to clean up after a SIGKILL. */
    private static void forgetDisks(RunContext ctx, OvirtSession session) {
        String where = session.endpoint().ledgerWhere();
        ctx.ledger().forgetOwn(e -> e.where().equals(where));
    }

    private static List<String> diskIds(PreCopyResult copied) {
        return copied.disks().stream().map(PreparedDisk::remoteId)
                .map(id -> id.orElseThrow(() -> new IllegalArgumentException("an oVirt disk without an id")))
                .toList();
    }

    private OvirtVmCreator detach(RunContext ctx, OvirtSession session, List<String> diskIds)
            throws ConversionException {
        OvirtVmCreator creator = new OvirtVmCreator(session, waits.detach(), waits.maxPoll());
        ctx.checkNotStopped();
        ctx.state().setStatus("Detaching disks from the conversion host");
        try {
            creator.detach(conversionVmId, diskIds);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("detaching the disks: interrupted");
        }
        LOG.info("disks {} are detached from the conversion host's VM {}", diskIds, conversionVmId);
        return creator;
    }

    private static void removeVm(OvirtSession session, String vmId) throws OvirtCallException {
        try {
            session.call("remove the VM " + vmId, () -> {
                session.system().vmsService().vmService(vmId).remove().detachOnly(true).send();
                return null;
            });
            LOG.info("cleanup: removed the VM {} (its disks are removed next)", vmId);
        } catch (OvirtCallException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }
}
