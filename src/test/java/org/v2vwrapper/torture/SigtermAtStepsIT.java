package org.v2vwrapper.torture;

import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SIGTERM at the start of every step of every itinerary ({@link StepSigterm}). Short form for CI: one step per
 * itinerary ({@code -Dsigterm.steps}) picked by {@code -Dsigterm.seed} (printed); {@code -Dsigterm.all=true} runs
 * every step (the full form, {@code bench/torture/sigterm.sh}; the matrix is in docs/reliability.md).
 */
class SigtermAtStepsIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"local", "ovirt", "openstack", "warm", "osp2osp", "nbd_export_only"})
    void sigtermAtEachStepEndsAsDocumentedAndLeavesNothing(String destination) throws Exception {
        assumeTrue(List.of(System.getProperty("sigterm.destinations",
                "local,ovirt,openstack,warm,osp2osp,nbd_export_only").split(",")).contains(destination),
                "not in -Dsigterm.destinations");
        boolean all = Boolean.getBoolean("sigterm.all");
        long seed = Long.getLong("sigterm.seed", System.nanoTime());
        try (TortureDestination dest = switch (destination) {
            case "local" -> new LocalDestination(true);
            case "ovirt" -> new OvirtDestination(true);
            case "openstack" -> new OpenstackDestination();
            case "warm" -> new WarmDestination(tmp.resolve("warm-fake"));
            case "osp2osp" -> new Osp2OspDestination();
            default -> new NbdExportDestination(tmp.resolve("nbd"));
        }) {
            List<String> steps = new ArrayList<>(StepSigterm.STEPS.get(StepSigterm.itineraryOf(dest)));
            if (!all) {
                java.util.Collections.shuffle(steps, new Random(seed));
                steps = steps.subList(0, Math.min(Integer.getInteger("sigterm.steps", 1), steps.size()));
            }
            List<String> problems = new ArrayList<>();
            int i = 0;
            for (String step : steps) {
                StepSigterm.Outcome o = StepSigterm.run(dest, step, i, tmp.resolve(destination + "-" + i));
                System.out.println("sigterm (seed " + seed + ") " + o.line());
                if (!o.problems().isEmpty()) {
                    problems.add(o.line());
                }
                i++;
            }
            assertEquals(List.of(), problems, "seed " + seed);
        }
    }
}
