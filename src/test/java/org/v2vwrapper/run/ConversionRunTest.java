package org.v2vwrapper.run;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.RequestFixtures;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;
import org.v2vwrapper.state.StateFile;
import org.v2vwrapper.state.StatePublisher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner's end paths (virt-v2v fails, the log parser reports an error, SIGTERM during or before the run, a
 * mode without an itinerary) through the {@link ConversionRun.LogParsers} seam, with a shell script as virt-v2v.
 */
class ConversionRunTest {
    @TempDir
    Path dir;

    private final List<String> statuses = new CopyOnWriteArrayList<>();
    private final CountDownLatch v2vLogSeen = new CountDownLatch(1);
    private volatile Thread runThread;

    @AfterEach
    void noFakeVirtV2vLeft() throws Exception {
        if (runThread != null) {
            runThread.join(30_000);
        }
        assertFalse(ProcessHandle.current().descendants()
                        .anyMatch(h -> h.info().commandLine().orElse("").contains(dir.toString())),
                "the fake virt-v2v is gone");
    }

    /** A virt-v2v that answers --machine-readable and otherwise runs {@code body}. */
    private Path fakeVirtV2v(String body) throws Exception {
        Path script = dir.resolve("virt-v2v");
        Files.writeString(script, "#!/bin/sh\n"
                + "if [ \"$1\" = --machine-readable ]; then printf 'virt-v2v\\nvirt-v2v-2.0\\ninput:disk\\noutput:local\\n'; exit 0; fi\n"
                + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private ConversionRequest diskToLocal() throws Exception {
        Path image = Files.writeString(dir.resolve("disk.img"), "image");
        var n = RequestFixtures.diskToLocal(image.toString());
        n.put("local_output_dir", dir.resolve("out").toString());
        return RequestFixtures.parse(n);
    }

    /** Parsers that see the log but do nothing with it, except (when asked) report an error as the real one would. */
    private ConversionRun.LogParsers parsers(boolean reportError) {
        return new ConversionRun.LogParsers() {
            @Override
            public LogConsumer v2vLog(ConversionState state, V2vCapabilities caps) {
                return new LogConsumer() {
                    @Override
                    public void accept(byte[] buf, int off, int len) {
                        if (reportError) {
                            state.setLastMessage(LastMessage.error("virt-v2v: error: from the log"));
                            state.markFailed();
                        }
                        v2vLogSeen.countDown();
                    }

                    @Override
                    public void end() {
                    }
                };
            }

            @Override
            public LogConsumer machineReadableLog(ConversionState state) {
                return new LogConsumer() {
                    @Override
                    public void accept(byte[] buf, int off, int len) {
                    }

                    @Override
                    public void end() {
                    }
                };
            }
        };
    }

    private record Outcome(int exitCode, ConversionState state) {
        String lastMessage() {
            return state.lastMessage().map(LastMessage::message).orElse("");
        }
    }

    private ConversionRun newRun(Path virtV2v, ConversionRequest request, ConversionState state, boolean reportError)
            throws Exception {
        WrapperSettings settings = new WrapperSettings(virtV2v, Files.createDirectories(dir.resolve("run")),
                Files.createDirectories(dir.resolve("log")), dir.resolve("vddk"), dir.resolve("ca.pem"));
        StatePublisher publisher = new StatePublisher(state, new StateFile(settings.stateFile())).start();
        // One listener per state: record each status, then let the publisher write as it would.
        state.setListener(change -> {
            statuses.add(String.valueOf(state.snapshot().get("status")));
            publisher.changed(change);
        });
        return new ConversionRun(settings, request, state, publisher, parsers(reportError));
    }

    private Outcome run(String body, boolean reportError) throws Exception {
        ConversionState state = new ConversionState();
        int rc = newRun(fakeVirtV2v(body), diskToLocal(), state, reportError).run();
        return new Outcome(rc, state);
    }

    @Test
    void theStepsNameTheStatusAndASuccessEndsFinished() throws Exception {
        Outcome o = run("echo converting; exit 0", false);
        assertEquals(ConversionRun.EXIT_OK, o.exitCode());
        assertTrue(o.state().isFinished());
        assertFalse(o.state().isFailed());
        assertEquals(List.of("Checking virt-v2v", "Checking the destination", "Building the virt-v2v command",
                "Starting virt-v2v", "Finishing", "Finished"), statuses.stream().distinct()
                .filter(s -> !s.equals("null")).toList());
    }

    @Test
    void virtV2vFailingIsExitTwoWithItsExitCode() throws Exception {
        Outcome o = run("echo failing; exit 3", false);
        assertEquals(ConversionRun.EXIT_FAILED, o.exitCode());
        assertTrue(o.state().isFailed());
        assertTrue(o.state().isFinished());
        assertEquals("virt-v2v failed with exit code 3", o.lastMessage());
        assertEquals("Failed", o.state().snapshot().get("status"));
        assertTrue(statuses.contains("Cleaning up"), "the destination's failure cleanup ran: " + statuses);
    }

    @Test
    void anErrorTheParserReportsFailsTheRunAndKeepsItsMessage() throws Exception {
        Outcome o = run("echo 'virt-v2v: error: boom'; exit 0", true);
        assertEquals(ConversionRun.EXIT_FAILED, o.exitCode());
        assertEquals("virt-v2v: error: from the log", o.lastMessage());
    }

    @Test
    void terminateDuringVirtV2vStopsItAndEndsTheRunStopped() throws Exception {
        ConversionState state = new ConversionState();
        ConversionRun run = newRun(fakeVirtV2v("echo started; exec sleep 600"), diskToLocal(), state, false);
        AtomicInteger rc = new AtomicInteger(-1);
        runThread = new Thread(() -> rc.set(run.run()));
        runThread.start();
        assertTrue(v2vLogSeen.await(30, TimeUnit.SECONDS), "virt-v2v wrote its log");
        run.terminate("test SIGTERM");
        runThread.join(30_000);
        assertEquals(ConversionRun.EXIT_FAILED, rc.get());
        assertTrue(state.isFinished());
        assertEquals("conversion stopped: test SIGTERM during the step \"Starting virt-v2v\"", state.lastMessage().orElseThrow().message());
    }

    @Test
    void terminateBeforeTheFirstStepEndsTheRunBeforeAnythingStarts() throws Exception {
        ConversionState state = new ConversionState();
        ConversionRun run = newRun(fakeVirtV2v("exit 0"), diskToLocal(), state, false);
        // The hook waits for the run to end; here the run starts only after the stop, from another thread.
        Thread hook = new Thread(() -> run.terminate("early SIGTERM"));
        hook.start();
        while (hook.getState() != Thread.State.TIMED_WAITING && hook.isAlive()) {
            Thread.onSpinWait();
        }
        int rc = run.run();
        hook.join(30_000);
        assertEquals(ConversionRun.EXIT_NOT_STARTED, rc);
        assertEquals("conversion stopped: early SIGTERM", state.lastMessage().orElseThrow().message());
        assertFalse(state.isStartedVirtV2v());
        assertFalse(statuses.contains("Starting virt-v2v"), statuses.toString());
    }

    @Test
    void aModeWithoutAnItineraryIsRefusedBeforeAnythingStarts() throws Exception {
        ConversionState state = new ConversionState();
        // Two-phase over ssh: its disks cannot be listed without vSphere yet, so this build has no itinerary for it.
        ConversionRequest r = RequestFixtures.parse(RequestFixtures.twoPhaseVddkToRhv());
        ConversionRequest twoPhase = new ConversionRequest(r.vmName(), r.outputFormat(),
                org.v2vwrapper.request.TransportMethod.SSH, r.vmwareUri(), r.vmwarePassword(), r.vmwareFingerprint(),
                r.sshKey(), true, false, r.conversionHostUuid(), java.util.Optional.empty(), r.sourceDisks(),
                r.networkMappings(), r.installDrivers(), r.allocation(), r.luksKeysVault(), r.rhv(), r.osp(),
                r.localOutputDir(), r.insecureConnection(), r.ospSource(), r.nbdExport(), r.daemonize(),
                r.throttling());
        int rc = newRun(fakeVirtV2v("exit 0"), twoPhase, state, false).run();
        assertEquals(ConversionRun.EXIT_NOT_STARTED, rc);
        assertEquals("two_phase: two-phase conversion with transport_method ssh is not available in this version",
                state.lastMessage().orElseThrow().message());
        assertFalse(statuses.contains("Checking virt-v2v"), statuses.toString());
        try (var files = Files.list(dir.resolve("run"))) {
            assertEquals(List.of("state.json"), files.map(p -> p.getFileName().toString()).toList(),
                    "no secret directory was made");
        }
    }

    @Test
    void aStepOutlivingItsTimeoutStopsTheRunNamingTheStep() throws Exception {
        ConversionState state = new ConversionState();
        ConversionRequest request = diskToLocal();
        java.util.concurrent.atomic.AtomicBoolean undone = new java.util.concurrent.atomic.AtomicBoolean();
        org.v2vwrapper.itinerary.Step slow = org.v2vwrapper.itinerary.Step.of("Waiting for nothing",
                java.time.Duration.ofMillis(200), ctx -> {
                    ctx.onFailure("the test's leftovers", () -> undone.set(true));
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        throw new org.v2vwrapper.ConversionException("interrupted", e);
                    }
                });
        WrapperSettings settings = new WrapperSettings(fakeVirtV2v("exit 0"), Files.createDirectories(dir.resolve("run")),
                Files.createDirectories(dir.resolve("log")), dir.resolve("vddk"), dir.resolve("ca.pem"));
        StatePublisher publisher = new StatePublisher(state, new StateFile(settings.stateFile())).start();
        ConversionRun run = new ConversionRun(settings, request, state, publisher, parsers(false),
                mode -> new org.v2vwrapper.itinerary.Itinerary(mode, List.of(slow)));
        assertEquals(ConversionRun.EXIT_NOT_STARTED, run.run());
        assertEquals("conversion stopped: the step \"Waiting for nothing\" did not end within 200 ms",
                state.lastMessage().orElseThrow().message());
        assertTrue(undone.get(), "the step's failure undo ran");
        assertTrue(state.isFinished());
        assertFalse(Thread.interrupted(), "the runner's thread is not left interrupted");
    }
}
