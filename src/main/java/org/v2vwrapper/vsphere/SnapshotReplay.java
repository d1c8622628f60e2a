package org.v2vwrapper.vsphere;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.request.Secret;

import java.util.List;
import java.util.Locale;

/**
 * A dead warm run's pre-copy snapshots, as its {@link RemoteLedger} lists them: removed with the credentials of the
 * request given now (same vCenter/ESXi). An entry with an id is removed by that id; an intent (the run died while
 * {@code CreateSnapshot_Task} ran) by the name and VM it names, and only snapshots of exactly that name on exactly
 * that VM. A snapshot already gone counts as removed. Never throws; what it could not remove stays listed.
 */
public final class SnapshotReplay {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReplay.class);
    /** Entry attributes: the VM's moref and the snapshot's name. */
    public static final String VM = "vm";
    public static final String NAME = "name";

    private SnapshotReplay() {
    }

    /** Where the ledger says a vSphere endpoint's objects live. */
    public static String where(VsphereEndpoint endpoint) {
        return RemoteLedger.where("vsphere", endpoint.sdkUri().toString());
    }

    public static void replay(RemoteLedger ledger, VsphereEndpoint endpoint, Secret password) {
        String where = where(endpoint);
        List<RemoteLedger.Entry> entries = ledger.entries(e -> e.where().equals(where)
                && e.kind().equals(Kinds.VSPHERE_SNAPSHOT) && !e.run().equals(ledger.runId()));
        if (entries.isEmpty()) {
            return;
        }
        try (VsphereClient client = VsphereClient.connect(endpoint, VsphereClient.Options.DEFAULT)) {
            client.login(password);
            for (RemoteLedger.Entry e : entries) {
                remove(client, ledger, e);
            }
        } catch (VsphereException | RuntimeException e) {
            LOG.error("ledger replay on vSphere {} failed: {}", endpoint.sdkUri(), e.getMessage());
        }
    }

    private static void remove(VsphereClient client, RemoteLedger ledger, RemoteLedger.Entry e) {
        try {
            if (e.id() != null) {
                removeOne(client, new ManagedObjectRef("VirtualMachineSnapshot", e.id()));
                ledger.done(Kinds.VSPHERE_SNAPSHOT, e.id());
                return;
            }
            String vm = e.attr(VM).orElse(null);
            String name = e.attr(NAME).orElse(null);
            if (vm == null || name == null) {
                LOG.warn("ledger replay: {} names no VM or snapshot name; left listed", e.describe());
                return;
            }
            for (SnapshotInfo.Entry s : client.vmInfo(new ManagedObjectRef("VirtualMachine", vm)).snapshot()
                    .snapshots()) {
                if (name.equals(s.name())) {
                    removeOne(client, s.snapshot());
                }
            }
            ledger.doneKey(e.key());
        } catch (VsphereException ex) {
            if (gone(ex)) {
                LOG.info("ledger replay: {} is gone already", e.describe());
                if (e.id() != null) {
                    ledger.done(Kinds.VSPHERE_SNAPSHOT, e.id());
                } else {
                    ledger.doneKey(e.key());
                }
            } else {
                LOG.error("ledger replay: cannot remove {}: {}", e.describe(), ex.getMessage());
            }
        }
    }

    private static void removeOne(VsphereClient client, ManagedObjectRef snapshot) throws VsphereException {
        LOG.info("ledger replay: removing the snapshot {} a dead run left", snapshot.value());
        client.removeSnapshot(snapshot);
    }

    private static boolean gone(VsphereException e) {
        String t = e.faultType() == null ? "" : e.faultType();
        return t.equals("ManagedObjectNotFound") || (e.getMessage() != null
                && e.getMessage().toLowerCase(Locale.ROOT).contains("has already been deleted"));
    }
}
