package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.itinerary.Slot;
import org.v2vwrapper.itinerary.Step;
import org.v2vwrapper.output.Targets;
import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.plan.PlanBuilder;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.SourceTransport;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.plan.VirtV2vCommand;
import org.v2vwrapper.request.Destination;
import org.v2vwrapper.request.TransportMethod;
import org.v2vwrapper.transport.Transports;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The steps of a conversion by one virt-v2v process (cold one-phase today; the conversion phase of two-phase
 * later): check virt-v2v, validate the destination, build the command, run virt-v2v, finish.
 */
final class ColdSteps {
    private static final Logger LOG = LoggerFactory.getLogger(ColdSteps.class);

    /** The seam tests replace: what turns virt-v2v's two logs into state changes. */
    static final Slot<ConversionRun.LogParsers> LOG_PARSERS = new Slot<>("log parsers", ConversionRun.LogParsers.class);
    static final Slot<V2vCapabilities> CAPABILITIES = new Slot<>("virt-v2v capabilities", V2vCapabilities.class);
    static final Slot<PlanContext> PLAN = new Slot<>("plan context", PlanContext.class);
    static final Slot<OutputTarget.Validated> TARGET = new Slot<>("validated output target",
            OutputTarget.Validated.class);
    static final Slot<VirtV2vCommand> COMMAND = new Slot<>("virt-v2v command", VirtV2vCommand.class);

    /** virt-v2v --machine-readable has 30 s of its own; this bounds the whole step. */
    static final Duration CHECK_TIMEOUT = Duration.ofMinutes(1);
    /** The destination's API calls have their own timeouts; this bounds a validation that makes many. */
    static final Duration VALIDATE_TIMEOUT = Duration.ofMinutes(10);
    /** Writing secret files, starting ssh-agent, reading the LUKS vault. */
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(2);
    /** Checking the VM virt-v2v made, creating the OpenStack instance. */
    static final Duration FINISH_TIMEOUT = Duration.ofMinutes(30);
    static final long CHILD_SAMPLE_MS = 1_000;
    /** How often what virt-v2v's log named (disks, volumes) is put into the ledger. */
    static final long TRACK_MS = 250;

    private ColdSteps() {
    }

    static List<Step> steps(TransportMethod input, Destination destination) {
        return List.of(
                Step.of("Checking virt-v2v", CHECK_TIMEOUT, ctx -> checkVirtV2v(ctx, input))
                        .withPreview(ctx -> ctx.settings().virtV2v() + " --machine-readable"
                                + (RunThrottling.networkInput(input) ? "; --help (for --bandwidth-file)" : "")),
                Step.of("Checking the destination", VALIDATE_TIMEOUT, ctx -> validate(ctx, input, destination))
                        .withPreview(ctx -> destination.name() + " (not contacted in a dry run)"),
                // Also starts the run's throttling: the command goes through its launch prefix.
                Step.of("Building the virt-v2v command", BUILD_TIMEOUT, ColdSteps::buildCommand)
                        .withPreview(ctx -> "transport " + input.key() + ", output " + destination.name()),
                // No timeout of the wrapper's own: a conversion of big disks takes hours; the caller stops it.
                new Step("Starting virt-v2v", Optional.empty(), ColdSteps::runVirtV2v,
                        Optional.of(ctx -> "the virt-v2v command above, " + RunThrottling.preview(ctx, input))),
                Step.of("Finishing", FINISH_TIMEOUT, ctx -> ctx.get(TARGET).finish(ctx.state(), ctx.state().facts()))
                        .withPreview(ctx -> destination.name()));
    }

    private static void checkVirtV2v(RunContext ctx, TransportMethod input) throws ConversionException {
        V2vCapabilities caps = V2vCapabilities.query(ctx.settings().virtV2v());
        LOG.info("virt-v2v capabilities: {}", caps.features());
        ctx.put(CAPABILITIES, caps);
        // Only inputs read over the network through nbdkit honour it; no need to ask for the others.
        ctx.put(RunThrottling.BANDWIDTH_FILE_OPTION, RunThrottling.networkInput(input)
                && RunThrottling.bandwidthFileSupported(ctx.settings().virtV2v()));
    }

    private static void validate(RunContext ctx, TransportMethod input, Destination destination)
            throws ConversionException {
        OutputTarget target = Targets.forDestination(destination);
        PlanContext plan = new PlanContext(ctx.request(), ctx.settings(), ctx.secrets(), ctx.get(CAPABILITIES),
                ctx.cleanup(), false, ctx.ledger());
        ctx.put(PLAN, plan);
        LOG.info("transport {}, output {}", input.key(), target.name());
        // A validation that fails changed nothing and closes what it opened; from its result on, the session is
        // closed by the run's cleanup (after the failure undo, which still needs it).
        OutputTarget.Validated validated = target.validate(plan, ctx.state());
        ctx.cleanup().register("output target connection", validated::close);
        ctx.put(TARGET, validated);
        ctx.onFailure("the destination", () -> validated.cleanupAfterFailure(ctx.state(), ctx.state().facts()));
    }

