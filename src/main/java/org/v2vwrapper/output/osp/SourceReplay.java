package org.v2vwrapper.output.osp;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.openstack4j.model.compute.Server;
import org.openstack4j.model.storage.block.Volume;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.request.OspSourceEnvironment;

/**
 * Puts an OpenStack to OpenStack source cloud back after a dead run, as its {@link SourceLedger} entries list,
 * with the credentials of the request given now (same cloud and project): in dependence order, the volumes
 * attached to the source conversion host are detached, the root copies deleted, then the snapshots and images,
 * and the data volumes detached from the VM are attached back to it (only if attached nowhere else). The same
 * rules as {@link OspMigration#restoreSource}: only what the dead run made, never a volume of the VM itself (a
 * listed copy that is one of the VM's volumes is refused and left listed). An intent without an id is warned about
 * and dropped, never looked for by name. Each step is marked done; what fails stays listed.
 */
public final class SourceReplay {
    private static final Logger LOG = LoggerFactory.getLogger(SourceReplay.class);

    private SourceReplay() {
    }

    /** Replays the entries of dead runs on {@code src}'s cloud; returns the entries still listed there after. */
    public static List<RemoteLedger.Entry> replay(RemoteLedger remote, OspSourceEnvironment src, OspTimeouts timeouts)
            throws ConversionException {
        String where = SourceLedger.where(src);
        List<RemoteLedger.Entry> entries = remote.entries(e -> e.where().equals(where)
                && !e.run().equals(remote.runId()));
        if (entries.isEmpty()) {
            return List.of();
        }
        for (RemoteLedger.Entry e : entries) {
            if (e.state() == RemoteLedger.State.INTENDED || e.id() == null) {
                LOG.warn("ledger replay: {} on the source cloud was about to be created when run {} died; it has no"
                        + " id, so it is not deleted: check for it by hand", e.describe(), e.run());
                remote.doneKey(e.key());
            }
        }
        List<RemoteLedger.Entry> exact = remote.entries(e -> e.where().equals(where)
                && !e.run().equals(remote.runId()) && e.id() != null);
        if (exact.isEmpty()) {
            return remote.entries(e -> e.where().equals(where));
        }
        LOG.info("ledger replay on the source cloud: {}", exact.stream().map(RemoteLedger.Entry::describe).toList());
        try (SourceCloud source = new SourceCloud(OspClients.session("the source cloud",
                SourceCloud.credentials(src), timeouts), timeouts, timeouts.poll())) {
            Set<String> vmVolumes = vmVolumes(source, src, exact);
            for (RemoteLedger.Entry e : of(exact, Kinds.OSP_ATTACHMENT)) {
                String server = e.attr(SourceLedger.SERVER).orElse(src.conversionVmId());
                step(remote, e, "detaching volume " + e.id() + " from the source conversion host " + server,
                        () -> source.detach(server, e.id(), timeouts.volumeReady()));
            }
            for (RemoteLedger.Entry e : of(exact, Kinds.OSP_VOLUME)) {
                if (!e.attr(SourceLedger.ROLE).orElse("").equals(SourceLedger.ROOT_COPY)
                        || vmVolumes.contains(e.id())) {
                    LOG.error("ledger replay: {} is not a root copy of the dead run or is a volume of the source VM;"
                            + " not deleted, left listed", e.describe());
                    continue;
                }
                step(remote, e, "deleting the root copy " + e.id(), () -> source.deleteVolume(e.id()));
            }
            for (RemoteLedger.Entry e : of(exact, Kinds.OSP_SNAPSHOT)) {
                step(remote, e, "deleting the root snapshot " + e.id(), () -> {
                    source.awaitSnapshotSettled(e.id());
                    if (source.findSnapshot(e.id()).isPresent()) {
                        source.deleteSnapshot(e.id());
                    }
                });
            }
            for (RemoteLedger.Entry e : of(exact, Kinds.OSP_IMAGE)) {
                step(remote, e, "deleting the root image " + e.id(), () -> {
                    if (source.findImage(e.id()).isPresent()) {
                        source.deleteImage(e.id());
                    }
                });
            }
            for (RemoteLedger.Entry e : of(exact, Kinds.OSP_DETACHED_VOLUME)) {
                String vm = e.attr(SourceLedger.VM).orElse(src.vmId());
                reattach(remote, source, e, vm, timeouts);
            }
            for (RemoteLedger.Entry e : exact) {
                if (!List.of(Kinds.OSP_ATTACHMENT, Kinds.OSP_VOLUME, Kinds.OSP_SNAPSHOT, Kinds.OSP_IMAGE,
                        Kinds.OSP_DETACHED_VOLUME).contains(e.kind())) {
                    LOG.warn("ledger replay: {} is not a source-cloud kind this wrapper undoes; left listed",
                            e.describe());
                }
            }
        }
        return remote.entries(e -> e.where().equals(where));
    }

