package org.v2vwrapper.torture;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.v2vwrapper.e2e.ProjectPaths;
import org.v2vwrapper.e2e.Scenario;
import org.v2vwrapper.e2e.WrapperRun;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Two-phase warm pre-copy to a local directory against the fake vSphere, as {@code e2e/WarmPreCopyIT} runs it:
 * the real nbdkit behind {@code fake-nbdkit/nbdkit-vddk-as-file} serving the fake's frozen snapshot images, the
 * fake virt-v2v 2.2 family of {@code fake-two-phase/}. The caller's {@code cutover} file is in the run directory
 * from the start, so every run goes through the whole itinerary (checks, pre-copy #1, the shutdown, the final
 * snapshot and copy, the in-place conversion) within about two seconds. Left on the fake after the final run:
 * the snapshots of the killed runs (they must be none, or listed in the ledger).
 */
public final class WarmDestination implements TortureDestination {
    static final String VM = "web01";
    private final FakeVsphere fake;
    private final Path base;

    public WarmDestination(Path base) throws IOException {
        this.base = Files.createDirectories(base);
        fake = FakeVsphere.start(base.resolve("fake"));
        fake.addVm(VM, 2L << 20, 1L << 20);
        byte[] data = new byte[200_000];
        new Random(17).nextBytes(data);
        fake.write(VM, 0, 4096, data);
        fake.write(VM, 1, 300_000, data);
    }

    @Override
    public String name() {
        return "warm";
    }

    @Override
    public int lastExitCode() {
        return 0;
    }

    @Override
    public String request(Path dir) {
        return request(dir, 0);
    }

    @Override
    public String request(Path dir, int i) {
        ObjectNode r = fake.twoPhaseRequest(VM, true);
        // Each iteration its own output directory: a killed run's disks there are its own business (local output
        // has no remote side), and the next run must not trip over them.
        r.put("local_output_dir", dir.resolve("out-" + i).toString());
        return r.toString();
    }

    @Override
    public Scenario scenario(int i) {
        return new Scenario(); // not used: the fake two-phase family has its own script
    }

    @Override
    public WrapperRun prepare(WrapperRun run, int i) throws IOException {
        Files.createDirectories(run.dir.resolve("out-" + i));
        Files.writeString(run.runDir.resolve("cutover"), "");
        return run.virtV2v(ProjectPaths.root().resolve("src/test/resources/fake-two-phase/virt-v2v"))
                .arg("--nbdkit=" + ProjectPaths.root().resolve("src/test/resources/fake-nbdkit/nbdkit-vddk-as-file"))
                .arg("--vddk-libdir=" + base.resolve("vddk"))
                .env("FAKE_NBDKIT_MAP", fake.frozenImageMap().toString());
    }

    @Override
    public Set<String> callerFiles() {
        return Set.of("cutover");
    }

    @Override
    public List<String> processMarkers() {
        return List.of(base.toString());
    }

    @Override
    public List<String> remoteLeftovers(int iterations, Set<Integer> completed) {
        List<String> left = new ArrayList<>();
        int snapshots = fake.snapshotsAlive(VM);
        if (snapshots > 0) {
            left.add(snapshots + " snapshot(s) of " + VM);
        }
        return left;
    }

    @Override
    public void close() {
        fake.close();
    }
}
