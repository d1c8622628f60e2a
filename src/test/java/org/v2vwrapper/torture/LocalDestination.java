package org.v2vwrapper.torture;

import org.v2vwrapper.e2e.Scenario;

import java.nio.file.Path;
import java.util.List;

/** Cold conversion to a local directory: nothing remote; secrets, temp files and processes are what count. */
public final class LocalDestination implements TortureDestination {
    private final boolean succeed;

    /** virt-v2v fails at the end (exit 3): the run always ends in its failure cleanup. */
    public LocalDestination() {
        this(false);
    }

    /** {@code succeed}: virt-v2v succeeds, so the run goes on to its last step. */
    public LocalDestination(boolean succeed) {
        this.succeed = succeed;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public String request(Path dir) {
        return """
                {"vm_name": "win7", "transport_method": "vddk",
                 "vmware_uri": "esx://root@esxi.example.com?no_verify=1", "vmware_password": "Tortur3-S3cret",
                 "vmware_fingerprint": "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C",
                 "local_output_dir": "%s"}
                """.formatted(dir.resolve("out"));
    }

    @Override
    public Scenario scenario(int i) {
        return new Scenario().out("[   0.0] Setting up the source").sleep(0.2).child()
                .out("[   1.0] Opening the source").sleep(0.3)
                .out("[  10.0] Copying disk 1/1").errCr(Scenario.progressBar(30)).sleep(0.5)
                .errCr(Scenario.progressBar(80)).sleep(0.5).err(Scenario.progressBar(100))
                .out("[  20.0] Creating output metadata").exit(succeed ? 0 : 3);
    }

    @Override
    public int lastExitCode() {
        return succeed ? 0 : 2;
    }

    @Override
    public List<String> remoteLeftovers(int iterations, java.util.Set<Integer> completed) {
        return List.of();
    }
}
