package org.v2vwrapper.output.osp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.openstack4j.api.Builders;
import org.openstack4j.model.common.ActionResponse;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.compute.VolumeAttachment;
import org.openstack4j.model.storage.block.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.convert.GuestCaps;
import org.v2vwrapper.convert.OpenstackImageProperties;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.precopy.DestinationDisks;
import org.v2vwrapper.precopy.DiskSpec;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.precopy.TwoPhaseFinish;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.OspDestination;

/**
 * Two-phase to OpenStack: the volumes the pre-copy writes into ({@link #disks()}) and, after
 * virt-v2v-in-place, the instance made from them ({@link #finish()}), sharing the run's two OpenStack sessions
 * ({@link OspClients}) and one {@link OspLedger} of what was made.
 *
 * <p>The disks: volumes {@code <vm_name>_Disk<N>} of {@code ceil(capacity / GiB)} GiB in the conversion host's
 * project ({@code osp_volume_type_id} when given), tagged with the run's guest id as virt-v2v tags its own
 * ({@code virt_v2v_guest_id}, {@code virt_v2v_disk_index}), waited for until {@code available}, attached to
 * {@code osp_server_id} and found as {@code <--dev-disk-by-id>/virtio-<volume id[:20]>} (Nova's virtio serial).
 *
 * <p>The finish: detach the volumes from the conversion host and wait until they are {@code available}, make
 * the first bootable and set its image properties from the facts ({@link OpenstackImageProperties}, as
 * virt-v2v's {@code -o openstack} does, through Cinder's {@code os-set_image_metadata}), then the one-phase
 * finish: transfer to {@code osp_destination_project_id}, ports, the instance, wait until it is ACTIVE,
 * {@code vm_id}.
 *
 * <p>One failure undo, registered before the first volume is made, runs {@link OspCleanup} over the ledger:
 * the instance and ports if made, pending transfers, attachments to the conversion host, and exactly our volumes
 * in whichever project holds them.
 */
