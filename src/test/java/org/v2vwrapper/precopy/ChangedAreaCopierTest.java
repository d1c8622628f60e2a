package org.v2vwrapper.precopy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.nbd.CopyProgress;
import org.v2vwrapper.nbd.CopyResult;
import org.v2vwrapper.nbd.NbdClient;
import org.v2vwrapper.nbd.NbdClientOptions;
import org.v2vwrapper.nbd.NbdException;
import org.v2vwrapper.nbd.NbdkitConfig;
import org.v2vwrapper.nbd.NbdkitProcess;
import org.v2vwrapper.request.Secret;
import org.v2vwrapper.vsphere.ChangedArea;
import org.v2vwrapper.vsphere.ChangedAreas;
import org.v2vwrapper.vsphere.ManagedObjectRef;
import org.v2vwrapper.vsphere.VirtualDiskInfo;
import org.v2vwrapper.vsphere.VsphereClient;
import org.v2vwrapper.vsphere.VsphereEndpoint;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The changed-area copy served by the real nbdkit {@code file} plugin on the fake vSphere's frozen images. */
class ChangedAreaCopierTest {
    private static final int MIB = 1024 * 1024;
    private static final Duration START = Duration.ofSeconds(30);
    private static final NbdClientOptions NBD = NbdClientOptions.DEFAULTS.withConnections(2);

    @TempDir
    Path dir;
    private FakeVsphere fake;
    private VsphereClient client;
    private ManagedObjectRef vm;
    private final Random random = new Random(11);

