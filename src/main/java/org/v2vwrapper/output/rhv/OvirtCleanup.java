package org.v2vwrapper.output.rhv;

import org.ovirt.engine.sdk4.types.Disk;
import org.ovirt.engine.sdk4.types.DiskStatus;
import org.ovirt.engine.sdk4.types.ImageTransfer;
import org.ovirt.engine.sdk4.types.ImageTransferPhase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Removes what a failed rhv-upload left on the engine: for the disks virt-v2v reported, cancels the image
 * transfers still running, waits (bounded) until the disks are no longer locked, then deletes them. Every step is
 * logged; nothing is thrown.
 */
public final class OvirtCleanup {
    private static final Logger LOG = LoggerFactory.getLogger(OvirtCleanup.class);

    /** Phases after which a transfer is over (or being wound up by the engine) and cannot be cancelled. */
    static final Set<ImageTransferPhase> ENDED = EnumSet.of(ImageTransferPhase.CANCELLED,
            ImageTransferPhase.CANCELLED_SYSTEM, ImageTransferPhase.CANCELLED_USER,
            ImageTransferPhase.FINALIZING_CLEANUP, ImageTransferPhase.FINALIZING_FAILURE,
            ImageTransferPhase.FINALIZING_SUCCESS, ImageTransferPhase.FINISHED_CLEANUP,
            ImageTransferPhase.FINISHED_FAILURE, ImageTransferPhase.FINISHED_SUCCESS);

    /** The first look again at a locked disk; then twice as long each time, up to the poll interval. */
    static final Duration FIRST_POLL = Duration.ofMillis(100);

    /** What cleanup achieved. */
    public record Outcome(List<String> cancelledTransfers, List<String> removedDisks, List<String> leftDisks) {
        public boolean complete() {
            return leftDisks.isEmpty();
        }
    }

    /** How cleanup sleeps between looks at a locked disk (a seam for tests). */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final OvirtSession session;
    private final Duration unlockWait;
    private final Duration poll;
    private final Sleeper sleeper;

    public OvirtCleanup(OvirtSession session, OvirtTimeouts timeouts) {
        this(session, timeouts.diskUnlockWait(), timeouts.pollInterval(), d -> Thread.sleep(d.toMillis()));
    }

    OvirtCleanup(OvirtSession session, Duration unlockWait, Duration poll, Sleeper sleeper) {
        this.session = session;
        this.unlockWait = unlockWait;
        this.poll = poll;
        this.sleeper = sleeper;
    }

    public Outcome run(List<String> diskIds) {
        List<String> cancelled = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> left = new ArrayList<>();
        if (diskIds.isEmpty()) {
            LOG.info("oVirt cleanup: virt-v2v reported no disks, nothing to remove");
            return new Outcome(cancelled, removed, left);
        }
        LOG.info("oVirt cleanup: removing disks {} from {}", diskIds, session.endpoint().apiUrl());
        cancelTransfers(diskIds, cancelled);

        long deadline = System.nanoTime() + unlockWait.toNanos();
        Set<String> pending = new LinkedHashSet<>(diskIds);
        Duration nextPoll = FIRST_POLL.compareTo(poll) < 0 ? FIRST_POLL : poll;
        while (!pending.isEmpty()) {
            for (String id : new ArrayList<>(pending)) {
                Optional<Disk> disk;
                try {
                    disk = session.disk(id);
                } catch (OvirtCallException e) {
                    LOG.warn("oVirt cleanup: {}", e.getMessage());
                    continue; // look again on the next round, until the deadline
                }
                if (disk.isEmpty()) {
                    LOG.info("oVirt cleanup: disk {} is gone already", id);
                    pending.remove(id);
                    continue;
                }
                DiskStatus status = disk.get().statusPresent() ? disk.get().status() : null;
                if (status == DiskStatus.LOCKED) {
                    LOG.info("oVirt cleanup: disk {} is still locked, waiting", id);
                    continue;
                }
                try {
                    session.removeDisk(id);
                    LOG.info("oVirt cleanup: removed disk {} (it was {})", id,
                            status == null ? "in an unknown state" : status.value());
                    removed.add(id);
                    pending.remove(id);
                } catch (OvirtCallException e) {
                    if (e.isNotFound()) {
                        LOG.info("oVirt cleanup: disk {} is gone already", id);
                        pending.remove(id);
                    } else if (e.httpStatus() == 409) {
                        LOG.info("oVirt cleanup: disk {} cannot be removed yet ({}), waiting", id, e.getMessage());
                    } else {
                        LOG.error("oVirt cleanup: {}", e.getMessage());
                        left.add(id);
                        pending.remove(id);
                    }
                }
            }
            if (pending.isEmpty()) {
                break;
            }
            if (System.nanoTime() >= deadline) {
                LOG.error("oVirt cleanup: disks {} are still locked after {} ms; giving up, remove them by hand",
                        pending, unlockWait.toMillis());
                left.addAll(pending);
                break;
            }
            try {
                // Short, growing intervals (100 ms, 200 ms, ... up to the poll interval): a disk that unlocks
                // at once is removed at once, and a long wait does not hammer the engine.
                sleeper.sleep(nextPoll);
                nextPoll = nextPoll.multipliedBy(2).compareTo(poll) > 0 ? poll : nextPoll.multipliedBy(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.error("oVirt cleanup: interrupted; disks {} are left on the engine", pending);
                left.addAll(pending);
                break;
            }
        }
        if (left.isEmpty()) {
            LOG.info("oVirt cleanup: done (cancelled transfers {}, removed disks {})", cancelled, removed);
        } else {
            LOG.error("oVirt cleanup: incomplete, disks left on {}: {}", session.endpoint().apiUrl(), left);
        }
        return new Outcome(cancelled, removed, left);
    }

    private void cancelTransfers(List<String> diskIds, List<String> cancelled) {
        List<ImageTransfer> transfers;
        try {
            transfers = session.imageTransfers();
        } catch (OvirtCallException e) {
            LOG.error("oVirt cleanup: {}", e.getMessage());
            return;
        }
        for (ImageTransfer t : transfers) {
            String diskId = t.diskPresent() && t.disk() != null ? t.disk().id() : null;
            String imageId = t.imagePresent() && t.image() != null ? t.image().id() : null;
            boolean ours = (diskId != null && diskIds.contains(diskId)) || (imageId != null && diskIds.contains(imageId));
            if (!ours) {
                continue;
            }
            ImageTransferPhase phase = t.phasePresent() ? t.phase() : null;
            if (phase != null && ENDED.contains(phase)) {
                LOG.info("oVirt cleanup: image transfer {} of disk {} is {} already", t.id(),
                        diskId != null ? diskId : imageId, phase.value());
                continue;
            }
            try {
                session.cancelImageTransfer(t.id());
                LOG.info("oVirt cleanup: cancelled image transfer {} of disk {} (was {})", t.id(),
                        diskId != null ? diskId : imageId, phase == null ? "in an unknown phase" : phase.value());
                cancelled.add(t.id());
            } catch (OvirtCallException e) {
                LOG.error("oVirt cleanup: {}", e.getMessage());
            }
        }
    }
}
