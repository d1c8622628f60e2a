package org.v2vwrapper.output.osp;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.openstack4j.model.storage.block.Volume;
import org.openstack4j.model.storage.block.VolumeTransfer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;

/**
 * Moves virt-v2v's volumes from the conversion host's project to the destination project with Cinder volume
 * transfers: wait until each is {@code available}, create the transfer in the conversion host's project, accept it
 * in the destination project with its auth key.
 */
final class VolumeMover {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeMover.class);

    /** Statuses a volume does not leave by itself. */
    private static final Set<Volume.Status> HOPELESS = Set.of(Volume.Status.ERROR, Volume.Status.ERROR_DELETING,
            Volume.Status.ERROR_RESTORING, Volume.Status.DELETING);

    /** The volume property virt-v2v sets from {@code -oo guest-id=}. */
    static final String GUEST_ID_PROPERTY = "virt_v2v_guest_id";
    static final String DISK_INDEX_PROPERTY = "virt_v2v_disk_index";

    private final OspClients clients;
    private final OspLedger ledger;
    private final OspTimeouts timeouts;

    VolumeMover(OspClients clients, OspLedger ledger, OspTimeouts timeouts) {
        this.clients = clients;
        this.ledger = ledger;
        this.timeouts = timeouts;
    }

    /**
     * The volumes virt-v2v tagged with our guest id in the conversion host's project, in disk order: a fallback
     * when the log did not name them, and a safety net for the cleanup.
     */
    List<String> findByGuestId(OspSession conversion, String guestId) throws ConversionException {
        List<? extends Volume> all = conversion.call("listing volumes of " + conversion.label(),
                c -> c.blockStorage().volumes().list());
        if (all == null) {
            return List.of();
        }
        return all.stream()
                .filter(v -> v.getMetaData() != null && guestId.equals(v.getMetaData().get(GUEST_ID_PROPERTY)))
                .sorted(Comparator.comparingInt(VolumeMover::diskIndex))
                .map(Volume::getId)
                .filter(OspIds::isSafe)
                .toList();
    }

    private static int diskIndex(Volume v) {
        Map<String, String> md = v.getMetaData();
        try {
            return Integer.parseInt(md.getOrDefault(DISK_INDEX_PROPERTY, ""));
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** Waits (bounded) until the volume is {@code available} in the session's project and returns it. */
    Volume waitAvailable(OspSession session, String volumeId) throws ConversionException {
        Duration limit = timeouts.volumeReady();
        Instant deadline = timeouts.clock().instant().plus(limit);
        while (true) {
            ledger.checkNotStopped();
            Volume v = session.call("checking volume " + volumeId, c -> c.blockStorage().volumes().get(volumeId));
            if (v == null) {
                throw new ConversionException("volume " + volumeId + " does not exist in " + session.label());
            }
            if (v.getStatus() == Volume.Status.AVAILABLE) {
                return v;
            }
            if (HOPELESS.contains(v.getStatus())) {
                throw new ConversionException("volume " + volumeId + " is in status " + status(v) + " in "
                        + session.label());
            }
            if (!timeouts.clock().instant().isBefore(deadline)) {
                throw new ConversionException("volume " + volumeId + " is still " + status(v) + " after "
                        + limit.toSeconds() + " s; expected available");
            }
            sleep(timeouts.poll());
        }
    }

    static String status(Volume v) {
        return v.getStatus() == null ? "unknown" : v.getStatus().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Transfers each volume to the destination project; each step is recorded in the ledger as it happens. */
    void transfer(List<String> volumeIds, String transferName) throws ConversionException {
        OspSession conversion = clients.conversionProject();
        OspSession destination = clients.destinationProject();
        for (String volumeId : volumeIds) {
            waitAvailable(conversion, volumeId);
            VolumeTransfer created = ledger.step(() -> {
                VolumeTransfer t = conversion.call("creating a transfer of volume " + volumeId,
                        c -> c.blockStorage().volumes().transfer().create(volumeId, transferName));
                if (t == null || t.getId() == null || t.getAuthKey() == null) {
                    throw new ConversionException("creating a transfer of volume " + volumeId
                            + ": Cinder returned no transfer id or auth key");
                }
                ledger.volume(volumeId, new OspLedger.TransferPending(t.getId()));
                return t;
            });
            LOG.info("volume {}: transfer {} created", volumeId, created.getId());
            ledger.step(() -> {
                VolumeTransfer accepted = destination.call("accepting the transfer of volume " + volumeId + " in "
                        + destination.label(),
                        c -> c.blockStorage().volumes().transfer().accept(created.getId(), created.getAuthKey()));
                if (accepted == null) {
                    // openstack4j turns a 404 into null
                    throw new ConversionException("accepting the transfer of volume " + volumeId + ": transfer "
                            + created.getId() + " not found");
                }
                ledger.volume(volumeId, new OspLedger.InDestinationProject());
                return null;
            });
            LOG.info("volume {}: now in {}", volumeId, destination.label());
        }
        for (String volumeId : volumeIds) {
            waitAvailable(destination, volumeId);
        }
    }

    private void sleep(Duration d) throws ConversionException {
        try {
            timeouts.sleeper().sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted while waiting for OpenStack");
        }
    }
}
