package org.v2vwrapper.output.rhv;

import org.ovirt.engine.sdk4.builders.Builders;
import org.ovirt.engine.sdk4.types.Disk;
import org.ovirt.engine.sdk4.types.DiskAttachment;
import org.ovirt.engine.sdk4.types.DiskFormat;
import org.ovirt.engine.sdk4.types.DiskInterface;
import org.ovirt.engine.sdk4.types.DiskStatus;
import org.ovirt.engine.sdk4.types.Vm;
import org.ovirt.engine.sdk4.types.VmStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.precopy.DestinationDisks;
import org.v2vwrapper.precopy.DiskSpec;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.request.Allocation;
import org.v2vwrapper.request.OutputFormat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Two-phase to oVirt, the destination disks the pre-copy writes into: disks {@code <vm_name>_Disk<N>} in
 * {@code rhv_storage} (format from {@code output_format}, sparse from {@code allocation} or, when the request
 * does not say, from the storage type as in one-phase: {@link OvirtValidator#allocationFor}), attached to the
 * conversion host's own VM ({@code conversion_host_uuid}) as virtio, active, not bootable, and found on this host
 * as {@code <--dev-disk-by-id>/virtio-<disk id[:20]>} (the virtio serial is the disk id cut to 20 characters).
 *
 * <p>{@link #check} refuses, before anything is made, a conversion host VM that does not exist or is not up,
 * a {@code vm_name} already taken, a storage domain or cluster that does not name exactly one object. Each disk
 * registers its undo (detach from the conversion host, wait until detached, delete once unlocked) with
 * {@link RunContext#onFailure} as soon as the engine answered its creation, so a failure half way removes
 * exactly the disks made. Unlike the reference (twophase.md §9 B12/B13), the format and allocation are the ones
 * the disks really have, the disks are not shareable, and an attachment that is already gone does not stop the
 * cleanup. Every call goes through {@link OvirtSession#call}.
 */
public final class OvirtPreCopyDisks implements DestinationDisks {
    /** The ledger attribute naming the VM a disk was attached to (the conversion host's), for a replay. */
    public static final String ATTACHED_TO = "attached_to";

    private static final Logger LOG = LoggerFactory.getLogger(OvirtPreCopyDisks.class);

    /**
     * What the request says.
     *
     * @param conversionVmId {@code conversion_host_uuid}
     * @param allocation     {@code allocation}; empty: from the storage domain's type
     */
    public record Params(String vmName, String storage, String cluster, String conversionVmId, OutputFormat format,
                         Optional<Allocation> allocation) {
        public Params {
            Objects.requireNonNull(vmName);
            Objects.requireNonNull(storage);
            Objects.requireNonNull(cluster);
            Objects.requireNonNull(conversionVmId);
            Objects.requireNonNull(format);
            Objects.requireNonNull(allocation);
        }
    }

    private final OvirtSessions sessions;
    private final Params params;
    private final Path devDiskById;
    private final TwoPhaseWaits waits;
    private volatile OvirtValidator.Result checked;

    public OvirtPreCopyDisks(OvirtSessions sessions, Params params, Path devDiskById, TwoPhaseWaits waits) {
        this.sessions = sessions;
        this.params = params;
        this.devDiskById = devDiskById;
        this.waits = waits;
    }

    /** The local device of an oVirt disk attached as virtio: {@code <dir>/virtio-<disk id[:20]>}. */
    public static Path devicePath(Path devDiskById, String diskId) {
        return devDiskById.resolve("virtio-" + diskId.substring(0, Math.min(20, diskId.length())));
    }

    @Override
    public void check(RunContext ctx) throws ConversionException {
        OvirtSession session = sessions.get(ctx);
        String engine = session.endpoint().apiUrl();
        Optional<Vm> host;
        try {
            host = session.vm(params.conversionVmId());
        } catch (OvirtCallException e) {
            throw new ConversionException("checking conversion_host_uuid: " + e.getMessage(), e);
        }
        if (host.isEmpty()) {
            throw new ConversionException("conversion_host_uuid " + params.conversionVmId()
                    + " is not a VM on the oVirt engine at " + engine);
        }
        VmStatus status = host.get().statusPresent() ? host.get().status() : null;
        if (status != VmStatus.UP) {
            throw new ConversionException("the conversion host's VM " + params.conversionVmId() + " ("
                    + host.get().name() + ", conversion_host_uuid) is " + (status == null ? "in an unknown state"
                    : status.value()) + " on the oVirt engine at " + engine + ", not up: the disks cannot be attached to it");
        }
        LOG.info("the conversion host's VM {} ('{}') is up", params.conversionVmId(), host.get().name());
        checked = OvirtValidator.validate(session, params.vmName(), params.storage(), params.cluster(),
                params.allocation());
    }

    /** The allocation the disks get (after {@link #check}). */
    public Optional<Allocation> allocation() {
        OvirtValidator.Result r = checked;
        return r == null ? Optional.empty() : Optional.of(r.allocation());
    }

    @Override
    public List<PreparedDisk> create(RunContext ctx, List<DiskSpec> disks) throws ConversionException {
        OvirtValidator.Result result = checked;
        if (result == null) {
            throw new IllegalStateException("create before check");
        }
        OvirtSession session = sessions.get(ctx);
        boolean sparse = result.allocation() == Allocation.SPARSE;
        DiskFormat format = params.format() == OutputFormat.RAW ? DiskFormat.RAW : DiskFormat.COW;
        String description = "Converted from VMware on "
                + DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)) + " UTC";
        List<PreparedDisk> out = new ArrayList<>();
        for (DiskSpec spec : disks) {
            ctx.checkNotStopped();
            String name = params.vmName() + "_Disk" + (spec.index() + 1);
            ctx.state().setStatus("Creating disk " + name);
            Disk made = call("creating the disk " + name, session, () -> session.system().disksService().add()
                    .disk(Builders.disk()
                            .name(name)
                            .description(description)
                            .format(format)
                            .sparse(sparse)
                            .provisionedSize(spec.capacityBytes())
                            .shareable(false)
                            .storageDomains(Builders.storageDomain().id(result.storageDomainId())))
                    .send().disk());
            String id = made.id();
            // Also in the run directory's ledger: the disk of a SIGKILLed run is detached from the conversion host
            // and deleted by the next run or `cleanup` (LedgerReplay).
            ctx.ledger().record(org.v2vwrapper.ledger.Kinds.OVIRT_DISK, session.endpoint().ledgerWhere(), id,
                    java.util.Map.of("vm_name", params.vmName(), ATTACHED_TO, params.conversionVmId()));
            ctx.onFailure("remove the oVirt disk " + name + " (" + id + ")", () -> {
                remove(session, id);
                ctx.ledger().done(org.v2vwrapper.ledger.Kinds.OVIRT_DISK, id);
            });
            if (ctx.stopReason() != null) {
                // Stopped (SIGTERM) while the engine made the disk: the undo actions may have been taken already,
                // so remove this one here (a second removal finds it gone, which is fine).
                removeQuietly(session, id);
                ctx.checkNotStopped();
            }
            LOG.info("created disk {} ({}) in storage domain '{}': {}, {}, {} bytes", name, id, params.storage(),
                    format.value(), sparse ? "sparse" : "preallocated", spec.capacityBytes());
            waitOk(ctx, session, id, name);
            ctx.state().setStatus("Attaching disk " + name);
            call("attaching the disk " + name + " to the conversion host's VM " + params.conversionVmId(), session,
                    () -> session.system().vmsService().vmService(params.conversionVmId()).diskAttachmentsService()
                            .add().attachment(Builders.diskAttachment()
                                    .disk(Builders.disk().id(id))
                                    .interface_(DiskInterface.VIRTIO)
                                    .active(true)
                                    .bootable(false)
                                    .description("Temporary attachment for the pre-copy of VM " + params.vmName()))
                            .send().attachment());
            Path device = devicePath(devDiskById, id);
            waitDevice(ctx, device, name);
            LOG.info("disk {} is attached to the conversion host as {}", name, device);
            out.add(new PreparedDisk(spec, device, Optional.of(id)));
        }
        return out;
    }

    private void waitOk(RunContext ctx, OvirtSession session, String id, String name) throws ConversionException {
        Instant deadline = Instant.now().plus(waits.diskOk());
        TwoPhaseWaits.Backoff backoff = new TwoPhaseWaits.Backoff(waits);
        while (true) {
            ctx.checkNotStopped();
            Optional<Disk> d;
            try {
                d = session.disk(id);
            } catch (OvirtCallException e) {
                throw new ConversionException("waiting for the disk " + name + ": " + e.getMessage(), e);
            }
            if (d.isEmpty()) {
                throw new ConversionException("waiting for the disk " + name + ": the oVirt engine at "
                        + session.endpoint().apiUrl() + " no longer has the disk " + id);
            }
            DiskStatus status = d.get().statusPresent() ? d.get().status() : null;
            if (status == DiskStatus.OK) {
                return;
            }
            if (status == DiskStatus.ILLEGAL) {
                throw new ConversionException("waiting for the disk " + name + ": the disk " + id + " is illegal");
            }
            if (Instant.now().isAfter(deadline)) {
                throw new ConversionException("waiting for the disk " + name + ": the disk " + id + " is still "
                        + (status == null ? "in an unknown state" : status.value()) + " after "
                        + waits.diskOk().toSeconds() + " s");
            }
            sleep(backoff, "waiting for the disk " + name);
        }
    }

    private void waitDevice(RunContext ctx, Path device, String name) throws ConversionException {
        Instant deadline = Instant.now().plus(waits.device());
        TwoPhaseWaits.Backoff backoff = new TwoPhaseWaits.Backoff(waits);
        while (!Files.exists(device)) {
            ctx.checkNotStopped();
            if (Instant.now().isAfter(deadline)) {
                throw new ConversionException("waiting for the disk " + name + " to appear on this host: no "
                        + device + " after " + waits.device().toSeconds() + " s (is this host the VM "
                        + params.conversionVmId() + "?)");
            }
            sleep(backoff, "waiting for " + device);
        }
    }

    /** Detaches the disk from the conversion host (if attached), waits until it is detached, then deletes it. */
    private void remove(OvirtSession session, String id) throws Exception {
        try {
            session.call("detach disk " + id + " from the conversion host's VM " + params.conversionVmId(), () -> {
                session.system().vmsService().vmService(params.conversionVmId()).diskAttachmentsService()
                        .attachmentService(id).remove().send();
                return null;
            });
            LOG.info("cleanup: detaching disk {} from the conversion host's VM {}", id, params.conversionVmId());
        } catch (OvirtCallException e) {
            if (!e.isNotFound()) {
                LOG.warn("cleanup: {}", e.getMessage());
            }
        }
        Instant deadline = Instant.now().plus(waits.detach());
        TwoPhaseWaits.Backoff backoff = new TwoPhaseWaits.Backoff(waits);
        while (attached(session, id)) {
            if (Instant.now().isAfter(deadline)) {
                LOG.warn("cleanup: disk {} is still attached to the conversion host after {} s", id,
                        waits.detach().toSeconds());
                break;
            }
            backoff.sleep();
        }
        OvirtTimeouts t = sessions.factory().timeouts();
        OvirtCleanup.Outcome outcome = new OvirtCleanup(session, new OvirtTimeouts(t.connect(), t.read(), t.request(),
                waits.diskOk(), waits.maxPoll())).run(List.of(id));
        if (!outcome.complete()) {
            throw new ConversionException("the oVirt disk " + id + " is left on the engine");
        }
    }

    private void removeQuietly(OvirtSession session, String id) {
        try {
            remove(session, id);
        } catch (Exception e) {
            LOG.warn("cleanup: disk {}: {}", id, e.getMessage());
        }
    }

    private boolean attached(OvirtSession session, String id) {
        try {
            List<DiskAttachment> list = session.call("list the disks of the conversion host's VM",
                    () -> session.system().vmsService().vmService(params.conversionVmId()).diskAttachmentsService()
                            .list().send().attachments());
            return list.stream().anyMatch(a -> id.equals(a.disk() != null ? a.disk().id() : a.id()));
        } catch (OvirtCallException e) {
            LOG.warn("cleanup: {}", e.getMessage());
            return false;
        }
    }

    private static <T> T call(String what, OvirtSession session, java.util.function.Supplier<T> call)
            throws ConversionException {
        try {
            return session.call(what.replaceFirst("^creating", "create").replaceFirst("^attaching", "attach"), call);
        } catch (OvirtCallException e) {
            throw new ConversionException(what + ": " + e.getMessage(), e);
        }
    }

    private static void sleep(TwoPhaseWaits.Backoff backoff, String what) throws ConversionException {
        try {
            backoff.sleep();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException(what + ": interrupted");
        }
    }
}
