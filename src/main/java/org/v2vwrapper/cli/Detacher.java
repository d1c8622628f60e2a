package org.v2vwrapper.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.run.ConversionRun;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code daemonize: true} / {@code --detach}: the conversion goes on in a child JVM in a new session (setsid),
 * so a caller over SSH gets the stdout line and exit 0 at once. The request reaches the child through a pipe
 * (never a file or an argument, since it holds secrets); the child prints the usual stdout line to this process,
 * which passes it on and exits.
 */
final class Detacher {
    private static final Logger LOG = LoggerFactory.getLogger(Detacher.class);
    static final long READY_TIMEOUT_S = 120;

    private Detacher() {
    }

    static int detach(WrapperSettings s, byte[] request, Streams io) {
        List<String> cmd = new ArrayList<>();
        if (HostCheck.findOnPath("setsid") != null) {
            cmd.add("setsid");
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.v2vwrapper.Main",
                "--virt-v2v=" + s.virtV2v(), "--run-dir=" + s.runDir(), "--log-dir=" + s.logDir(),
                "--vddk-libdir=" + s.vddkLibdir(), "--ca-bundle=" + s.caBundle(),
                "--virt-v2v-in-place=" + s.virtV2vInPlace(), "--virt-v2v-inspector=" + s.virtV2vInspector(),
                "--qemu-img=" + s.qemuImg(), "--nbdkit=" + s.nbdkit(), "--data-dir=" + s.dataDir(),
                "--dev-disk-by-id=" + s.devDiskById(), "--lock-dir=" + s.lockDir(), "--detached-child"));
        try {
            // Not through lifecycle.Children: the detached child must outlive this process (no pdeathsig).
            Process child = new ProcessBuilder(cmd).start();
            LOG.info("conversion continues in detached process {}", child.pid());
            try (OutputStream toChild = child.getOutputStream()) {
                toChild.write(request);
            }
            CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            });
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            });
            String ready = line.get(READY_TIMEOUT_S, TimeUnit.SECONDS);
            if (ready == null) {
                int rc = child.waitFor(10, TimeUnit.SECONDS) ? child.exitValue() : ConversionRun.EXIT_NOT_STARTED;
                String err = errors.getNow("").strip();
                io.err().println(err.isEmpty() ? "v2v-wrapper: the detached conversion exited with code " + rc : err);
                return rc == 0 ? ConversionRun.EXIT_NOT_STARTED : rc;
            }
            io.out().println(ready);
            io.out().flush();
            return ConversionRun.EXIT_OK;
        } catch (Exception e) {
            io.err().println("v2v-wrapper: cannot start the detached conversion: " + e.getMessage());
            return ConversionRun.EXIT_NOT_STARTED;
        }
    }

    /** In the detached child, after the stdout line: nothing more goes to the (gone) caller. */
    static void detachStreams(WrapperSettings s) {
        try {
            System.out.flush();
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            System.setErr(new PrintStream(new FileOutputStream(s.wrapperLog().toFile(), true), true,
                    StandardCharsets.UTF_8));
            System.in.close();
        } catch (IOException e) {
            LOG.warn("cannot redirect the detached process's streams: {}", e.toString());
        }
    }
}
