package org.v2vwrapper.output;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.output.osp.OspConversion;
import org.v2vwrapper.output.osp.OspReplay;
import org.v2vwrapper.output.osp.OspTimeouts;
import org.v2vwrapper.output.osp.SourceLedger;
import org.v2vwrapper.output.osp.SourceReplay;
import org.v2vwrapper.output.rhv.OvirtCleanup;
import org.v2vwrapper.output.rhv.OvirtConnectionFactory;
import org.v2vwrapper.output.rhv.OvirtEndpoint;
import org.v2vwrapper.output.rhv.OvirtPreCopyDisks;
import org.v2vwrapper.output.rhv.OvirtSession;
import org.v2vwrapper.output.rhv.OvirtUploadIntent;
import org.v2vwrapper.output.rhv.OvirtVmCreator;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.RhvDestination;
import org.v2vwrapper.vsphere.SnapshotReplay;
import org.v2vwrapper.vsphere.VsphereEndpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Replays a dead run's {@link RemoteLedger}: deletes exactly what it lists on the systems the given request
 * reaches with its credentials (the same oVirt engine, the same OpenStack cloud, an OpenStack→OpenStack source
 * cloud), marking each deletion done.
 * Entries for other systems are left listed, untouched. Used by the next run on the same run directory and by
 * {@code virt-v2v-wrapper cleanup --run-dir DIR --input request.json}. Never throws.
 */
