package org.v2vwrapper.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.v2vwrapper.e2e.WrapperRun;
import org.v2vwrapper.real.RealGuest;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code scripts/demo --warm} (not a test): a warm migration of the phony Windows test guest, as it happens. The
 * fake vSphere (127.0.0.1) runs the guest as a VM; the real launcher copies it with the real nbdkit (file plugin
 * behind {@code nbdkit-vddk-as-file}), the guest writes a file between the pre-copy iterations (guestfish on the
 * fake's image, the changed blocks tracked by the fake's change tracking), the cutover file is touched, and the
 * real virt-v2v-in-place and virt-v2v-inspector of virt-v2v 2.2 convert the copy in {@code local_output_dir}.
 * Prints the state file whenever it changes; at the end reads the guest's files back from the converted disk.
 *
 * <p>Argument: an empty work directory (the caller removes it). Every distinct state is kept in
 * {@code WORK/states/NNN.json}. Exit status: the wrapper's, 3 if the demo itself failed.
 */
public final class WarmDemo {
    static final String VM = "demo-win";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final PrintStream OUT = System.out;

    private WarmDemo() {
    }

    static void say(String text) {
        OUT.println(LocalTime.now().format(CLOCK) + " " + text);
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        WrapperRun[] running = new WrapperRun[1];
        // Ctrl-C / SIGTERM of the demo: a guestfish at work is killed with its appliance, and the wrapper is stopped
        // as a caller stops it, so it removes its snapshot, nbdkits and the destination disks before we go.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            GuestOnFakeVsphere.stopChildren();
            Runs.stop(running[0]);
        }, "stop-children"));
        int rc;
        try {
            Runs.requireTools();
            rc = demo(work, running);
        } catch (Exception | AssertionError e) {
            System.err.println("warm demo: " + e);
            rc = 3;
        }
        System.exit(rc);
    }

    private static int demo(Path work, WrapperRun[] running) throws Exception {
        Path windows = RealGuest.image("windows.img");
        Path out = Files.createDirectories(work.resolve("out"));
        Path states = Files.createDirectories(work.resolve("states"));
        try (FakeVsphere fake = FakeVsphere.start(work.resolve("fake"))) {
            GuestOnFakeVsphere guest = GuestOnFakeVsphere.add(fake, VM, windows, work);
            fake.setShutdownDelay(VM, Duration.ofSeconds(2));
            say("fake vSphere on 127.0.0.1:" + fake.port() + ": VM " + VM + " (powered on, change tracking off),"
                    + " its disk a sparse copy of " + windows);
            ObjectNode request = Runs.warmRequest(fake, VM, out);
            say("request:");
            OUT.println(Runs.shown(request));
            WrapperRun run = Runs.wrapper(work.resolve("wrapper"), fake);
            say("scripts/v2v-wrapper --virt-v2v=/usr/bin/virt-v2v --nbdkit=…/nbdkit-vddk-as-file --run-dir "
                    + run.runDir + " --log-dir " + run.logDir + " < request.json");
            running[0] = run.start(request.toString());
            List<String> files = new ArrayList<>();
            try (StateTicker ticker = new StateTicker(run.stateFile(), OUT, states)) {
                waitForStdout(run);
                ticker.await(StateTicker.waitingAfterCopy(1), 900, run.process());
                for (int iteration = 1; iteration <= 2; iteration++) {
                    String file = "/demo/iteration-" + iteration + ".txt";
                    say("the guest writes " + file + " (guestfish on a copy of the VM's disk, the changed 64 KiB"
                            + " blocks written back through the fake's change tracking)");
                    long bytes = guest.writeFile(file, "written before pre-copy #" + (iteration + 1));
                    files.add(file);
                    say("  " + bytes / 1024 + " KiB changed");
                    if (iteration == 1) {
                        say("touch " + run.runDir.resolve("copy_trigger") + "   (next pre-copy now)");
                        Files.createFile(run.runDir.resolve("copy_trigger"));
                        ticker.await(StateTicker.waitingAfterCopy(2), 900, run.process());
                    } else {
                        say("touch " + run.runDir.resolve("cutover") + "   (the VM may go down now)");
                        Files.createFile(run.runDir.resolve("cutover"));
                    }
                }
                int rc = run.waitFor(1800);
                running[0] = null;
                ticker.close();
                say("wrapper exited with " + rc);
                JsonNode end = ticker.last();
                Files.writeString(work.resolve("state-final.json"),
                        Runs.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(end));
                say("VM on the fake after the run: " + fake.powerState(VM) + ", change tracking "
                        + (fake.changeTracking(VM) ? "on" : "off") + ", snapshots left " + fake.snapshotsAlive(VM));
                if (rc == 0) {
                    showResult(out, files);
                }
                return rc;
            }
        }
    }

    private static void waitForStdout(WrapperRun run) throws Exception {
        for (int i = 0; i < 600 && run.process().isAlive(); i++) {
            String line = run.stdout().strip();
            if (!line.isEmpty()) {
                say("wrapper stdout: " + line);
                // The launcher has read the request by now: its copy (with the password) goes, also with --keep.
                try (var files = Files.list(run.dir)) {
                    for (Path f : files.filter(p -> p.getFileName().toString().startsWith("stdin-")).toList()) {
                        Files.delete(f);
                    }
                }
                return;
            }
            Thread.sleep(100);
        }
    }

    private static void showResult(Path out, List<String> files) throws Exception {
        say("output files (" + out + "):");
        try (var list = Files.list(out)) {
            for (Path f : list.sorted().toList()) {
                OUT.printf("  %-14s %,12d bytes%n", f.getFileName(), Files.size(f));
            }
        }
        say("the converted disk, read back with guestfish (the files of every iteration, and the VirtIO driver"
                + " directory virt-v2v-in-place added):");
        List<String> paths = new ArrayList<>(files);
        String text = GuestOnFakeVsphere.catFiles(out.resolve(VM + "-sda"), paths);
        List<String> lines = text.lines().filter(l -> !l.isEmpty()).toList();
        for (int i = 0; i < lines.size(); i++) {
            OUT.println("  " + (i < paths.size() ? paths.get(i) + ": " : "/Windows/Drivers/VirtIO is a directory: ")
                    + lines.get(i));
        }
    }
}
