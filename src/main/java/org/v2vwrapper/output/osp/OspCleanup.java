package org.v2vwrapper.output.osp;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.openstack4j.model.common.ActionResponse;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.storage.block.Volume;
import org.openstack4j.model.storage.block.VolumeAttachment;
import org.openstack4j.model.storage.block.VolumeTransfer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;

/**
 * Removes what a failed or stopped OpenStack conversion left: the instance this run created (if it got that
 * far), our volumes' attachments to the conversion host, pending transfers of our volumes, the ports we created,
 * and our volumes in whichever project holds them. Every step is best effort: errors are logged and the next
 * step runs; nothing is thrown, so the original failure stays the reported one.
 */
final class OspCleanup {
    private static final Logger LOG = LoggerFactory.getLogger(OspCleanup.class);
    private static final Set<Volume.Status> DELETABLE = Set.of(Volume.Status.AVAILABLE, Volume.Status.ERROR,
            Volume.Status.ERROR_RESTORING);

    private final OspClients clients;
    private final OspLedger ledger;
    private final OspTimeouts timeouts;
    private final String conversionHostId;
    private final String guestId;

    OspCleanup(OspClients clients, OspLedger ledger, OspTimeouts timeouts, String conversionHostId, String guestId) {
        this.clients = clients;
        this.ledger = ledger;
        this.timeouts = timeouts;
        this.conversionHostId = conversionHostId;
        this.guestId = guestId;
    }

    /** @param volumesFromLog the volume ids virt-v2v's log named, in disk order */
    void run(List<String> volumesFromLog) {
        OspLedger.Snapshot snap = ledger.stop(timeouts.call().plusSeconds(5));
        OspSession conversion = session(true);
        OspSession destination = session(false);

        Map<String, OspLedger.Place> volumes = new LinkedHashMap<>(snap.volumes());
        volumesFromLog.forEach(id -> volumes.putIfAbsent(id, new OspLedger.InConversionProject()));
        if (conversion != null) {
            try {
                // Listed in the ledger as soon as found: a volume that cannot be deleted now stays listed.
                new VolumeMover(clients, ledger, timeouts).findByGuestId(conversion, guestId).forEach(id -> {
                    if (volumes.putIfAbsent(id, new OspLedger.InConversionProject()) == null) {
                        ledger.knownVolume(id);
                    }
                });
            } catch (ConversionException | RuntimeException e) {
                LOG.warn("cleanup: cannot look for volumes tagged with guest id {}: {}", guestId, e.getMessage());
            }
        }
        LOG.info("cleanup: volumes {}, ports {}, instance {}", volumes.keySet(), snap.ports(),
                snap.serverId().orElse("none"));

        if (snap.serverId().isPresent() && destination != null) {
            deleteServer(destination, snap.serverId().get());
        }
        if (conversion != null) {
            cancelTransfers(conversion, volumes);
            detachFromConversionHost(conversion, volumes);
        }
        if (destination != null) {
            for (String port : snap.ports()) {
                deletePort(destination, port);
            }
        }
        for (Map.Entry<String, OspLedger.Place> v : volumes.entrySet()) {
            boolean inDestination = v.getValue() instanceof OspLedger.InDestinationProject;
            OspSession first = inDestination ? destination : conversion;
            OspSession second = inDestination ? conversion : destination;
            if (!deleteVolume(first, v.getKey())) {
                // Not there: a transfer whose answer we never got may have moved it.
                if (!deleteVolume(second, v.getKey()) && first != null && second != null) {
                    // In neither project: gone already (an earlier cleanup deleted it); off the ledger.
                    LOG.info("cleanup: volume {} is gone already", v.getKey());
                    ledger.volumeDeleted(v.getKey());
                }
            }
        }
    }

    private OspSession session(boolean conversionProject) {
        try {
            OspSession s = conversionProject ? clients.conversionProject() : clients.destinationProject();
            s.connect();
            return s;
        } catch (ConversionException | RuntimeException e) {
            LOG.warn("cleanup: cannot connect to OpenStack: {}", e.getMessage());
            return null;
        }
    }

    private void deleteServer(OspSession destination, String serverId) {
        try {
            ActionResponse r = destination.call("deleting instance " + serverId,
                    c -> c.compute().servers().delete(serverId));
            if (failed(r)) {
                LOG.warn("cleanup: deleting instance {} failed: {}", serverId, fault(r));
                return;
            }
            Instant deadline = timeouts.clock().instant().plus(timeouts.serverDeleted());
            while (true) {
                Server s = destination.call("checking instance " + serverId, c -> c.compute().servers().get(serverId));
                if (s == null || s.getStatus() == Server.Status.DELETED) {
                    ledger.serverDeleted();
                    LOG.info("cleanup: instance {} deleted", serverId);
                    return;
                }
                if (!timeouts.clock().instant().isBefore(deadline)) {
                    LOG.warn("cleanup: instance {} still exists (status {}) after {} s", serverId, s.getStatus(),
                            timeouts.serverDeleted().toSeconds());
                    return;
                }
                if (!sleep(timeouts.poll())) {
                    return;
                }
            }
        } catch (ConversionException | RuntimeException e) {
            LOG.warn("cleanup: {}", e.getMessage());
        }
    }

