package org.v2vwrapper.convert;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against the real qemu-img, with real qcow2 overlays over raw "copied" disks. */
class OverlayCommitterTest {
    private static final int MIB = 1 << 20;

    /** Records every event; the per-disk lists let a test check that nothing was attributed to the wrong disk. */
    static final class Events implements OverlayCommitter.Listener {
        final List<String> log = new CopyOnWriteArrayList<>();
        final Map<Integer, List<Double>> progress = new ConcurrentHashMap<>();
        final Map<Integer, Optional<String>> ended = new ConcurrentHashMap<>();
        final Map<Integer, Boolean> overlayExistedAtStart = new ConcurrentHashMap<>();
        List<OverlayCommitter.Overlay> overlays = List.of();

        @Override
        public void commitStarted(int diskIndex) {
            log.add("start " + diskIndex);
            overlayExistedAtStart.put(diskIndex, Files.exists(overlays.get(diskIndex).file()));
        }

        @Override
        public void commitProgress(int diskIndex, double percent) {
            progress.computeIfAbsent(diskIndex, k -> new CopyOnWriteArrayList<>()).add(percent);
        }

        @Override
        public void commitEnded(int diskIndex, Optional<String> error) {
            log.add("end " + diskIndex);
            ended.put(diskIndex, error);
        }
    }

    @BeforeEach
    void tools() {
        Tools.assumeInstalled("qemu-img", "qemu-io");
    }

    private static Path rawDisk(Path dir, String name, int size, byte fill) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
            byte[] block = new byte[64 * 1024];
            java.util.Arrays.fill(block, fill);
            f.write(block);
        }
        return p;
    }

    private static Path overlay(Path base, Path file, int offset, int length, int pattern) throws Exception {
        Tools.Result r = Tools.run(60, "qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "raw",
                file.toString());
        assertEquals(0, r.exitCode(), r.output());
        r = Tools.run(60, "qemu-io", "-f", "qcow2", "-c", "write -P " + pattern + " " + offset + " " + length,
                file.toString());
        assertEquals(0, r.exitCode(), r.output());
        return file;
    }

    private static byte[] read(Path file, int offset, int length) throws IOException {
        byte[] b = new byte[length];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(offset);
            f.readFully(b);
        }
        return b;
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void commitsEachOverlayIntoItsOwnDiskAndRemovesOnlyItsOwnOverlay(@TempDir Path dir) throws Exception {
        Path sda = rawDisk(dir, "web01-sda", 8 * MIB, (byte) 0x11);
        Path sdb = rawDisk(dir, "web01-sdb", 4 * MIB, (byte) 0x22);
        Path cache = Files.createDirectory(dir.resolve("cache"));
        List<OverlayCommitter.Overlay> overlays = OverlayCommitter.predicted(cache, "web01", 2);
        assertEquals(cache.resolve("web01-sda.qcow2"), overlays.get(0).file());
        assertEquals(cache.resolve("web01-sdb.qcow2"), overlays.get(1).file());
        overlay(sda, overlays.get(0).file(), MIB, 3 * MIB, 0xab);
        overlay(sdb, overlays.get(1).file(), 0, 128 * 1024, 0xcd);

        Events events = new Events();
        events.overlays = overlays;
        List<OverlayCommitter.Result> results = new OverlayCommitter(Path.of("qemu-img"), Duration.ofMinutes(2))
                .commitAll(overlays, events);

        assertTrue(results.stream().allMatch(OverlayCommitter.Result::ok), results.toString());
        assertEquals(List.of(0, 1), results.stream().map(OverlayCommitter.Result::diskIndex).toList());
        assertArrayEquals(filled(3 * MIB, 0xab), read(sda, MIB, 3 * MIB), "sda got its overlay's data");
        assertArrayEquals(filled(64 * 1024, 0x11), read(sda, 0, 64 * 1024), "sda outside the write unchanged");
        assertArrayEquals(filled(128 * 1024, 0xcd), read(sdb, 0, 128 * 1024), "sdb got its overlay's data");
        assertArrayEquals(filled(1024, 0), read(sdb, 2 * MIB, 1024));
        assertEquals(8L * MIB, Files.size(sda));
        assertFalse(Files.exists(overlays.get(0).file()));
        assertFalse(Files.exists(overlays.get(1).file()));
        assertEquals(Map.of(0, true, 1, true), events.overlayExistedAtStart);
        for (int disk : List.of(0, 1)) {
            List<Double> p = events.progress.get(disk);
            assertEquals(100.0, p.get(p.size() - 1), "disk " + disk + ": " + p);
            assertTrue(p.size() >= 3 && p.get(0) == 0.0, "qemu-img's own records were read: " + p);
            assertEquals(Optional.empty(), events.ended.get(disk));
        }
    }

    @Test
    void aFailedCommitIsReportedForItsDiskOnly(@TempDir Path dir) throws Exception {
        Path good = rawDisk(dir, "vm-sda", 2 * MIB, (byte) 0);
        Path doomed = rawDisk(dir, "vm-sdb", 2 * MIB, (byte) 0);
        Path ovGood = overlay(good, dir.resolve("vm-sda.qcow2"), 0, 65536, 0x5a);
        Path ovBad = overlay(doomed, dir.resolve("vm-sdb.qcow2"), 0, 65536, 0x5b);
        Files.delete(doomed); // its backing file is gone: qemu-img cannot open the chain
        List<OverlayCommitter.Overlay> overlays = List.of(new OverlayCommitter.Overlay(0, ovGood),
                new OverlayCommitter.Overlay(1, ovBad), new OverlayCommitter.Overlay(2, dir.resolve("vm-sdc.qcow2")));
        Events events = new Events();
        events.overlays = overlays;

        List<OverlayCommitter.Result> results = new OverlayCommitter(Path.of("qemu-img"), Duration.ofMinutes(2))
                .commitAll(overlays, events);

        assertTrue(results.get(0).ok(), results.toString());
        assertArrayEquals(filled(65536, 0x5a), read(good, 0, 65536));
        String error = results.get(1).error().orElseThrow();
        assertTrue(error.startsWith("qemu-img commit of disk 2 failed with exit code 1: qemu-img: "), error);
        assertTrue(error.contains("vm-sdb"), error);
        assertEquals(Optional.of(error), events.ended.get(1));
        assertTrue(results.get(2).error().orElseThrow().contains("does not exist"), results.toString());
        assertFalse(Files.exists(ovBad), "a failed disk's overlay goes too");
        assertFalse(events.progress.containsKey(1) && events.progress.get(1).contains(100.0));
    }

    @Test
    void overlaysNamedByVirtV2vsLog() {
        List<String> log = List.of("[  90.1] Creating output metadata",
                "virt-v2v: Overlay saved as /var/tmp/v2v-1/web01-sda.qcow2 [--debug-overlays]",
                "virt-v2v: Overlay saved as /var/tmp/v2v-1/web01-sdb.qcow2 [--debug-overlays]");
        assertEquals(List.of(new OverlayCommitter.Overlay(0, Path.of("/var/tmp/v2v-1/web01-sda.qcow2")),
                new OverlayCommitter.Overlay(1, Path.of("/var/tmp/v2v-1/web01-sdb.qcow2"))), OverlayCommitter.fromLog(log));
        assertEquals(List.of("qemu-img", "commit", "-p", "/x/a.qcow2"), new OverlayCommitter(Path.of("qemu-img"),
                Duration.ofMinutes(1)).command(new OverlayCommitter.Overlay(0, Path.of("/x/a.qcow2"))));
    }
}