public final class LedgerReplay {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerReplay.class);

    /** What a replay did. */
    public record Outcome(int listedBefore, List<RemoteLedger.Entry> removed, List<RemoteLedger.Entry> left,
                          List<RemoteLedger.Entry> otherSystems) {
        public boolean complete() {
            return left.isEmpty();
        }
    }

    private final OvirtConnectionFactory ovirt;
    private final OspTimeouts osp;

    public LedgerReplay() {
        this(new OvirtConnectionFactory(), OspTimeouts.defaults());
    }

    public LedgerReplay(OvirtConnectionFactory ovirt, OspTimeouts osp) {
        this.ovirt = ovirt;
        this.osp = osp;
    }

    /** Replays the entries not made by {@code remote}'s own run. */
    public Outcome replay(RemoteLedger remote, ConversionRequest request, WrapperSettings settings) {
        List<RemoteLedger.Entry> before = remote.entries(e -> !e.run().equals(remote.runId()));
        if (before.isEmpty()) {
            return new Outcome(0, List.of(), List.of(), List.of());
        }
        LOG.warn("the ledger of a previous run lists {} remote object(s): {}", before.size(),
                before.stream().map(RemoteLedger.Entry::describe).toList());
        List<String> reachable = new ArrayList<>();
        if (request.rhv().isPresent()) {
            RhvDestination rhv = request.rhv().get();
            OvirtEndpoint engine = OvirtEndpoint.of(rhv, request.insecureConnection(), settings.caBundle());
            String where = RhvTarget.ledgerWhere(engine);
            reachable.add(where);
            replayOvirt(remote, engine, where);
        }
        if (request.osp().isPresent()) {
            try {
                String where = OspConversion.ledgerWhere(request.osp().get(), request.insecureConnection());
                reachable.add(where);
                OspReplay.replay(remote, request.osp().get(), request.insecureConnection(), osp);
            } catch (ConversionException | RuntimeException e) {
                LOG.error("ledger replay on OpenStack failed: {}", e.getMessage());
            }
        }
        if (request.ospSource().isPresent()) {
            // An OpenStack→OpenStack run's source cloud: its copies, snapshots, images and attachments, and the
            // data volumes it had detached from the VM.
            try {
                reachable.add(SourceLedger.where(request.ospSource().get()));
                SourceReplay.replay(remote, request.ospSource().get(), osp);
            } catch (ConversionException | RuntimeException e) {
                LOG.error("ledger replay on the OpenStack source cloud failed: {}", e.getMessage());
            }
        }
        if (request.vmwareUri().isPresent() && request.vmwarePassword().isPresent()) {
            // A warm run's pre-copy snapshots, on the vSphere the request names.
            try {
                VsphereEndpoint ep = VsphereEndpoint.parse(request.vmwareUri().get(),
                        request.vmwareFingerprint().orElse(null));
                reachable.add(SnapshotReplay.where(ep));
                SnapshotReplay.replay(remote, ep, request.vmwarePassword().get());
            } catch (RuntimeException e) {
                LOG.error("ledger replay on vSphere failed: {}", org.v2vwrapper.text.Throwables.withoutMessages(e));
            }
        }
        Set<String> keysAfter = new java.util.HashSet<>();
        remote.entries().forEach(e -> keysAfter.add(e.key()));
        List<RemoteLedger.Entry> removed = before.stream().filter(e -> !keysAfter.contains(e.key())).toList();
        List<RemoteLedger.Entry> left = before.stream()
                .filter(e -> keysAfter.contains(e.key()) && reachable.contains(e.where())).toList();
        List<RemoteLedger.Entry> others = before.stream().filter(e -> !reachable.contains(e.where())).toList();
        if (!others.isEmpty()) {
            LOG.warn("ledger replay: {} object(s) on other systems are left listed (this request does not reach"
                    + " them): {}", others.size(), others.stream().map(e -> e.where() + " " + e.describe()).toList());
        }
        LOG.info("ledger replay: removed {}, left {}", removed.stream().map(RemoteLedger.Entry::describe).toList(),
                left.stream().map(RemoteLedger.Entry::describe).toList());
        return new Outcome(before.size(), removed, left, others);
    }

    private void replayOvirt(RemoteLedger remote, OvirtEndpoint engine, String where) {
        List<RemoteLedger.Entry> disks = remote.entries(e -> e.where().equals(where)
                && e.kind().equals(Kinds.OVIRT_DISK) && e.id() != null && !e.run().equals(remote.runId()));
        List<RemoteLedger.Entry> uploads = remote.entries(e -> e.where().equals(where)
                && e.kind().equals(Kinds.OVIRT_UPLOAD_DISKS) && !e.run().equals(remote.runId()));
        if (disks.isEmpty() && uploads.isEmpty()) {
            return;
        }
        List<String> ids = disks.stream().map(RemoteLedger.Entry::id).distinct().toList();
        try (OvirtSession s = ovirt.open(engine)) {
            if (!ids.isEmpty()) {
                detachFromConversionHosts(s, disks);
                OvirtCleanup.Outcome outcome = new OvirtCleanup(s, ovirt.timeouts()).run(ids);
                for (String id : ids) {
                    if (!outcome.leftDisks().contains(id)) {
                        remote.done(Kinds.OVIRT_DISK, id);
                    }
                }
            }
            // After the listed ones: what rhv-upload made that the dead run never learnt the id of.
            for (RemoteLedger.Entry intent : uploads) {
                replayUploads(remote, s, intent);
            }
        } catch (ConversionException | RuntimeException e) {
            LOG.error("ledger replay on the oVirt engine at {} failed: {}", engine.apiUrl(), e.getMessage());
        }
    }

    private void replayUploads(RemoteLedger remote, OvirtSession s, RemoteLedger.Entry intent) {
        var identity = OvirtUploadIntent.Identity.of(intent);
        if (identity.isEmpty()) {
            LOG.warn("ledger replay: {} of run {} does not say what to look for; dropped, check the engine by hand",
                    intent.describe(), intent.run());
            remote.doneKey(intent.key());
            return;
        }
        if (OvirtUploadIntent.removeFound(s, ovirt.timeouts(), identity.get(), "run " + intent.run())) {
            remote.doneKey(intent.key());
        }
    }

    /**
     * A two-phase run's disks are attached to the conversion host's VM, which is up: the engine deletes them only
     * once detached. Detaches each from the VM its entry names and waits (10 min at most); a VM or attachment
     * already gone is fine.
     */
    private static void detachFromConversionHosts(OvirtSession s, List<RemoteLedger.Entry> disks) {
        java.util.Map<String, List<String>> byVm = new java.util.LinkedHashMap<>();
        for (RemoteLedger.Entry e : disks) {
            e.attr(OvirtPreCopyDisks.ATTACHED_TO).ifPresent(vm -> byVm.computeIfAbsent(vm, k -> new ArrayList<>())
                    .add(e.id()));
        }
        for (var vm : byVm.entrySet()) {
            try {
                new OvirtVmCreator(s, java.time.Duration.ofMinutes(10), java.time.Duration.ofSeconds(2))
                        .detach(vm.getKey(), vm.getValue());
                LOG.info("ledger replay: disks {} are detached from the VM {}", vm.getValue(), vm.getKey());
            } catch (ConversionException e) {
                LOG.warn("ledger replay: {} (the disks are deleted if the engine lets us)", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
