package org.v2vwrapper.torture;

import org.v2vwrapper.e2e.Scenario;
import org.v2vwrapper.e2e.WrapperRun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code nbd_export_only} with the real nbdkit: one disk image exported on loopback until SIGTERM (the normal
 * end). Left after a run: {@code nbdready} in the data directory, an nbdkit serving the image. For the SIGTERM
 * matrix only: its run never ends on its own, so it has no "next run" for the SIGKILL driver.
 */
public final class NbdExportDestination implements TortureDestination {
    private final Path base;
    private final Path disk;
    private final Path data;

    public NbdExportDestination(Path base) throws IOException {
        this.base = Files.createDirectories(base);
        disk = Files.write(base.resolve("vdb.img"), new byte[1 << 20]);
        data = Files.createDirectories(base.resolve("data"));
    }

    @Override
    public String name() {
        return "nbd_export_only";
    }

    @Override
    public int lastExitCode() {
        return 0;
    }

    @Override
    public String request(Path dir) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "{\"nbd_export_only\": {\"" + disk + "\": " + s.getLocalPort() + "}}";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Scenario scenario(int i) {
        return new Scenario(); // no virt-v2v
    }

    @Override
    public WrapperRun prepare(WrapperRun run, int i) {
        return run.arg("--data-dir=" + data);
    }

    @Override
    public List<String> processMarkers() {
        return List.of(base.toString());
    }

    @Override
    public List<String> remoteLeftovers(int iterations, Set<Integer> completed) {
        List<String> left = new ArrayList<>();
        if (Files.exists(data.resolve("nbdready"))) {
            left.add("nbdready");
        }
        return left;
    }
}
