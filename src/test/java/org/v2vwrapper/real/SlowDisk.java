package org.v2vwrapper.real;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A 256 MiB disk of random data that reads slowly, so that virt-v2v's copy of it lasts long enough to be seen
 * (docs/test-guest.md): {@code nbdfuse MOUNT/slow.img [ nbdkit --filter=rate file random256m.img rate=R ]}.
 * Needs /dev/fuse and nbdfuse (libnbd-bin). {@link #close()} unmounts and stops nbdfuse and its nbdkit.
 */
final class SlowDisk implements AutoCloseable {
    static final long SIZE = 256L << 20;

    final Path mountDir;
    final Path file;
    private final Process nbdfuse;
    private final Path log;
    private final Thread hook;
    private boolean closed;

    private SlowDisk(Path mountDir, Process nbdfuse, Path log) {
        this.mountDir = mountDir;
        this.file = mountDir.resolve("slow.img");
        this.nbdfuse = nbdfuse;
        this.log = log;
        // If the JVM goes down without @AfterAll, still do not leave a FUSE mount behind.
        this.hook = new Thread(this::unmount, "slow-disk-unmount");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Mounts the slow disk; {@code rate} as nbdkit's rate filter takes it ("40M": bits per second). */
    static SlowDisk mount(Path randomImage, String rate) throws IOException, InterruptedException {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            throw new IllegalStateException("/dev/fuse is missing: the slow disk needs FUSE");
        }
        ensureRandomImage(randomImage);
        Path mountDir = Files.createTempDirectory("v2v-slowdisk-");
        Path pidFile = mountDir.getParent().resolve(mountDir.getFileName() + ".pid");
        Path log = mountDir.getParent().resolve(mountDir.getFileName() + ".log");
        Process p = new ProcessBuilder("nbdfuse", "-P", pidFile.toString(), mountDir.resolve("slow.img").toString(),
                "[", "nbdkit", "--filter=rate", "file", randomImage.toString(), "rate=" + rate, "]")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(log.toFile()).redirectErrorStream(true).start();
        SlowDisk disk = new SlowDisk(mountDir, p, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (Files.exists(pidFile) && Files.isRegularFile(disk.file) && Files.size(disk.file) == SIZE) {
                Files.deleteIfExists(pidFile);
                return disk;
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String why = p.isAlive() ? "not ready in 30 s" : "exited with " + p.exitValue();
                disk.close();
                throw new IllegalStateException("nbdfuse " + why + ": " + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    /** 256 MiB of pseudo-random data (incompressible, no zero blocks, so nbdcopy copies every byte). */
    static void ensureRandomImage(Path image) throws IOException {
        if (Files.isRegularFile(image) && Files.size(image) == SIZE) {
            return;
        }
        Path tmp = image.resolveSibling(image.getFileName() + ".tmp" + ProcessHandle.current().pid());
        SplittableRandom random = new SplittableRandom(42);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(tmp)) {
            for (long done = 0; done < SIZE; done += buf.length) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = random.nextLong();
                    for (int k = 0; k < 8; k++) {
                        buf[i + k] = (byte) (v >>> (8 * k));
                    }
                }
                out.write(buf);
            }
        }
        Files.move(tmp, image, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private synchronized void unmount() {
        if (closed) {
            return;
        }
        closed = true;
        List<ProcessHandle> tree = new ArrayList<>(nbdfuse.descendants().toList());
        tree.add(nbdfuse.toHandle());
        try {
            if (run("fusermount3", "-u", mountDir.toString()) != 0) {
                run("umount", "-l", mountDir.toString());
            }
            if (!nbdfuse.waitFor(10, TimeUnit.SECONDS)) {
                nbdfuse.destroy();
            }
            for (ProcessHandle h : tree) {
                h.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            tree.forEach(ProcessHandle::destroyForcibly);
        }
        try {
            Files.deleteIfExists(mountDir);
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // a mount that would not go away; reported by the next mount attempt
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Override
    public void close() {
        unmount();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }
}