    /** The volumes of the VMs the entries name and of the request's VM: never deleted. */
    private static Set<String> vmVolumes(SourceCloud source, OspSourceEnvironment src,
                                         List<RemoteLedger.Entry> entries) throws ConversionException {
        Set<String> ids = new HashSet<>();
        Set<String> vms = new HashSet<>();
        vms.add(src.vmId());
        for (RemoteLedger.Entry e : entries) {
            if (e.kind().equals(Kinds.OSP_DETACHED_VOLUME)) {
                ids.add(e.id());
                e.attr(SourceLedger.VM).ifPresent(vms::add);
            }
            if (e.kind().equals(Kinds.OSP_SNAPSHOT)) {
                e.attr(SourceLedger.VOLUME).ifPresent(ids::add);
            }
        }
        for (String vm : vms) {
            Server s = source.session().call("looking up the source VM " + vm, c -> c.compute().servers().get(vm));
            if (s != null) {
                ids.addAll(source.attachedVolumeIds(s));
            }
        }
        return ids;
    }

    private static void reattach(RemoteLedger remote, SourceCloud source, RemoteLedger.Entry e, String vm,
                                 OspTimeouts timeouts) {
        try {
            Volume v = source.volume(e.id()).orElse(null);
            if (v == null) {
                LOG.warn("ledger replay: volume {} detached from the source VM {} no longer exists", e.id(), vm);
            } else if (SourceCloud.deviceOn(v, vm).isPresent()) {
                LOG.info("ledger replay: volume {} is on the source VM {} already", e.id(), vm);
            } else if (v.getAttachments() != null && v.getAttachments().stream()
                    .anyMatch(a -> a.getServerId() != null && !a.getServerId().isEmpty())) {
                LOG.error("ledger replay: volume {} detached from the source VM {} by a dead run is attached to {}"
                        + " now; not moved, left listed", e.id(), vm,
                        v.getAttachments().stream().map(a -> a.getServerId()).toList());
                return;
            } else {
                source.awaitVolume(e.id(), Volume.Status.AVAILABLE);
                source.attach(vm, e.id(), timeouts.volumeReady());
                LOG.info("ledger replay: volume {} is attached back to the source VM {}", e.id(), vm);
            }
            remote.done(Kinds.OSP_DETACHED_VOLUME, e.id());
        } catch (ConversionException ex) {
            LOG.error("ledger replay: re-attaching volume {} to the source VM {} failed (left listed): {}", e.id(), vm,
                    ex.getMessage());
        }
    }

    private static List<RemoteLedger.Entry> of(List<RemoteLedger.Entry> entries, String kind) {
        return entries.stream().filter(e -> e.kind().equals(kind)).toList();
    }

    @FunctionalInterface
    private interface Undo {
        void run() throws ConversionException;
    }

    private static void step(RemoteLedger remote, RemoteLedger.Entry e, String what, Undo undo) {
        try {
            undo.run();
            remote.done(e.kind(), e.id());
            LOG.info("ledger replay: {}: done", what);
        } catch (ConversionException ex) {
            LOG.error("ledger replay: {} failed (left listed): {}", what, ex.getMessage());
        }
    }
}
