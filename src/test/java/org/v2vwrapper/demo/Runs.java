package org.v2vwrapper.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.v2vwrapper.e2e.ProjectPaths;
import org.v2vwrapper.e2e.WrapperRun;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The requests and launcher runs of the warm demo and bench: the real virt-v2v 2.2 tools, the fake vSphere. */
final class Runs {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final Path VIRT_V2V = Path.of("/usr/bin/virt-v2v");
    static final List<Path> TOOLS = List.of(VIRT_V2V, Path.of("/usr/bin/virt-v2v-in-place"),
            Path.of("/usr/bin/virt-v2v-inspector"), Path.of("/usr/bin/guestfish"), Path.of("/usr/bin/nbdkit"));

    private Runs() {
    }

    /** Fails clearly (exit 3 from the mains) when a tool the real run needs is missing. */
    static void requireTools() {
        for (Path tool : TOOLS) {
            if (!Files.isExecutable(tool)) {
                throw new IllegalStateException(tool + " is missing (apt-get install -y virt-v2v nbdkit"
                        + " libguestfs-tools, see README.md)");
            }
        }
        if (!Files.isRegularFile(ProjectPaths.root().resolve("target/v2v-wrapper.jar"))) {
            throw new IllegalStateException("build first: mvn -B -DskipTests package");
        }
    }

    /** Warm two-phase from the fake to a local directory; iterations only on copy_trigger (or after an hour). */
    static ObjectNode warmRequest(FakeVsphere fake, String vm, Path out) {
        return warmRequest(fake, vm, out, 1);
    }

    /** The same for a VM of {@code disks} disks (as {@link FakeVsphere#addVm} names them: vm, vm_1, vm_2…). */
    static ObjectNode warmRequest(FakeVsphere fake, String vm, Path out, int disks) {
        ObjectNode r = fake.twoPhaseRequest(vm, true);
        r.put("local_output_dir", out.toString());
        // As ManageIQ sends them: the VMware disk files, matched by the state file's disks[].path.
        var sourceDisks = r.putArray("source_disks");
        for (int i = 0; i < disks; i++) {
            sourceDisks.add("[" + FakeVsphere.DATASTORE + "] " + vm + "/" + (i == 0 ? vm : vm + "_" + i) + ".vmdk");
        }
        return r;
    }

    /** One-phase (cold) conversion of local copies of the same guest images by virt-v2v -i disk. */
    static ObjectNode coldRequest(String vm, Path out, Path... images) {
        ObjectNode r = MAPPER.createObjectNode();
        r.put("vm_name", vm);
        r.put("transport_method", "disk");
        var sourceDisks = r.putArray("source_disks");
        for (Path image : images) {
            sourceDisks.add(image.toString());
        }
        r.put("local_output_dir", out.toString());
        r.put("output_format", "raw");
        return r;
    }

    /** The request as shown to a reader: the password replaced. */
    static String shown(ObjectNode request) throws IOException {
        ObjectNode copy = request.deepCopy();
        if (copy.has("vmware_password")) {
            copy.put("vmware_password", "(hidden)");
        }
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(copy);
    }

    static WrapperRun wrapper(Path dir, FakeVsphere fake) throws IOException {
        WrapperRun run = new WrapperRun(dir).virtV2v(VIRT_V2V);
        if (fake != null) {
            run.arg("--nbdkit=" + ProjectPaths.root().resolve("src/test/resources/fake-nbdkit/nbdkit-vddk-as-file"))
                    .arg("--vddk-libdir=" + dir.resolve("vddk"))
                    .env("FAKE_NBDKIT_MAP", fake.frozenImageMap().toString());
        }
        // TCG unless the caller chose: the project's machines have no usable KVM (docs/test-guest.md).
        if (System.getenv("LIBGUESTFS_BACKEND_SETTINGS") == null) {
            run.env("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        }
        return run.env("LIBGUESTFS_BACKEND", "direct");
    }

    /** Stops the wrapper as a caller would (SIGTERM: it cleans up and writes the final state), then waits. */
    static void stop(WrapperRun run) {
        if (run != null && run.process() != null && run.process().isAlive()) {
            run.process().destroy();
            try {
                if (!run.process().waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                    run.process().descendants().forEach(ProcessHandle::destroyForcibly);
                    run.process().destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
