package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Random;

/**
 * Figures for docs/performance.md (run by bench/warm.sh; not a test), through the launcher against the fake
 * vSphere and the real nbdkit (file plugin behind nbdkit-vddk-as-file):
 * <ol>
 *   <li>trigger reaction: {@code cutover} touched while {@code Waiting} → {@code status} {@code Pre-copy #N (last)}
 *       in the state file, over N runs (p50, p99, max);</li>
 *   <li>two-disk cold two-phase pre-copy wall time (launcher start to exit), copies concurrent (2) vs one after
 *       another (1).</li>
 * </ol>
 * Arguments: trigger runs, MiB of data per disk for the two-disk figure, rounds of the two-disk figure.
 */
public final class WarmBench {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long MIB = 1024 * 1024;

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(args[0]);
        int dataMib = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "warm-bench-");
        try {
            if (runs > 0) {
                triggers(dir.resolve("t"), runs);
            }
            twoDisks(dir.resolve("d"), dataMib, rounds);
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static String request(FakeVsphere fake, String vm, Path out, boolean warm) {
        ObjectNode r = fake.twoPhaseRequest(vm, warm);
        r.put("local_output_dir", out.toString());
        return r.toString();
    }

    static WrapperRun wrapper(Path dir, FakeVsphere fake) throws Exception {
        // The fake two-phase virt-v2v 2.2: virt-v2v-in-place and virt-v2v-inspector are found beside it.
        return new WrapperRun(dir)
                .virtV2v(ProjectPaths.root().resolve("src/test/resources/fake-two-phase/virt-v2v"))
                .arg("--nbdkit=" + ProjectPaths.root().resolve("src/test/resources/fake-nbdkit/nbdkit-vddk-as-file"))
                .arg("--vddk-libdir=" + dir.resolve("vddk"))
                .env("FAKE_NBDKIT_MAP", fake.frozenImageMap().toString());
    }

    static void triggers(Path dir, int runs) throws Exception {
        List<Double> ms = new ArrayList<>();
        try (FakeVsphere fake = FakeVsphere.start(Files.createDirectories(dir.resolve("fake")))) {
            for (int i = 0; i < runs; i++) {
                String vm = "vm" + i;
                fake.addVm(vm, MIB);
                fake.write(vm, 0, 0, new byte[4096]);
                fake.setShutdownDelay(vm, java.time.Duration.ZERO);
                Path out = Files.createDirectories(dir.resolve("out" + i));
                WrapperRun run = wrapper(dir.resolve("run" + i), fake).start(request(fake, vm, out, true));
                run.awaitState(s -> "Waiting".equals(s.path("status").asText()), 60);
                Thread.sleep(new Random(i).nextInt(1000)); // touch at a random point of the poll cycle
                long t0 = System.nanoTime();
                Files.createFile(run.runDir.resolve("cutover"));
                JsonNode s = awaitRaw(run, "Pre-copy #2 (last)");
                ms.add((System.nanoTime() - t0) / 1e6);
                if (run.waitFor(60) != 0) {
                    throw new AssertionError("run " + i + " failed: " + run.stderr());
                }
            }
        }
        Collections.sort(ms);
        System.out.printf("trigger reaction (cutover -> \"Pre-copy #N (last)\" in the state file), %d runs:"
                        + " p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", ms.size(), ms.get(ms.size() / 2),
                ms.get((int) Math.ceil(ms.size() * 0.99) - 1), ms.get(ms.size() - 1));
    }

    /** The state file read as a poller reads it (no schema check: it must be quick). */
    static JsonNode awaitRaw(WrapperRun run, String status) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                JsonNode s = MAPPER.readTree(run.stateFile().toFile());
                if (status.equals(s.path("status").asText())) {
                    return s;
                }
            } catch (java.io.IOException partial) {
                // atomic renames: not expected, but keep polling
            }
            Thread.sleep(5);
        }
        throw new AssertionError("never saw status " + status);
    }

    static void twoDisks(Path dir, int dataMib, int rounds) throws Exception {
        try (FakeVsphere fake = FakeVsphere.start(Files.createDirectories(dir.resolve("fake")))) {
            long capacity = 4L * dataMib * MIB;
            fake.addVm("big", capacity, capacity);
            byte[] chunk = new byte[(int) MIB];
            new Random(1).nextBytes(chunk);
            for (int disk = 0; disk < 2; disk++) {
                for (int m = 0; m < dataMib; m++) {
                    fake.write("big", disk, m * 4 * MIB, chunk);
                }
            }
            fake.setPowerState("big", "poweredOff");
            System.out.printf("two disks of %d MiB data each (in %d MiB), cold two-phase, launcher start to exit:%n",
                    dataMib, capacity / MIB);
            Map<Integer, List<Double>> seconds = new TreeMap<>();
            for (int round = 1; round <= rounds; round++) {
                StringBuilder line = new StringBuilder("  round " + round + ":");
                // Which goes first alternates from round to round, so a trend in the machine's load hits both.
                for (int parallel : round % 2 == 1 ? new int[] {2, 1} : new int[] {1, 2}) {
                    Path out = Files.createDirectories(dir.resolve("out-" + round + "-" + parallel));
                    WrapperRun run = wrapper(dir.resolve("run-" + round + "-" + parallel), fake)
                            .env("JAVA_OPTS", "-Dv2v-wrapper.precopy-parallel-disks=" + parallel);
                    long t0 = System.nanoTime();
                    run.start(request(fake, "big", out, false));
                    if (run.waitFor(600) != 0) {
                        throw new AssertionError("run failed: " + run.stderr());
                    }
                    double took = (System.nanoTime() - t0) / 1e9;
                    seconds.computeIfAbsent(parallel, k -> new ArrayList<>()).add(took);
                    line.append(String.format(" %s %.2f s", parallel == 2 ? "concurrent" : "one after another", took));
                    try (var files = Files.list(out)) {
                        for (Path f : files.toList()) {
                            Files.delete(f);
                        }
                    }
                }
                System.out.println(line);
            }
            double concurrent = WarmMemoryBench.median(seconds.get(2));
            double sequential = WarmMemoryBench.median(seconds.get(1));
            System.out.printf("  medians over %d rounds: concurrent %.2f s, one after another %.2f s,"
                    + " concurrent / one after another %.2f%n", rounds, concurrent, sequential, concurrent / sequential);
        }
    }
}
