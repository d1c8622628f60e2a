package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * What the two-phase launcher tests to oVirt and OpenStack share: the fake vSphere's VM {@value #VM} (two small
 * sparse disks with data, two NICs: {@value #MAC1} on "VM Network" and {@value #MAC2} on the distributed port
 * group {@value #DVPG}), the request's vSphere part, a launcher with the real nbdkit behind
 * {@code nbdkit-vddk-as-file} and the fake virt-v2v family of {@code src/test/resources/fake-two-phase}, and
 * what those fakes recorded.
 */
final class TwoPhaseFakes {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final long MIB = 1024 * 1024;
    static final String VM = "web01";
    static final String MAC1 = "00:50:56:aa:bb:01";
    static final String MAC2 = "00:50:56:aa:bb:02";
    static final String DVPG = "dvportgroup-21";
    static final List<String> SOURCE_DISKS = List.of("[datastore1] web01/web01.vmdk",
            "[datastore1] web01/web01_1.vmdk");
    static final Path FAKE_TOOLS = ProjectPaths.root().resolve("src/test/resources/fake-two-phase");

    final Path tmp;
    final FakeVsphere vsphere;
    final Path toolRecord;

    TwoPhaseFakes(Path tmp) throws IOException {
        this.tmp = tmp;
        this.vsphere = FakeVsphere.start(Files.createDirectories(tmp.resolve("vsphere")));
        this.toolRecord = tmp.resolve("two-phase-tools.jsonl");
    }

    /** The source VM: 4 MiB + 2 MiB disks with scattered data, {@code firmware} ("bios"/"efi"), 2 GiB, 4 vCPUs. */
    void addSourceVm(String firmware, boolean poweredOff) throws IOException {
        addSourceVm(firmware, poweredOff, 2 * MIB);
    }

    /** The same with a second disk of {@code secondDisk} bytes (at least 700 000). */
    void addSourceVm(String firmware, boolean poweredOff, long secondDisk) throws IOException {
        vsphere.addVm(VM, 4 * MIB, secondDisk);
        vsphere.setHardware(VM, firmware, 2048, 4);
        for (int k = 0; k < 3; k++) {
            vsphere.write(VM, 0, k * MIB + 4096, random(70_000, k));
            vsphere.write(VM, 1, k * 600_000L, random(5000, 100 + k));
        }
        if (poweredOff) {
            vsphere.setPowerState(VM, "poweredOff");
        }
    }

    /** The vSphere half of a two-phase request; {@code warm} waits an hour between copies (the test cuts over). */
    ObjectNode request(boolean warm) {
        ObjectNode r = vsphere.twoPhaseRequest(VM, warm);
        SOURCE_DISKS.forEach(r.putArray("source_disks")::add);
        return r;
    }

    /** The launcher with the fake two-phase virt-v2v (2.2; {@code FAKE_V2V_GENERATION=1} makes it 1.42). */
    WrapperRun wrapper(String name) throws IOException {
        return new WrapperRun(tmp.resolve(name))
                .virtV2v(FAKE_TOOLS.resolve("virt-v2v"))
                .arg("--nbdkit=" + ProjectPaths.root().resolve("src/test/resources/fake-nbdkit/nbdkit-vddk-as-file"))
                .arg("--vddk-libdir=" + tmp.resolve("vddk"))
                .env("FAKE_NBDKIT_MAP", vsphere.frozenImageMap().toString())
                .env("FAKE_TWO_PHASE_RECORD", toolRecord.toString());
    }

    /** What the fake virt-v2v, virt-v2v-in-place and virt-v2v-inspector were given, in call order. */
    List<JsonNode> toolCalls() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(toolRecord)) {
            for (String line : Files.readAllLines(toolRecord)) {
                out.add(MAPPER.readTree(line));
            }
        }
        return out;
    }

    List<JsonNode> toolCalls(String tool) throws IOException {
        return toolCalls().stream().filter(c -> c.path("tool").asText().equals(tool)).toList();
    }

    static List<String> argv(JsonNode call) {
        List<String> out = new ArrayList<>();
        call.path("argv").forEach(a -> out.add(a.asText()));
        return out;
    }

    /** The source disk {@code i}'s final image as the fake virt-v2v(-in-place) leaves it converted. */
    byte[] convertedSource(int i, byte[] mark, int offset) throws IOException {
        byte[] expected = Files.readAllBytes(vsphere.image(VM, i));
        System.arraycopy(mark, 0, expected, offset, mark.length);
        return expected;
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Waits until the warm run has done its first copy and waits, then asks for the cutover. */
    static JsonNode cutOverWhenWaiting(WrapperRun run) throws Exception {
        JsonNode waiting = run.awaitState(s -> "Waiting".equals(s.path("status").asText()), 60);
        Files.createFile(run.runDir.resolve("cutover"));
        return waiting;
    }

    /** The state's {@code disks[].path} in order (a test compares them with {@code source_disks}). */
    static List<String> diskPaths(JsonNode state) {
        List<String> out = new ArrayList<>();
        state.path("disks").forEach(d -> out.add(d.path("path").asText()));
        return out;
    }

    /** The keys of the state file in order: {@code finished} must be the last write. */
    static String lastKey(JsonNode state) {
        List<String> keys = new ArrayList<>();
        state.fieldNames().forEachRemaining(keys::add);
        return keys.get(keys.size() - 1);
    }

    /** The first stdout line, the one ManageIQ reads. */
    static JsonNode stdoutLine(WrapperRun run) throws IOException {
        return MAPPER.readTree(run.stdout().lines().findFirst().orElseThrow());
    }

    /** Every file under the run's directories is free of {@code secret} (the request file excepted). */
    static void assertNoSecret(WrapperRun run, String secret) throws IOException {
        for (Path f : run.filesUnder(run.dir)) {
            if (!f.getFileName().toString().startsWith("stdin-")
                    && Files.readString(f, StandardCharsets.ISO_8859_1).contains(secret)) {
                throw new AssertionError("a secret is in " + f);
            }
        }
    }

    /**
     * Reads the state file every 10 ms while a run goes on (as a polling caller does, without spinning) and keeps
     * every distinct state that passes {@code keep}.
     */
    static final class StatePoller implements AutoCloseable {
        private final List<JsonNode> kept = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        StatePoller(Path file, Predicate<JsonNode> keep) {
            thread = new Thread(() -> {
                String last = null;
                while (running) {
                    try {
                        String text = Files.readString(file);
                        if (!text.equals(last)) {
                            last = text;
                            JsonNode n = MAPPER.readTree(text);
                            if (keep.test(n)) {
                                kept.add(n);
                            }
                        }
                    } catch (IOException e) {
                        // not there yet
                    }
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "state-poller");
            thread.setDaemon(true);
            thread.start();
        }

        List<JsonNode> kept() {
            return List.copyOf(kept);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }
    }
}