    @BeforeEach
    void start() throws Exception {
        assumeTrue(works("nbdkit", "--version"), "nbdkit is not installed");
        fake = FakeVsphere.start(dir.resolve("fake"));
        fake.addVm("web01", 16L * MIB);
        client = VsphereClient.connect(VsphereEndpoint.parse(fake.vpxUri(""), fake.thumbprint()),
                new VsphereClient.Options(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofMillis(5)));
        client.login(new Secret(fake.password()));
        vm = client.findVmByName("web01");
        client.enableChangeTracking(vm);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    private byte[] data(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @Test
    void twoIterationsLeaveTheDestinationEqualToTheLastSnapshot() throws Exception {
        fake.write("web01", 0, 0, data(300_000));
        fake.write("web01", 0, 5L * MIB, data(3 * MIB));
        fake.write("web01", 0, 15L * MIB, data(4096));
        Path destination = dir.resolve("web01-sda");
        try (RandomAccessFile f = new RandomAccessFile(destination.toFile(), "rw")) {
            f.setLength(16L * MIB); // made before the first copy, as the destinations are
        }

        ManagedObjectRef s1 = client.createSnapshot(vm, "v2v", "1").snapshot();
        VirtualDiskInfo d1 = client.snapshotDisks(s1).get(0);
        List<ChangedArea> first = ChangedAreas.query(client, vm, s1, d1.key(), d1.capacityInBytes(), "*");
        copyFrom(fake.frozenImage(d1.fileName()), first, destination, ChangedAreaCopier.Settings.of(MIB));
        assertEquals(-1, Files.mismatch(fake.frozenImage(d1.fileName()), destination));

        fake.write("web01", 0, 100, data(1000));
        fake.zero("web01", 0, 5L * MIB + 4096, 2L * MIB); // becomes a hole: must read back as zeroes
        fake.write("web01", 0, 10L * MIB - 7, data(64 * 1024)); // across a QueryChangedDiskAreas page
        fake.setQueryWindow(MIB);
        fake.setQueryPageSize(1);
        String changeId = d1.changeId();
        client.removeSnapshot(s1);
        ManagedObjectRef s2 = client.createSnapshot(vm, "v2v", "2").snapshot();
        VirtualDiskInfo d2 = client.snapshotDisks(s2).get(0);
        List<ChangedArea> second = ChangedAreas.query(client, vm, s2, d2.key(), d2.capacityInBytes(), changeId);
        assertEquals(3, second.size(), second.toString());
        CopyResult result = copyFrom(fake.frozenImage(d2.fileName()), second, destination,
                ChangedAreaCopier.Settings.of(MIB));
        assertEquals(-1, Files.mismatch(fake.frozenImage(d2.fileName()), destination),
                "the destination differs from the second snapshot");
        assertTrue(result.zeroBytes() >= 2L * MIB - 64 * 1024, "the hole was not zeroed but read: " + result);
        assertEquals(ChangedAreas.totalBytes(second), result.requestedBytes());
        assertEquals(1, fake.maxSnapshotsAlive("web01"));
    }

    @Test
    void readsAreNeverLargerThanTheMaximumRequest() throws Exception {
        fake.write("web01", 0, 0, data(16 * MIB));
        ManagedObjectRef s1 = client.createSnapshot(vm, "v2v", "1").snapshot();
        VirtualDiskInfo d = client.snapshotDisks(s1).get(0);
        Path log = dir.resolve("nbdkit-reads.log");
        Path destination = dir.resolve("dest");
        NbdkitConfig config = NbdkitConfig.of("file", fake.frozenImage(d.fileName()).toString())
                .withFilters("log").withArgs("logfile=" + log);
        ChangedAreaCopier.Settings vcenter = ChangedAreaCopier.Settings.forSource(VsphereEndpoint.Kind.VCENTER);
        assertEquals(2 * MIB, vcenter.maxRequestSize());
        try (NbdkitProcess nbdkit = NbdkitProcess.start("web01-sda", config, START);
             NbdClient nbd = NbdClient.connect(nbdkit.uri(), NBD)) {
            ChangedAreaCopier.copy(nbd, List.of(new ChangedArea(MIB, 9 * MIB)), destination, vcenter,
                    CopyProgress.NONE);
        }
        List<Long> reads = readCounts(log);
        assertTrue(reads.size() >= 5, "expected the 9 MiB area in several reads: " + reads);
        assertTrue(reads.stream().allMatch(c -> c <= 2L * MIB), "a read over 2 MiB: " + reads);
        assertArrayEquals(slice(fake.frozenImage(d.fileName()), MIB, 9 * MIB), slice(destination, MIB, 9 * MIB));
        assertArrayEquals(new byte[MIB], slice(destination, 0, MIB), "outside the areas nothing is written");
    }

    @Test
    void esxiRequestsAre23MiBWhereTwoFitTheBudgetAndSmallerWhereNot() {
        ChangedAreaCopier.Settings roomy = ChangedAreaCopier.Settings.forSource(VsphereEndpoint.Kind.ESXI, 64 * MIB);
        assertEquals(23 * MIB, roomy.maxRequestSize());
        assertEquals(2, roomy.requestsInFlight());
        ChangedAreaCopier.Settings half = ChangedAreaCopier.Settings.forSource(VsphereEndpoint.Kind.ESXI, 8 * MIB);
        assertEquals(4 * MIB, half.maxRequestSize());
        assertEquals(2, half.requestsInFlight());
        for (VsphereEndpoint.Kind kind : VsphereEndpoint.Kind.values()) {
            for (long budget : new long[] {MIB, 8 * MIB, ChangedAreaCopier.BUFFER_BUDGET}) {
                ChangedAreaCopier.Settings s = ChangedAreaCopier.Settings.forSource(kind, budget);
                assertTrue(s.requestsInFlight() >= 2 && (long) s.requestsInFlight() * s.maxRequestSize() <= budget,
                        kind + " within " + budget + ": " + s);
            }
        }
        ChangedAreaCopier.Settings vc = ChangedAreaCopier.Settings.forSource(VsphereEndpoint.Kind.VCENTER, 8 * MIB);
        assertEquals(new ChangedAreaCopier.Settings(2 * MIB, 4), vc);
    }

    @Test
    void aReadErrorFailsTheCopy() throws Exception {
        fake.write("web01", 0, 0, data(4 * MIB));
        ManagedObjectRef s1 = client.createSnapshot(vm, "v2v", "1").snapshot();
        VirtualDiskInfo d = client.snapshotDisks(s1).get(0);
        NbdkitConfig config = NbdkitConfig.of("file", fake.frozenImage(d.fileName()).toString())
                .withFilters("error").withArgs("error-pread=EIO", "error-pread-rate=100%");
        try (NbdkitProcess nbdkit = NbdkitProcess.start("web01-sda", config, START);
             NbdClient nbd = NbdClient.connect(nbdkit.uri(), NBD)) {
            NbdException e = assertThrows(NbdException.class, () -> ChangedAreaCopier.copy(nbd,
                    List.of(new ChangedArea(0, 4L * MIB)), dir.resolve("dest"), ChangedAreaCopier.Settings.of(MIB),
                    CopyProgress.NONE));
            assertTrue(e.getMessage().contains("EIO"), e.getMessage());
        }
    }

    @Test
    void theVddkStandInServesTheSnapshotDiskWithTheFilePluginAndRecordsItsArguments() throws Exception {
        fake.write("web01", 0, 3L * MIB, data(MIB));
        ManagedObjectRef s1 = client.createSnapshot(vm, "v2v", "1").snapshot();
        VirtualDiskInfo d = client.snapshotDisks(s1).get(0);
        Path script = Path.of("src/test/resources/fake-nbdkit/nbdkit-vddk-as-file").toAbsolutePath();
        Path argsLog = dir.resolve("nbdkit-args.log");
        NbdkitConfig vddk = new NbdkitConfig("vddk", List.of("libdir=/opt/vmware-vix-disklib-distrib",
                "server=127.0.0.1", "user=administrator@vsphere.local", "thumbprint=" + fake.thumbprint(),
                "vm=moref=" + vm.value(), "snapshot=" + s1.value(), "transports=file:nbdssl:nbd",
                "file=" + d.fileName()), List.of(), List.of(),
                java.util.Map.of("FAKE_NBDKIT_MAP", fake.frozenImageMap().toString(),
                        "FAKE_NBDKIT_ARGS_LOG", argsLog.toString()), new org.v2vwrapper.request.Secret(fake.password()), "password");
        Path destination = dir.resolve("dest");
        try (NbdkitProcess nbdkit = NbdkitProcess.start(script.toString(), "web01-sda", vddk, START);
             NbdClient nbd = NbdClient.connect(nbdkit.uri(), NBD)) {
            ChangedAreaCopier.copy(nbd, ChangedAreas.query(client, vm, s1, d.key(), d.capacityInBytes(), "*"),
                    destination, ChangedAreaCopier.Settings.of(MIB), CopyProgress.NONE);
        }
        assertEquals(-1, Files.mismatch(fake.frozenImage(d.fileName()), destination));
        List<String> args = Files.readAllLines(argsLog);
        assertTrue(args.containsAll(List.of("--readonly", "--exit-with-parent", "vddk", "snapshot=" + s1.value(),
                "file=[datastore1] web01/web01-000001.vmdk", "password-file-mode=600")), args.toString());
        assertTrue(args.stream().noneMatch(a -> a.contains(fake.password())), "the password reached argv");
    }

    private static CopyResult copyFrom(Path image, List<ChangedArea> areas, Path destination,
                                       ChangedAreaCopier.Settings settings) throws IOException {
        // what the pre-copy's --nbdkit wrapper does in tests: the file plugin instead of vddk on that snapshot disk
        try (NbdkitProcess nbdkit = NbdkitProcess.start("web01-sda", NbdkitConfig.of("file", image.toString()), START);
             NbdClient nbd = NbdClient.connect(nbdkit.uri(), NBD)) {
            List<long[]> progress = new ArrayList<>();
            CopyResult result = ChangedAreaCopier.copy(nbd, areas, destination, settings, (done, total) -> {
                synchronized (progress) {
                    progress.add(new long[] {done, total});
                }
            });
            long[] last = progress.get(progress.size() - 1);
            assertEquals(last[1], last[0], "progress ends at 100 %");
            return result;
        }
    }

    private static List<Long> readCounts(Path log) throws IOException {
        Pattern read = Pattern.compile("\\bRead id=\\d+ offset=0x[0-9a-f]+ count=0x([0-9a-f]+)");
        List<Long> counts = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = read.matcher(line);
            if (m.find()) {
                counts.add(Long.parseLong(m.group(1), 16));
            }
        }
        return counts;
    }

    private static byte[] slice(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    private static boolean works(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
