package org.v2vwrapper.v2vlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.state.ConversionState;

/**
 * {@link MappedLog} (the in-place, pre-filtered, maybe parallel scan of {@code replay-log}) must give exactly what
 * feeding the same bytes through {@link V2vLogParser#newStream()} gives: the same state changes in the same order
 * and the same final state, whatever the segment size and wherever a segment is split between the two threads.
 */
class MappedLogTest {

    @TempDir
    Path dir;

    /** Every state change (with the state after it) and the final state, as text. */
    private static List<String> trace(Consumer<V2vLogParser> run) {
        ConversionState state = new ConversionState();
        List<String> seen = new ArrayList<>();
        state.setListener(change -> seen.add(change + " " + state.snapshot()));
        run.accept(new V2vLogParser(state));
        seen.add("final " + state.snapshot() + " ovirt=" + state.facts().ovirtDiskIds() + " osp=" + state.facts().ospVolumeIds()
                + " name=" + state.facts().displayName() + " vm=" + state.vmId() + " disks=" + state.disks());
        return seen;
    }

    private static List<String> sequential(byte[] data) {
        return trace(parser -> Harness.feedAll(parser.newStream(), data, 1 << 20));
    }

    private List<String> mapped(Path file, int window, int threads, int parallelMin) {
        return trace(parser -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                MappedLog.replay(ch, parser, window, threads, parallelMin);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** The sequential trace, then the mapped one in several set-ups; returns the sequential trace. */
    private List<String> assertSameAsSequential(byte[] data) throws IOException {
        Path file = dir.resolve("log-" + data.length);
        Files.write(file, data);
        List<String> expected = sequential(data);
        int[][] setups = {
            {MappedLog.MAP_WINDOW, 1, MappedLog.PARALLEL_MIN},
            {MappedLog.MAP_WINDOW, 2, 0},
            {LineSplitter.MAX_LINE + 1, 2, 0},
            {70_001, 1, 0},
            {100_003, 2, 0},
            {1 << 17, 2, 1000},
        };
        for (int[] s : setups) {
            assertEquals(expected, mapped(file, s[0], s[1], s[2]),
                    "window " + s[0] + ", " + s[1] + " threads, split from " + s[2]);
        }
        return expected;
    }

    @Test
    void fixturesGiveTheSameStateChanges() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Fixtures.path(""))) {
            files = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
        assertTrue(files.size() > 10, "fixtures found: " + files);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Path f : files) {
            byte[] data = Files.readAllBytes(f);
            assertSameAsSequential(data);
            all.write(data);
        }
        // all of them in one file: several segments, 2.x "running nbdkit:" blocks at many offsets
        List<String> trace = assertSameAsSequential(all.toByteArray());
        assertTrue(trace.size() > 50, "the fixtures change the state: " + trace.size());
    }

    @Test
    void generatedLogGivesTheSameStateChanges() throws IOException {
        List<String> trace = assertSameAsSequential(generated(new Random(7), 3 << 20));
        assertTrue(trace.get(trace.size() - 1).contains("disk_count=2"), trace.get(trace.size() - 1));
        assertTrue(trace.size() > 100, "state changes: " + trace.size());
        trace = assertSameAsSequential(benchmarkLike(new Random(5), 2 << 20));
        assertTrue(trace.get(trace.size() - 1).contains("[datastore1] vm/vm_2.vmdk, progress=100.0"),
                trace.get(trace.size() - 1));
    }

    @Test
    void everySplitPointGivesTheSameResult() {
        // then copies of disks 1-3, so the source paths learnt from the "running nbdkit:" blocks show in the state
        byte[] data = (new String(generated(new Random(11), 6000), StandardCharsets.UTF_8) + "\n"
                + "[ 100.0] Copying disk 1/3\n\u280b  50% [****----]\r\n[ 100.0] Copying disk 2/3\n"
                + "\u280b  50% [****----]\r\n[ 100.0] Copying disk 3/3\n\u280b  50% [****----]\r\n")
                .getBytes(StandardCharsets.UTF_8);
        List<String> expected = sequential(data);
        assertTrue(expected.get(expected.size() - 1).contains("/src/img-2-"), expected.get(expected.size() - 1));
        ByteBuffer bb = ByteBuffer.wrap(data);
        int checked = 0;
        for (int mid = 0; mid <= data.length; mid++) {
            if (mid > 0 && mid < data.length && data[mid - 1] != '\n' && data[mid - 1] != '\r') {
                continue;
            }
            int split = mid;
            List<String> got = trace(parser -> {
                MappedLog.Candidates a = new MappedLog.Candidates(0);
                MappedLog.Candidates b = new MappedLog.Candidates(V2vLogParser.NBDKIT_ARGS_WINDOW);
                a.scan(bb, 0, split, false);
                b.scan(bb, split, data.length, true);
                a.append(b);
                a.parse(bb, parser, new byte[16]);
            });
            assertEquals(expected, got, "split at " + split);
            checked++;
        }
        assertTrue(checked > 50, "split points: " + checked);
    }

    @Test
    void onlyAFewLinesOfTheBenchmarkKindAreKept() {
        byte[] data = benchmarkLike(new Random(3), 1 << 20);
        MappedLog.Candidates c = new MappedLog.Candidates(0);
        c.scan(ByteBuffer.wrap(data), 0, data.length, true);
        long lines = new String(data, StandardCharsets.UTF_8).lines().count();
        // 2 × 1001 progress lines, 2 × (Copying disk, Opening file), disk.id, VirtualSystem: nothing else
        assertEquals(2008, c.size(), c.size() + " kept of " + lines);
    }

    @Test
    void longLinesAndTheLastLineWithoutTerminator() throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("    Copying disk 1/1 to /var/tmp/x (raw)\n");
        b.append("    (10.00/100%)").append("x".repeat(200_000)).append("(20.00/100%)\n");
        b.append("y".repeat(LineSplitter.MAX_LINE - 15)).append("    (30.00/100%)").append("z".repeat(70_000)).append('\r');
        b.append("n".repeat(150_000)).append("    (40.00/100%)\n");
        b.append("running nbdkit:\n").append("x".repeat(140_000)).append('\n');
        b.append(" 'nbdkit' '--unix' '/tmp/v2v.x/in0' 'file' 'file=/a.img'\n");
        b.append("   \t  \n\n\r\n");
        b.append("[  12.3] Finishing off\n");
        b.append("    (50.00/100%)");
        List<String> trace = assertSameAsSequential(b.toString().getBytes(StandardCharsets.UTF_8));
        assertTrue(trace.get(trace.size() - 1).contains("50.0"), trace.get(trace.size() - 1));
    }

    @Test
    void openingFileAfterAnyPluginName() throws IOException {
        for (String plugin : new String[] {"", "vddk[1]: ", "file: ", "a-long-plugin-name[1]: ",
            "a-plugin-name-of-more-than-sixty-four-bytes-which-the-parser-no-longer-reads-as-one[1]: "}) {
            String log = "    Copying disk 1/1 to /var/tmp/x (raw)\n"
                    + "nbdkit: " + plugin + "debug: Opening file [ds] vm/x.vmdk (ha-nfcssl://[ds] vm/x.vmdk@h:902)\n"
                    + "    (50.00/100%)\n";
            List<String> trace = assertSameAsSequential(log.getBytes(StandardCharsets.UTF_8));
            assertEquals(plugin.length() < 60, trace.get(trace.size() - 1).contains("[ds] vm/x.vmdk"), plugin);
        }
    }

    /** As {@code shared/bench/gen_v2v_log.py} writes the benchmark's log (1.4x, vddk, 2 disks). */
    static byte[] benchmarkLike(Random rnd, int size) {
        String[] noise = {
            "libguestfs: trace: v2v: guestfs_get_backend = \"direct\" (%d)",
            "nbdkit: vddk[1]: debug: VixDiskLib_Read: sector %d count 128",
            "nbdkit: vddk[1]: debug: pread count=65536 offset=%d",
            "libguestfs: command: run: qemu-img info --output json /var/tmp/v2vovl%d.qcow2",
            "supermin: ext2: copying files from host filesystem %d",
            "+ ip link set dev eth0 up # guestfsd trace line %d padding padding padding",
        };
        StringBuilder b = new StringBuilder();
        int perDisk = size / 2;
        for (int d = 1; d <= 2; d++) {
            b.append("    Copying disk ").append(d).append("/2 to qemu URI json:{ \"file.driver\": \"nbd\", "
                    + "\"file.path\": \"/var/tmp/rhvupload.sock\" } (raw)\n");
            b.append("nbdkit: vddk[1]: debug: Opening file [datastore1] vm/vm_").append(d)
                    .append(".vmdk (ha-nfcssl://[datastore1] vm/vm_").append(d).append(".vmdk@10.0.0.1:902)\n");
            int start = b.length();
            int last = -1;
            while (b.length() - start < perDisk) {
                double pct = 100.0 * (b.length() - start) / perDisk;
                if ((int) (pct * 10) != last) {
                    last = (int) (pct * 10);
                    b.append(String.format("    (%.2f/100%%)%n", pct));
                } else {
                    b.append(String.format(noise[rnd.nextInt(noise.length)], rnd.nextInt(1 << 30))).append('\n');
                }
            }
            b.append("    (100.00/100%)\n");
        }
        b.append("disk.id = '11111111-1111-1111-1111-111111111111'\n");
        b.append("<VirtualSystem ovf:id='22222222-2222-2222-2222-222222222222'>\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A mix of the lines the parser acts on (both generations), the noise it must reject, and the awkward cases:
     * {@code \r} and {@code \r\n} ends, blank and indented lines, {@code running nbdkit:} followed by 0–5 lines
     * before its arguments, a phase timestamp before it, and a last line without terminator.
     */
    static byte[] generated(Random rnd, int size) {
        String[] noise = {
            "libguestfs: trace: v2v: guestfs_get_backend = \"direct\" (%d)",
            "nbdkit: vddk[1]: debug: VixDiskLib_Read: sector %d count 128",
            "nbdkit: vddk[1]: debug: pread count=65536 offset=%d",
            "nbdkit: debug: OpenFile %d",
            "nbdkit: vddk[1]: debug: Opening",
            "nbdkit: file[1]: debug: Opening files %d",
            "libguestfs: command: run: qemu-img info --output json /var/tmp/v2vovl%d.qcow2",
            "supermin: ext2: copying files from host filesystem %d",
            "+ ip link set dev eth0 up # guestfsd trace line %d padding padding padding",
            "[   16.254135] sd 2:0:0:0: [sda] %d 512-byte logical blocks",
            "mount -o size=20%% /dev/shm %d",
            "get_windows_systemroot: windows %%SYSTEMROOT%% = /Windows %d",
            "\tdebug: something %d",
            "commandrvf: stdout=n stderr=y flags=0x%x",
            "disk.id = 'not-an-id-%d'",
            "openstack volume list %d",
            "<ovf:Disk ovf:diskId='%d'/>",
            "overlay source qemu URI: nbd:unix:/tmp/v2vnbdkit.%d/nbdkit1.sock:exportname=/",
            "ruby %d",
            "C%d",
            "",
            "   ",
        };
        StringBuilder b = new StringBuilder();
        int disks = 2;
        int disk = 0;
        double pct = 0;
        while (b.length() < size) {
            int r = rnd.nextInt(1000);
            String eol = rnd.nextInt(20) == 0 ? "\r" : rnd.nextInt(30) == 0 ? "\r\n" : "\n";
            if (r < 3 && disk < disks) {
                disk++;
                pct = 0;
                b.append(rnd.nextBoolean() ? "    " : "[  58." + disk + "] ").append("Copying disk ").append(disk)
                        .append('/').append(disks).append(" to /var/tmp/guest-sd").append((char) ('a' + disk))
                        .append(" (raw)").append(eol);
                String[] prefixes = {"nbdkit: vddk[1]: debug: ", "nbdkit: debug: ",
                    "nbdkit: a-long-plugin-name[1]: debug: "};
                b.append(prefixes[rnd.nextInt(prefixes.length)])
                        .append("Opening file [ds1] vm/disk-").append(disk).append(".vmdk (ha-nfcssl://[ds1] vm/disk-")
                        .append(disk).append(".vmdk@10.0.0.1:902)").append(eol);
            } else if (r < 60) {
                pct = Math.min(100, pct + rnd.nextInt(300) / 100.0);
                if (rnd.nextBoolean()) {
                    b.append(String.format("    (%.2f/100%%)", pct)).append(eol);
                } else {
                    b.append(String.format("\u280b %3d%% [****------]", (int) pct)).append(eol);
                }
            } else if (r < 66) {
                int index = rnd.nextInt(3);
                b.append(rnd.nextInt(4) == 0 ? "[  1" + index + ".5] " : "").append("running nbdkit:").append(eol);
                for (int k = rnd.nextInt(6); k > 0; k--) {
                    b.append(rnd.nextInt(3) == 0 ? "" : "nbdkit: debug: tls").append('\n');
                }
                b.append(" LANG=C 'nbdkit' '--unix' '/tmp/v2v.x/in").append(index).append("' 'file' 'file=/src/img-")
                        .append(index).append('-').append(rnd.nextInt(100)).append(".img'").append(eol);
            } else if (r < 68) {
                b.append(String.format("  disk.id = '%08d-1111-1111-1111-111111111111'", rnd.nextInt(100)))
                        .append(eol);
            } else if (r < 69) {
                b.append(String.format("  <VirtualSystem ovf:id='%08d-2222-2222-2222-222222222222'>",
                        rnd.nextInt(100))).append(eol);
            } else if (r < 70) {
                b.append("displayName = \"vm|20").append(rnd.nextInt(10)).append('"').append(eol);
            } else if (r < 71) {
                b.append(String.format("openstack --os-auth-url x volume set --property virt_v2v_disk_index=%d/2 "
                        + "%08d-3333-3333-3333-333333333333", 1 + rnd.nextInt(2), rnd.nextInt(10))).append(eol);
            } else if (r < 73) {
                b.append("[ ").append(rnd.nextInt(900)).append('.').append(rnd.nextInt(10)).append("] \u001b[1;32m")
                        .append(rnd.nextBoolean() ? "Converting the guest" : "Creating output metadata")
                        .append("\u001b[0m").append(eol);
            } else {
                String n = noise[rnd.nextInt(noise.length)];
                b.append(" ".repeat(rnd.nextInt(8) == 0 ? rnd.nextInt(6) : 0))
                        .append(n.contains("%") ? String.format(n, rnd.nextInt(1 << 30)) : n).append(eol);
            }
        }
        b.append("    (100.00/100%)");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