public final class OspTwoPhase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OspTwoPhase.class);
    static final long GIB = 1L << 30;

    private final ConversionRequest request;
    private final OspDestination osp;
    private final Path devDiskById;
    private final OspTimeouts timeouts;
    private final OspLedger ledger = new OspLedger();
    private final String guestId;
    private OspClients clients;
    private volatile List<OspValidator.PortPlan> portPlan;
    private boolean undoRegistered;

    public OspTwoPhase(ConversionRequest request, Path devDiskById, OspTimeouts timeouts) throws ConversionException {
        this.request = request;
        this.osp = request.osp().orElseThrow(() -> new ConversionException("the request has no osp_environment"));
        this.devDiskById = devDiskById;
        this.timeouts = timeouts;
        this.guestId = osp.guestId().orElse(UUID.randomUUID().toString());
        OspIds.require("osp_server_id", osp.serverId());
        OspIds.require("osp_flavor_id", osp.flavorId());
        OspIds.require("osp_destination_project_id", osp.destinationProjectId());
    }

    /** The local device of a volume attached to this host: {@code <dir>/virtio-<volume id[:20]>}. */
    public static Path devicePath(Path devDiskById, String volumeId) {
        return devDiskById.resolve("virtio-" + volumeId.substring(0, Math.min(20, volumeId.length())));
    }

    /** The size in GiB of a volume holding {@code capacity} bytes: rounded up, at least 1. */
    static int gib(long capacity) {
        return (int) Math.max(1, (capacity + GIB - 1) / GIB);
    }

    public OspLedger ledger() {
        return ledger;
    }

    public DestinationDisks disks() {
        return new Disks();
    }

    public Finish finish() {
        return new Finish();
    }

    private synchronized OspClients clients(RunContext ctx) throws ConversionException {
        if (clients == null) {
            clients = OspClients.forRequest(osp, request.insecureConnection(), timeouts);
            ctx.cleanup().register("close the OpenStack sessions", this::close);
            // What this run makes goes into the run directory's ledger too: a SIGKILLed run's volumes (attached
            // to the conversion host for hours of pre-copy) are found by the next run or `cleanup`.
            ledger.persistTo(ctx.ledger(), OspConversion.ledgerWhere(osp, request.insecureConnection()));
        }
        return clients;
    }

    private synchronized void registerUndo(RunContext ctx, OspClients c) {
        if (!undoRegistered) {
            undoRegistered = true;
            ctx.onFailure("remove the OpenStack volumes, ports and instance of this run",
                    () -> new OspCleanup(c, ledger, timeouts, osp.serverId(), guestId).run(List.of()));
        }
    }

    private final class Disks implements DestinationDisks {
        @Override
        public void check(RunContext ctx) throws ConversionException {
            OspClients c = clients(ctx);
            portPlan = OspValidator.validate(request, c);
            Server host = c.conversionProject().call("looking up the conversion host (osp_server_id "
                    + osp.serverId() + ")", cl -> cl.compute().servers().get(osp.serverId()));
            if (host == null || host.getStatus() != Server.Status.ACTIVE) {
                throw new ConversionException("osp_server_id " + osp.serverId() + " is "
                        + (host == null ? "not a server" : host.getStatus()) + " in " + c.conversionProject().label()
                        + ", not ACTIVE: the volumes cannot be attached to it");
            }
            LOG.info("two-phase OpenStack destination checked: conversion host {} is ACTIVE, {} port(s)",
                    osp.serverId(), portPlan.size());
        }

        @Override
        public List<PreparedDisk> create(RunContext ctx, List<DiskSpec> disks) throws ConversionException {
            OspClients c = clients(ctx);
            OspSession conversion = c.conversionProject();
            VolumeMover mover = new VolumeMover(c, ledger, timeouts);
            registerUndo(ctx, c);
            String description = "Converted from VMware on "
                    + DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)) + " UTC";
            List<PreparedDisk> out = new ArrayList<>();
            for (DiskSpec spec : disks) {
                ctx.checkNotStopped();
                String name = request.vmName() + "_Disk" + (spec.index() + 1);
                ctx.state().setStatus("Creating volume " + name);
                var b = Builders.volume().name(name).description(description).size(gib(spec.capacityBytes()))
                        .bootable(false).metadata(Map.of(VolumeMover.GUEST_ID_PROPERTY, guestId,
                                VolumeMover.DISK_INDEX_PROPERTY, Integer.toString(spec.index())));
                osp.volumeTypeId().ifPresent(b::volumeType);
                String id = ledger.step(() -> {
                    Volume v = conversion.call("creating the volume " + name, cl -> cl.blockStorage().volumes()
                            .create(b.build()));
                    if (v == null || !OspIds.isSafe(v.getId())) {
                        throw new ConversionException("creating the volume " + name + ": Cinder returned no volume id");
                    }
                    ledger.volume(v.getId(), new OspLedger.InConversionProject());
                    return v.getId();
                });
                LOG.info("created volume {} ({}): {} GiB", name, id, gib(spec.capacityBytes()));
                named("waiting for the volume " + name, () -> mover.waitAvailable(conversion, id));
                ctx.state().setStatus("Attaching volume " + name);
                ledger.step(() -> {
                    VolumeAttachment a = conversion.call("attaching the volume " + name + " to the conversion host "
                            + osp.serverId(), cl -> cl.compute().servers().attachVolume(osp.serverId(), id, null));
                    if (a == null) {
                        throw new ConversionException("attaching the volume " + name + ": Nova returned no attachment");
                    }
                    return null;
                });
                Path device = devicePath(devDiskById, id);
                waitDevice(ctx, device, name);
                LOG.info("volume {} is attached to the conversion host as {}", name, device);
                out.add(new PreparedDisk(spec, device, Optional.of(id)));
            }
            return out;
        }

        private void waitDevice(RunContext ctx, Path device, String name) throws ConversionException {
            Instant deadline = timeouts.clock().instant().plus(timeouts.volumeReady());
            while (!Files.exists(device)) {
                ctx.checkNotStopped();
                if (!timeouts.clock().instant().isBefore(deadline)) {
                    throw new ConversionException("waiting for the volume " + name + " to appear on this host: no "
                            + device + " after " + timeouts.volumeReady().toSeconds() + " s (is this host "
                            + osp.serverId() + "?)");
                }
                sleep();
            }
        }
    }

    /** The finish of this run's two OpenStack sessions. */
    public final class Finish implements TwoPhaseFinish {
        @Override
        public String describe() {
            return "detach the volumes, set the boot volume's image properties, transfer them, create ports and the instance";
        }

        @Override
        public java.util.Optional<String> finish(RunContext ctx, PreCopyResult result,
                org.v2vwrapper.convert.ConvertedGuest guest) throws ConversionException {
            return java.util.Optional.of(finish(ctx, result, Converted.of(guest)));
        }

        /** The same with what the conversion found out, as this destination uses it. */
        public String finish(RunContext ctx, PreCopyResult copied, Converted converted) throws ConversionException {
            OspClients c = clients(ctx);
            registerUndo(ctx, c);
            OspSession conversion = c.conversionProject();
            VolumeMover mover = new VolumeMover(c, ledger, timeouts);
            List<String> volumes = copied.disks().stream().map(PreparedDisk::remoteId)
                    .map(id -> id.orElseThrow(() -> new IllegalArgumentException("a volume without an id"))).toList();
            volumes.forEach(ledger::knownVolume);

            ctx.checkNotStopped();
            ctx.state().setStatus("Detaching volumes from the conversion host");
            named("detaching the volumes", () -> {
                for (String id : volumes) {
                    ledger.step(() -> {
                        ActionResponse r = conversion.call("detaching volume " + id + " from the conversion host "
                                + osp.serverId(), cl -> cl.compute().servers().detachVolume(osp.serverId(), id));
                        if (r != null && !r.isSuccess() && r.getCode() != 404) {
                            throw new ConversionException("detaching volume " + id + " from the conversion host "
                                    + osp.serverId() + ": " + OspErrors.text(r.getFault()) + " (HTTP " + r.getCode() + ")");
                        }
                        return null;
                    });
                }
                for (String id : volumes) {
                    mover.waitAvailable(conversion, id);
                }
                return null;
            });
            LOG.info("volumes {} are detached from the conversion host {}", volumes, osp.serverId());

            ctx.checkNotStopped();
            ctx.state().setStatus("Setting the image properties");
            GuestCaps caps = converted.caps().orElse(new GuestCaps(GuestCaps.BlockBus.VIRTIO_BLK,
                    GuestCaps.NetModel.VIRTIO_NET, GuestCaps.Machine.Q35, false, false, ""));
            Map<String, String> properties = OpenstackImageProperties.of(converted.hardware(), converted.os(), caps,
                    converted.uefi());
            String boot = volumes.get(0);
            named("setting the image properties", () -> ledger.step(() -> {
                ActionResponse bootable = conversion.call("marking volume " + boot + " bootable",
                        cl -> cl.blockStorage().volumes().bootable(boot, true));
                check(bootable, "marking volume " + boot + " bootable");
                ActionResponse set = conversion.call("setting the image properties of volume " + boot,
                        cl -> new VolumeImageMetadata().set(boot, properties));
                check(set, "setting the image properties of volume " + boot);
                return null;
            }));
            LOG.info("volume {}: image properties {}", boot, properties);

            ctx.checkNotStopped();
            ctx.state().setStatus("Transferring volumes");
            named("transferring the volumes", () -> {
                if (osp.destinationProjectId().equals(conversion.projectId())) {
                    for (String v : volumes) {
                        mover.waitAvailable(conversion, v);
                        ledger.volume(v, new OspLedger.InDestinationProject());
                    }
                } else {
                    mover.transfer(volumes, "two-phase " + request.vmName());
                }
                return null;
            });

            List<OspValidator.PortPlan> plan = portPlan;
            if (plan == null) {
                plan = named("planning the ports", () -> OspValidator.planPorts(c.destinationProject(),
                        request.networkMappings()));
            }
            InstanceBuilder builder = new InstanceBuilder(c.destinationProject(), ledger, timeouts);
            ctx.state().setStatus("Creating ports");
            List<OspValidator.PortPlan> ports = plan;
            List<String> portIds = named("creating the ports", () -> builder.createPorts(request.vmName(), ports,
                    osp.securityGroupIds()));
            ctx.state().setStatus("Creating instance");
            String serverId = named("creating the instance", () -> {
                String id = builder.createServer(request.vmName(), osp.flavorId(), volumes, portIds,
                        osp.securityGroupIds());
                builder.waitActive(id);
                return id;
            });
            ledger.checkNotStopped();
            ctx.state().setVmId(serverId);
            // The volumes, ports and instance are the new VM now, nothing to clean up.
            String where = OspConversion.ledgerWhere(osp, request.insecureConnection());
            ctx.ledger().forgetOwn(e -> e.where().equals(where));
            LOG.info("instance '{}' ({}) is active in project {}", request.vmName(), serverId,
                    osp.destinationProjectId());
            return serverId;
        }
    }

    private static void check(ActionResponse r, String what) throws ConversionException {
        if (r != null && !r.isSuccess()) {
            throw new ConversionException(what + ": " + OspErrors.text(r.getFault()) + " (HTTP " + r.getCode() + ")");
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T run() throws ConversionException;
    }

    /** Runs {@code work}; a failure's message starts with {@code what}. */
    private static <T> T named(String what, Work<T> work) throws ConversionException {
        try {
            return work.run();
        } catch (ConversionException e) {
            throw e.getMessage().startsWith(what) ? e : new ConversionException(what + ": " + e.getMessage(), e);
        }
    }

    private void sleep() throws ConversionException {
        try {
            timeouts.sleeper().sleep(timeouts.poll());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted while waiting for OpenStack");
        }
    }

    @Override
    public synchronized void close() {
        if (clients != null) {
            clients.close();
        }
    }
}
