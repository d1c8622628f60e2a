package org.v2vwrapper.v2vlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.v2vwrapper.state.DiskProgress;
import org.v2vwrapper.state.LastMessage;

/** The captured virt-v2v 2.2 runs in {@code fixtures/virt-v2v/2.2}, fed as the live monitor would. */
class V2vLogParser2xTest {

    private static final List<Double> BAR_1DISK = List.of(0.0, 25.0, 50.0, 75.0, 100.0);

    /**
     * stdout and stderr merged in a plausible arrival order: stderr up to nbdcopy's command line (the source is
     * opened and inspected), stdout up to and including {@code Copying disk}, the rest of stderr (the bars), the
     * rest of stdout.
     */
    private static Harness run2x(String base, int chunk) {
        Harness h = new Harness();
        String out = text("2.2/" + base + ".stdout");
        String err = text("2.2/" + base + ".stderr");
        int copying = out.indexOf("Copying disk");
        int outCut = copying < 0 ? out.length() : out.indexOf('\n', copying) + 1;
        int errCut = err.indexOf("\nnbdcopy '");
        errCut = errCut < 0 ? 0 : errCut + 1; // without -v, stderr holds nothing but the bars
        Harness.feedAll(h.stderr, bytes(err.substring(0, errCut)), chunk);
        Harness.feedAll(h.stdout, bytes(out.substring(0, outCut)), chunk);
        Harness.feedAll(h.stderr, bytes(err.substring(errCut)), chunk);
        Harness.feedAll(h.stdout, bytes(out.substring(outCut)), chunk);
        return h;
    }

    private static String text(String name) {
        return new String(Fixtures.bytes(name), StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 4096, 1 << 20})
    void verboseRunLearnsThePathFromTheInputNbdkitAndFollowsTheBar(int chunk) {
        Harness h = run2x("local-1disk-verbose", chunk);
        Harness.feedAll(h.machineReadable, Fixtures.bytes("2.2/local-1disk-verbose.mr.log"));

        Map<String, Object> s = h.snapshot();
        assertEquals(List.of(new DiskProgress("windows.img", 100)), s.get("disks"));
        assertEquals(1, s.get("disk_count"));
        assertEquals("Finishing off", s.get("status"));
        assertEquals(BAR_1DISK, h.progressOf("windows.img"));
        assertFalse(s.containsKey("vm_id"));
        assertFalse(s.containsKey("last_message"), "warnings do not become last_message");
        assertFalse(s.containsKey("failed"));
        assertEquals(List.of(), h.state.facts().ovirtDiskIds(), "help text --disk-id is not a disk id");
    }

    @Test
    void outputSideNbdkitIsNotASourceDisk() {
        Harness h = run2x("vdsm-ovf-verbose", 4096);
        Map<String, Object> s = h.snapshot();
        // the out0 block names file=/tmp/vdsm/dc/…: it must not appear
        assertEquals(List.of(new DiskProgress("windows.img", 100)), s.get("disks"));
        assertEquals(BAR_1DISK, h.progressOf("windows.img"));
        assertEquals("cccccccc-0000-0000-0000-000000000001", s.get("vm_id"));
        assertEquals("Finishing off", s.get("status"));
    }

    @Test
    void barsBeforeTheirCopyingLineAreKeptForThatDisk() {
        // stderr entirely before stdout: every bar arrives before "Copying disk 1/1"
        Harness h = new Harness();
        Harness.feedAll(h.stderr, Fixtures.bytes("2.2/local-1disk-verbose.stderr"));
        Harness.feedAll(h.stdout, Fixtures.bytes("2.2/local-1disk-verbose.stdout"));
        assertEquals(List.of(new DiskProgress("windows.img", 100)), h.snapshot().get("disks"));
    }

    @Test
    void plainRunWithoutPathsUsesAPlaceholderPath() {
        Harness h = run2x("local-1disk-plain", 4096);
        Map<String, Object> s = h.snapshot();
        assertEquals(List.of(new DiskProgress("disk 1", 100)), s.get("disks"));
        assertEquals(BAR_1DISK, h.progressOf("disk 1"));
        assertEquals("Finishing off", s.get("status"));
    }

