package org.v2vwrapper.torture;

import org.v2vwrapper.e2e.Scenario;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Cold conversion to the fake oVirt engine: the fake virt-v2v creates each iteration's disk on the engine as
 * rhv-upload does ({@code <vm name>-000}, {@code Uploaded by virt-v2v}, on the {@code -os} domain) and names it in
 * its log 0.3 s later; every such disk must be gone after the final run, those the killed run never had in its
 * ledger too (found by its upload intent).
 */
public final class OvirtDestination implements TortureDestination {
    private final FakeOvirtEngine engine;
    private final boolean succeed;
    /**
     * Iterations killed after virt-v2v made their disk but before the wrapper had its id in the ledger: virt-v2v
     * names a disk in its log only after creating it and the wrapper tracks the log every 250 ms. Only the upload
     * intent (docs/reliability.md) lets the next run find such a disk; counted, and the disk must be gone.
     */
    private final java.util.Set<Integer> unlistedAtKill = new java.util.TreeSet<>();

    /** virt-v2v fails after the upload (exit 3): every disk goes in the failure cleanup. */
    public OvirtDestination() throws IOException {
        this(false);
    }

    /**
     * {@code succeed}: virt-v2v creates iteration {@code i}'s VM {@code t<i>} (as rhv-upload does) and succeeds,
     * so the run goes on to its last step; a finished run's disk is its result.
     */
    public OvirtDestination(boolean succeed) throws IOException {
        this.succeed = succeed;
        engine = FakeOvirtEngine.start(TestCa.shared());
        engine.addCluster("Default");
        engine.addStorageDomain("data", "nfs");
        engine.setUnlockAfterGets(1);
    }

    static String vmId(int i) {
        return "cccccccc-0000-4000-8000-%012d".formatted(i);
    }

    static String disk(int i) {
        return "dddddddd-0000-4000-8000-%012d".formatted(i);
    }

    @Override
    public String name() {
        return "ovirt";
    }

    @Override
    public List<String> launcherArgs() {
        try {
            return List.of("--ca-bundle=" + TestCa.shared().caPem());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int lastExitCode() {
        return succeed ? 0 : 2;
    }

    @Override
    public String request(Path dir) {
        return request(dir, 0);
    }

    @Override
    public String request(Path dir, int i) {
        return """
                {"vm_name": "%s", "transport_method": "vddk",
                 "vmware_uri": "esx://root@esxi.example.com?no_verify=1", "vmware_password": "Tortur3-S3cret",
                 "vmware_fingerprint": "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C",
                 "rhv_url": "%s", "rhv_password": "%s", "rhv_cluster": "Default", "rhv_storage": "data"}
                """.formatted(vmName(i), engine.url(), engine.password());
    }

    private String vmName(int i) {
        return succeed ? "t" + i : "win7";
    }

    @Override
    public Scenario scenario(int i) {
        String control = engine.url().replace(FakeOvirtEngine.API, "") + FakeOvirtEngine.CONTROL;
        Scenario s = new Scenario().out("[   0.0] Setting up the source: -i libvirt -ic esx://root@esxi.example.com win7")
                .sleep(0.2).child()
                .out("[  10.0] Copying disk 1/1")
                .add("http-post " + control + "disks?id=" + disk(i) + "&status=ok&name=" + vmName(i)
                        + "-000&description=Uploaded+by+virt-v2v&storage_domain=data")
                // rhv-upload logs the id once the engine answered; the wider window makes kills land in it.
                .sleep(0.3).err("disk.id = '" + disk(i) + "'").errCr(Scenario.progressBar(20)).sleep(0.5)
                .errCr(Scenario.progressBar(70)).sleep(0.5).err(Scenario.progressBar(100));
        if (!succeed) {
            return s.exit(3);
        }
        return s.out("[  20.0] Creating output metadata").err("<VirtualSystem ovf:id='" + vmId(i) + "'>")
                .add("http-post " + control + "vms?id=" + vmId(i) + "&name=t" + i)
                .out("[  21.0] Finishing off").exit(0);
    }

    @Override
    public void afterKill(int i, Path runDir) throws IOException {
        Path ledger = runDir.resolve(org.v2vwrapper.ledger.RemoteLedger.FILE_NAME);
        boolean listed = java.nio.file.Files.exists(ledger) && java.nio.file.Files.readString(ledger).contains(disk(i));
        if (engine.hasDisk(disk(i)) && !listed) {
            unlistedAtKill.add(i);
        }
    }

    @Override
    public List<String> remoteLeftovers(int iterations, java.util.Set<Integer> completed) {
        List<String> left = new ArrayList<>();
        for (int i = 0; i <= iterations; i++) {
            if (succeed && (i == iterations || completed.contains(i))) {
                continue; // that run's result
            }
            if (engine.hasDisk(disk(i))) {
                left.add(disk(i) + (unlistedAtKill.contains(i) ? " (never in the ledger by id)" : ""));
            }
        }
        System.out.println("torture ovirt: " + unlistedAtKill.size() + " kill(s) between virt-v2v's disk creation"
                + " and its id reaching the ledger " + unlistedAtKill + ", of those disks left: "
                + unlistedAtKill.stream().filter(i -> engine.hasDisk(disk(i))).count());
        return left;
    }

    @Override
    public void close() {
        engine.close();
    }
}