    /** Deletes every transfer request of one of our volumes (those we know and any Cinder lists). */
    private void cancelTransfers(OspSession conversion, Map<String, OspLedger.Place> volumes) {
        Map<String, String> transfers = new LinkedHashMap<>();
        for (Map.Entry<String, OspLedger.Place> v : volumes.entrySet()) {
            if (v.getValue() instanceof OspLedger.TransferPending p) {
                transfers.put(p.transferId(), v.getKey());
            }
        }
        try {
            List<? extends VolumeTransfer> listed = conversion.call("listing volume transfers",
                    c -> c.blockStorage().volumes().transfer().list(true));
            if (listed != null) {
                for (VolumeTransfer t : listed) {
                    if (t.getVolumeId() != null && volumes.containsKey(t.getVolumeId())) {
                        transfers.put(t.getId(), t.getVolumeId());
                    }
                }
            }
        } catch (ConversionException | RuntimeException e) {
            LOG.warn("cleanup: {}", e.getMessage());
        }
        for (Map.Entry<String, String> t : transfers.entrySet()) {
            try {
                ActionResponse r = conversion.call("deleting transfer " + t.getKey() + " of volume " + t.getValue(),
                        c -> c.blockStorage().volumes().transfer().delete(t.getKey()));
                if (failed(r)) {
                    LOG.warn("cleanup: deleting transfer {} of volume {} failed: {}", t.getKey(), t.getValue(), fault(r));
                } else {
                    LOG.info("cleanup: transfer {} of volume {} deleted", t.getKey(), t.getValue());
                    if (volumes.get(t.getValue()) instanceof OspLedger.TransferPending) {
                        volumes.put(t.getValue(), new OspLedger.InConversionProject());
                    }
                }
            } catch (ConversionException | RuntimeException e) {
                LOG.warn("cleanup: {}", e.getMessage());
            }
        }
    }

    private void detachFromConversionHost(OspSession conversion, Map<String, OspLedger.Place> volumes) {
        for (Map.Entry<String, OspLedger.Place> v : volumes.entrySet()) {
            if (v.getValue() instanceof OspLedger.InDestinationProject) {
                continue;
            }
            String volumeId = v.getKey();
            try {
                Volume vol = conversion.call("checking volume " + volumeId, c -> c.blockStorage().volumes().get(volumeId));
                if (vol == null || vol.getAttachments() == null) {
                    continue;
                }
                for (VolumeAttachment a : vol.getAttachments()) {
                    if (!conversionHostId.equals(a.getServerId())) {
                        continue;
                    }
                    ActionResponse r = conversion.call("detaching volume " + volumeId + " from the conversion host",
                            c -> c.compute().servers().detachVolume(conversionHostId, volumeId));
                    if (failed(r)) {
                        LOG.warn("cleanup: detaching volume {} from {} failed: {}", volumeId, conversionHostId, fault(r));
                    } else {
                        LOG.info("cleanup: volume {} detached from the conversion host", volumeId);
                    }
                }
            } catch (ConversionException | RuntimeException e) {
                LOG.warn("cleanup: {}", e.getMessage());
            }
        }
    }

    private void deletePort(OspSession destination, String portId) {
        try {
            ActionResponse r = destination.call("deleting port " + portId, c -> c.networking().port().delete(portId));
            if (failed(r)) {
                LOG.warn("cleanup: deleting port {} failed: {}", portId, fault(r));
            } else {
                ledger.portDeleted(portId);
                LOG.info("cleanup: port {} deleted", portId);
            }
        } catch (ConversionException | RuntimeException e) {
            LOG.warn("cleanup: {}", e.getMessage());
        }
    }

    /**
     * Waits (bounded) until the volume can be deleted, then deletes it. Returns false when the session's project
     * does not have it (so the caller may try the other project).
     */
    private boolean deleteVolume(OspSession session, String volumeId) {
        if (session == null) {
            return false;
        }
        try {
            Instant deadline = timeouts.clock().instant().plus(timeouts.volumeReady());
            while (true) {
                Volume v = session.call("checking volume " + volumeId, c -> c.blockStorage().volumes().get(volumeId));
                if (v == null) {
                    return false;
                }
                if (DELETABLE.contains(v.getStatus())) {
                    break;
                }
                if (v.getStatus() == Volume.Status.DELETING) {
                    ledger.volumeDeleted(volumeId);
                    return true;
                }
                if (!timeouts.clock().instant().isBefore(deadline)) {
                    LOG.warn("cleanup: volume {} is still {} after {} s; left in {}", volumeId, VolumeMover.status(v),
                            timeouts.volumeReady().toSeconds(), session.label());
                    return true;
                }
                if (!sleep(timeouts.poll())) {
                    LOG.warn("cleanup: interrupted while waiting for volume {}; left in {}", volumeId, session.label());
                    return true;
                }
            }
            ActionResponse r = session.call("deleting volume " + volumeId, c -> c.blockStorage().volumes().delete(volumeId));
            if (r != null && !r.isSuccess() && r.getCode() == 404) {
                return false;
            }
            if (failed(r)) {
                LOG.warn("cleanup: deleting volume {} in {} failed: {}", volumeId, session.label(), fault(r));
            } else {
                ledger.volumeDeleted(volumeId);
                LOG.info("cleanup: volume {} deleted from {}", volumeId, session.label());
            }
            return true;
        } catch (ConversionException | RuntimeException e) {
            LOG.warn("cleanup: {}", e.getMessage());
            return true;
        }
    }

    /** A failed action that is not "it is already gone". */
    private static boolean failed(ActionResponse r) {
        return r != null && !r.isSuccess() && r.getCode() != 404;
    }

    private static String fault(ActionResponse r) {
        return OspErrors.text(r.getFault()) + " (HTTP " + r.getCode() + ")";
    }

    /** Sleeps; false (and the interrupt flag kept) when interrupted, so the caller stops waiting. */
    private boolean sleep(Duration d) {
        try {
            timeouts.sleeper().sleep(d);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
