package org.v2vwrapper.torture;

import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The torture suite's SIGKILL part, short form for CI ({@code -Dtorture.kills}, default 3 per destination);
 * the full form is {@code bench/torture/kill.sh} (figures in docs/reliability.md).
 */
class TortureIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"local", "ovirt", "openstack", "warm", "osp2osp"})
    void sigkillAtRandomMomentsLeavesNothingAfterTheNextRun(String destination) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(List.of(System.getProperty("torture.destinations",
                "local,ovirt,openstack,warm,osp2osp").split(",")).contains(destination), "not in -Dtorture.destinations");
        int kills = Integer.getInteger("torture.kills", 3);
        long maxDelay = Long.getLong("torture.maxDelayMs", 4_000);
        long seed = Long.getLong("torture.seed", System.nanoTime());
        try (TortureDestination dest = switch (destination) {
            case "local" -> new LocalDestination();
            case "ovirt" -> new OvirtDestination();
            case "warm" -> new WarmDestination(tmp.resolve("warm-fake"));
            case "osp2osp" -> new Osp2OspDestination();
            default -> new OpenstackDestination();
        }) {
            KillTorture.Result r = KillTorture.run(dest, kills, maxDelay, tmp.resolve(destination), seed);
            System.out.println("torture (seed " + seed + ") " + r.line());
            assertTrue(r.reads() > 0, "the reader read nothing");
            // Everything local must be clean, and every remote object the ledger covers gone (an itinerary may
            // except the objects a kill left before their id reached the ledger: coveredLeftovers says which).
            assertTrue(r.locallyClean(), "seed " + seed + ": " + r.line() + " invalid: " + r.invalidReads());
            assertEquals(List.of(), dest.coveredLeftovers(r.remoteLeftovers()),
                    "seed " + seed + ": left although the ledger lists them: " + r.line());
            if (dest.ledgerCoversRemoteObjects()) {
                assertEquals(dest.lastExitCode(), r.lastExitCode(), r.line());
            }
        }
    }
}