    @Test
    void plainRunWithSourceDisksReportsOnTheGivenPath() {
        Harness h = new Harness();
        h.state.initDisks(List.of("[ds] vm/vm.vmdk"));
        Harness.feedAll(h.stdout, text("2.2/local-1disk-plain.stdout").split("\\[  30.1]")[0]);
        Harness.feedAll(h.stderr, Fixtures.bytes("2.2/local-1disk-plain.stderr"));
        assertEquals(List.of(new DiskProgress("[ds] vm/vm.vmdk", 100)), h.snapshot().get("disks"));
        assertEquals(BAR_1DISK, h.progressOf("[ds] vm/vm.vmdk"));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 4096})
    void terminalRunWithColoursAndTwoDisks(int chunk) {
        Harness h = new Harness();
        Harness.feedAll(h.stdout, Fixtures.bytes("2.2/local-2disks-tty.typescript"), chunk);
        Harness.feedAll(h.machineReadable, Fixtures.bytes("2.2/local-2disks-tty.mr.log"), chunk);

        Map<String, Object> s = h.snapshot();
        assertEquals(List.of(new DiskProgress("disk 1", 100), new DiskProgress("disk 2", 100)), s.get("disks"));
        assertEquals(2, s.get("disk_count"));
        assertEquals(BAR_1DISK, h.progressOf("disk 1"));
        assertEquals(List.of(0.0, 6.0, 12.0, 18.0, 25.0, 31.0, 37.0, 43.0, 50.0, 56.0, 62.0, 68.0, 75.0, 81.0, 87.0,
                93.0, 100.0), h.progressOf("disk 2"));
        assertEquals("Finishing off", s.get("status"), "colour codes stripped");
        assertFalse(s.containsKey("last_message"));
    }

    @Test
    void phasesFollowTheStdoutMessagesInOrder() {
        Harness h = new Harness();
        List<String> statuses = new java.util.ArrayList<>();
        h.state.setListener(c -> h.state.snapshot().computeIfPresent("status", (k, v) -> {
            if (statuses.isEmpty() || !statuses.get(statuses.size() - 1).equals(v)) {
                statuses.add((String) v);
            }
            return v;
        }));
        Harness.feedAll(h.stdout, Fixtures.bytes("2.2/local-2disks-tty.typescript"));
        assertEquals(List.of("Setting up the source: -i disk windows.img data2.img", "Opening the source",
                "Inspecting the source", "Checking for sufficient free disk space in the guest",
                "Converting Microsoft Windows 7 Phony Edition to run on KVM",
                "Mapping filesystem data to avoid copying unused and blank areas", "Closing the overlay",
                "Assigning disks to buses", "Checking if the guest needs BIOS or UEFI to boot",
                "Setting up the destination: -o disk -os /tmp/out", "Copying disk 1/2", "Copying disk 2/2",
                "Creating output metadata", "Finishing off"), statuses);
    }

    @Test
    void inspectionFailureBecomesTheErrorMessage() {
        Harness h = run2x("inspection-failure-verbose", 4096);
        Harness.feedAll(h.machineReadable, Fixtures.bytes("2.2/inspection-failure-verbose.mr.log"));

        Map<String, Object> s = h.snapshot();
        assertEquals("Inspecting the source", s.get("status"), "kernel lines like [   16.254135] are no phases");
        assertEquals(Boolean.TRUE, s.get("failed"));
        LastMessage m = (LastMessage) s.get("last_message");
        assertEquals(LastMessage.Type.ERROR, m.type());
        assertTrue(m.message().startsWith("inspection could not detect the source guest (or physical machine)."),
                m.message());
        assertTrue(m.message().endsWith("No root device found in this operating system image."), m.message());
        assertFalse(s.containsKey("disks"), "no copy started");
        assertFalse(s.containsKey("disk_count"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local-1disk-verbose", "vdsm-ovf-verbose", "inspection-failure-verbose"})
    void verboseStderrAloneHasNoPhaseNoDiskNoIds(String base) {
        // -v -x noise: guestfsd traces, help texts (--disk-id), kernel lines, firstboot scripts with '%'
        Harness h = new Harness();
        Harness.feedAll(h.stderr, Fixtures.bytes("2.2/" + base + ".stderr"));
        Map<String, Object> s = h.snapshot();
        assertFalse(s.containsKey("status"), () -> "status " + s.get("status"));
        assertFalse(s.containsKey("disks"));
        assertEquals(List.of(), h.state.facts().ovirtDiskIds());
        assertEquals(Optional.empty(), h.state.facts().displayName());
        assertEquals(List.of(), h.state.facts().ospVolumeIds());
        assertEquals(base.startsWith("vdsm") ? "cccccccc-0000-0000-0000-000000000001" : null, s.get("vm_id"));
    }

    @Test
    void versionAndCapabilitiesFilesAreNoise() {
        Harness h = new Harness();
        Harness.feedAll(h.stdout, Fixtures.bytes("2.2/version.txt"));
        Harness.feedAll(h.stdout, Fixtures.bytes("2.2/capabilities.txt"));
        assertEquals(Map.of(), h.snapshot());
    }
}