    private static void buildCommand(RunContext ctx) throws ConversionException {
        SourceTransport transport = Transports.forInput(ctx.request().transportMethod());
        VirtV2vCommand command = PlanBuilder.command(ctx.get(PLAN), transport, ctx.get(TARGET));
        // Started here, just before virt-v2v; its close is the run's cleanup (after virt-v2v has been stopped).
        var throttling = RunThrottling.start(ctx, ctx.get(RunThrottling.BANDWIDTH_FILE_OPTION), false);
        command = RunThrottling.throttled(command, throttling);
        LOG.info("virt-v2v command: {}", command.describe());
        ctx.put(COMMAND, command);
    }

    /** The command as a dry run builds it: nothing written, started or contacted. */
    static VirtV2vCommand commandFor(RunContext ctx, TransportMethod input, Destination destination)
            throws ConversionException {
        PlanContext plan = new PlanContext(ctx.request(), ctx.settings(), ctx.secrets(), ctx.get(CAPABILITIES),
                ctx.cleanup(), true);
        return PlanBuilder.command(plan, Transports.forInput(input), Targets.forDestination(destination).offline(plan));
    }

    private static void runVirtV2v(RunContext ctx) throws ConversionException, IOException {
        runMonitored(ctx, ctx.get(COMMAND), "virt-v2v");
    }

    /**
     * Runs {@code command} (virt-v2v, or two-phase's virt-v2v-in-place and 1.4x virt-v2v) as the run's
     * conversion: its output in the virt-v2v log, both logs fed to the parsers (phases → status, errors →
     * last_message), its pid in the state file, past the point of no return once started; fails with a message
     * naming {@code program} on a non-zero exit or an error it reported.
     */
    static void runMonitored(RunContext ctx, VirtV2vCommand command, String program)
            throws ConversionException, IOException {
        var settings = ctx.settings();
        var state = ctx.state();
        ConversionRun.LogParsers parsers = ctx.get(LOG_PARSERS);
        // Cold runs only: a two-phase conversion's virt-v2v-in-place makes nothing remotely.
        Optional<OutputTarget.Validated> target = ctx.find(TARGET);
        if (settings.runLogs() != null) {
            // This run's own files, new (never one another process may still write), and the fixed names
            // pointed at them for humans.
            Files.createFile(settings.v2vLog());
            Files.createFile(settings.machineReadableLog());
            RunLogs.linkNewest(settings.v2vLog(), org.v2vwrapper.WrapperSettings.FIXED_V2V_LOG);
            RunLogs.linkNewest(settings.machineReadableLog(), org.v2vwrapper.WrapperSettings.FIXED_MR_LOG);
        } else {
            Files.deleteIfExists(settings.machineReadableLog());
            Files.write(settings.v2vLog(), new byte[0]);
            Files.write(settings.machineReadableLog(), new byte[0]);
        }
        LogMonitor monitor = new LogMonitor(List.of(
                new LogTail(settings.v2vLog(), parsers.v2vLog(state, ctx.get(CAPABILITIES))),
                new LogTail(settings.machineReadableLog(), parsers.machineReadableLog(state))));
        VirtV2vProcess process = ctx.startChild(() -> VirtV2vProcess.start(command, settings.v2vLog()),
                p -> p.stop(VirtV2vProcess.TERM_GRACE_MS));
        ctx.passPointOfNoReturn();
        state.markStarted(process.pid());
        // From here on virt-v2v's own phase lines ("Copying disk 1/2", …) become the status.
        monitor.start();
        Map<Long, ProcessHandle> seenChildren = new LinkedHashMap<>();
        int rc;
        try {
            for (long round = 0; ; round++) {
                if (round % (CHILD_SAMPLE_MS / TRACK_MS) == 0) {
                    process.descendants().forEach(h -> seenChildren.putIfAbsent(h.pid(), h));
                }
                // What virt-v2v created remotely (ids from its log) goes into the ledger, for a replay after SIGKILL.
                target.ifPresent(t -> t.track(state, state.facts()));
                // Wakes as soon as virt-v2v exits; otherwise tracks again 250 ms later and samples its children
                // once a second (its children, nbdkit and the appliance, live for the whole run; walking /proc
                // costs CPU).
                if (process.waitFor(TRACK_MS)) {
                    rc = process.waitFor();
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted while waiting for " + program, e);
        } finally {
            monitor.stop();
            target.ifPresent(t -> t.track(state, state.facts()));
            // Whatever virt-v2v started and left behind (it may have been KILLed through its pid).
            VirtV2vProcess.killLeftovers(new ArrayList<>(seenChildren.values()));
        }
        LOG.info("{} exited with {}", program, rc);
        state.setReturnCode(rc);
        ctx.checkNotStopped();
        if (rc != 0) {
            throw new ConversionException(describeExit(program, rc));
        }
        if (state.isFailed()) {
            throw new ConversionException(program + " reported an error");
        }
    }

    static String describeExit(int rc) {
        return describeExit("virt-v2v", rc);
    }

    static String describeExit(String program, int rc) {
        if (rc > 128 && rc <= 128 + 64) {
            String name = switch (rc - 128) {
                case 1 -> "HUP";
                case 2 -> "INT";
                case 9 -> "KILL";
                case 15 -> "TERM";
                default -> String.valueOf(rc - 128);
            };
            return program + " was killed by signal " + name;
        }
        return program + " failed with exit code " + rc;
    }
}
