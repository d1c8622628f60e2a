package org.v2vwrapper.demo;

import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The phony Windows test guest ({@code scripts/build-test-guest}) as the first disk of a VM of the fake vSphere, and
 * the guest "writing files" while it runs: guestfish edits a copy of the live image, and every 64 KiB block that
 * differs from the live image is written through {@link FakeVsphere#write} so that change tracking reports it.
 * Used by the warm demo and the warm-vs-cold bench (not by CI tests: each guestfish run boots an appliance).
 */
final class GuestOnFakeVsphere {
    static final int BLOCK = 64 * 1024;
    /** The NTFS system partition of windows.img (docs/test-guest.md). */
    static final String SYSTEM_PARTITION = "/dev/sda2";

    /** The guestfish (or cp) running now, for {@link #stopChildren} on the driver's shutdown. */
    private static final java.util.Set<Process> CHILDREN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final FakeVsphere fake;
    private final String vm;
    private final Path scratch;

    private GuestOnFakeVsphere(FakeVsphere fake, String vm, Path scratch) {
        this.fake = fake;
        this.vm = vm;
        this.scratch = scratch;
    }

    /**
     * Adds {@code vm} to the fake with windows.img as its first disk and each of {@code dataImages} (e.g. random
     * data, so that the copy costs something) as a further disk, all as sparse copies. Must run before the wrapper
     * enables change tracking: the first copy ("*") then takes every allocated 64 KiB granule of them. The guest's
     * file writes ({@link #writeFile}) change the first disk only.
     */
    static GuestOnFakeVsphere add(FakeVsphere fake, String vm, Path windowsImg, Path workDir, Path... dataImages)
            throws IOException, InterruptedException {
        Path[] images = new Path[1 + dataImages.length];
        images[0] = windowsImg;
        System.arraycopy(dataImages, 0, images, 1, dataImages.length);
        fake.addVmFromImages(vm, images);
        if (fake.changeTracking(vm)) {
            throw new IllegalStateException("change tracking is already on: the copied image would not be tracked");
        }
        return new GuestOnFakeVsphere(fake, vm, workDir.resolve(vm + "-guestfish-scratch.img"));
    }

    Path liveImage() {
        return fake.image(vm, 0);
    }

    /**
     * Writes {@code content} to {@code guestPath} (e.g. {@code /demo/iteration-1.txt}) in the guest's file system
     * and returns how many bytes the guest "wrote" (changed 64 KiB blocks × 64 KiB).
     */
    long writeFile(String guestPath, String content) throws IOException, InterruptedException {
        sparseCopy(liveImage(), scratch);
        try {
            String dir = guestPath.substring(0, guestPath.lastIndexOf('/'));
            List<String> cmd = new ArrayList<>(List.of("guestfish", "--rw", "-a", scratch.toString(),
                    "run", ":", "mount", SYSTEM_PARTITION, "/"));
            if (!dir.isEmpty()) {
                cmd.addAll(List.of(":", "mkdir-p", dir));
            }
            cmd.addAll(List.of(":", "write", guestPath, content, ":", "umount-all", ":", "shutdown"));
            run(cmd, 300);
            return writeChangedBlocks();
        } finally {
            Files.deleteIfExists(scratch);
        }
    }

    /** Every 64 KiB block of the scratch copy that differs from the live image, written through the fake. */
    private long writeChangedBlocks() throws IOException {
        long written = 0;
        byte[] live = new byte[BLOCK];
        byte[] edited = new byte[BLOCK];
        try (InputStream a = Files.newInputStream(liveImage()); InputStream b = Files.newInputStream(scratch)) {
            for (long offset = 0; ; offset += BLOCK) {
                int n = a.readNBytes(live, 0, BLOCK);
                int m = b.readNBytes(edited, 0, BLOCK);
                if (n != m) {
                    throw new IOException("guestfish changed the image size (" + n + " vs " + m + " at " + offset + ")");
                }
                if (n == 0) {
                    break;
                }
                if (!Arrays.equals(live, 0, n, edited, 0, n)) {
                    fake.write(vm, 0, offset, Arrays.copyOf(edited, n));
                    written += n;
                }
            }
        }
        return written;
    }

    /** {@code cat FILE} for each file in the system partition of {@code image}, read-only. */
    static String catFiles(Path image, List<String> guestPaths) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("guestfish", "--ro", "-a", image.toString(),
                "run", ":", "mount-ro", SYSTEM_PARTITION, "/"));
        for (String p : guestPaths) {
            cmd.addAll(List.of(":", "cat", p));
        }
        cmd.addAll(List.of(":", "is-dir", "/Windows/Drivers/VirtIO"));
        return run(cmd, 300);
    }

    static void sparseCopy(Path from, Path to) throws IOException, InterruptedException {
        run(List.of("cp", "--sparse=always", from.toString(), to.toString()), 300);
    }

    /**
     * Stops what {@link #run} started (guestfish and its qemu appliance), for a driver stopped by SIGTERM/Ctrl-C:
     * the JVM does not take its children with it.
     */
    static void stopChildren() {
        CHILDREN.forEach(GuestOnFakeVsphere::stop);
    }

    private static void stop(Process p) {
        // Descendants first (the appliance's qemu), then guestfish itself.
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String run(List<String> cmd, long seconds) throws IOException, InterruptedException {
        // Output to a file, not a pipe: a hung child must not block us past the timeout.
        Path log = Files.createTempFile("warm-demo-cmd", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("LIBGUESTFS_BACKEND", "direct");
            pb.environment().putIfAbsent("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
            Process p = pb.start();
            CHILDREN.add(p);
            try {
                if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                    stop(p);
                    throw new IOException(cmd.get(0) + " did not finish within " + seconds + " s");
                }
            } finally {
                CHILDREN.remove(p);
            }
            String text = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd.subList(0, Math.min(3, cmd.size()))) + "… failed ("
                        + p.exitValue() + "): " + text);
            }
            return text;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
