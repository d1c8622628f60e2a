package org.v2vwrapper.output.osp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.request.OspDestination;

/**
 * Deletes what a dead run's ledger lists on one OpenStack cloud, with the credentials of a new request for the same
 * cloud: the instance, the ports, pending transfers, attachments to the conversion host and the volumes (by id,
 * plus those tagged with the dead run's guest id), through the same {@link OspCleanup} a failed run uses. Each
 * deletion is marked done in the ledger; what cannot be deleted stays listed.
 */
public final class OspReplay {
    private static final Logger LOG = LoggerFactory.getLogger(OspReplay.class);

    private OspReplay() {
    }

    /** Replays {@code remote}'s entries for the cloud of {@code osp}; returns the entries still listed after. */
    public static List<RemoteLedger.Entry> replay(RemoteLedger remote, OspDestination osp, boolean insecure,
                                                  OspTimeouts timeouts) throws ConversionException {
        String where = OspConversion.ledgerWhere(osp, insecure);
        List<RemoteLedger.Entry> ours = remote.entries(e -> e.where().equals(where));
        if (ours.isEmpty()) {
            return List.of();
        }
        Map<String, List<RemoteLedger.Entry>> byRun = new LinkedHashMap<>();
        ours.forEach(e -> byRun.computeIfAbsent(e.run(), r -> new ArrayList<>()).add(e));
        try (OspClients clients = OspClients.forRequest(osp, insecure, timeouts)) {
            for (Map.Entry<String, List<RemoteLedger.Entry>> run : byRun.entrySet()) {
                replayRun(remote, where, clients, osp, timeouts, run.getKey(), run.getValue());
            }
        }
        return remote.entries(e -> e.where().equals(where));
    }

    private static void replayRun(RemoteLedger remote, String where, OspClients clients, OspDestination osp,
                                  OspTimeouts timeouts, String run, List<RemoteLedger.Entry> entries) {
        Map<String, OspLedger.Place> volumes = new LinkedHashMap<>();
        List<String> ports = new ArrayList<>();
        Optional<String> server = Optional.empty();
        List<RemoteLedger.Entry> tagged = new ArrayList<>();
        for (RemoteLedger.Entry e : entries) {
            if (e.state() == RemoteLedger.State.INTENDED && !e.kind().equals(Kinds.OSP_TAGGED_VOLUMES)) {
                // No id: nothing exact to delete. Said once, then dropped (never deleted by name).
                LOG.warn("ledger replay: {} of run {} was about to be created when that run died; it has no id, so"
                        + " it is not deleted: check for it by hand", e.describe(), run);
                remote.doneKey(e.key());
                continue;
            }
            switch (e.kind()) {
                case Kinds.OSP_VOLUME -> volumes.put(e.id(), OspLedger.placeOf(e));
                case Kinds.OSP_PORT -> ports.add(e.id());
                case Kinds.OSP_INSTANCE -> server = Optional.of(e.id());
                case Kinds.OSP_TAGGED_VOLUMES -> tagged.add(e);
                default -> LOG.warn("ledger replay: {} is not an OpenStack kind this wrapper removes; left listed",
                        e.describe());
            }
        }
        String conversionHost = tagged.stream().map(t -> t.attr("conversion_host").orElse(null))
                .filter(h -> h != null).findFirst().orElse(osp.serverId());
        List<String> guestIds = tagged.stream().map(t -> t.attr("guest_id").orElse(null)).filter(g -> g != null)
                .toList();
        LOG.info("ledger replay of run {}: volumes {}, ports {}, instance {}, volumes tagged {}", run,
                volumes.keySet(), ports, server.orElse("none"), guestIds);
        OspLedger ledger = new OspLedger().persistTo(remote, where);
        ledger.restore(volumes, ports, server);
        // No guest id: a tag nobody has, so no volume is found by tag.
        String guestId = guestIds.isEmpty() ? "ledger-replay-no-guest-id" : guestIds.get(0);
        new OspCleanup(clients, ledger, timeouts, conversionHost, guestId).run(List.of());
        for (int i = 1; i < guestIds.size(); i++) {
            new OspCleanup(clients, ledger, timeouts, conversionHost, guestIds.get(i)).run(List.of());
        }
        OspLedger.Snapshot left = ledger.snapshot();
        if (left.volumes().isEmpty()) {
            tagged.forEach(t -> remote.doneKey(t.key()));
        }
    }
}
