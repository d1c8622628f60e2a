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
    static final Slot<OutputTarget> TARGET = new Slot<>("output target", OutputTarget.class);
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
                Step.of("Checking virt-v2v", CHECK_TIMEOUT, ColdSteps::checkVirtV2v)
                        .withPreview(ctx -> ctx.settings().virtV2v() + " --machine-readable"),
                Step.of("Checking the destination", VALIDATE_TIMEOUT, ctx -> validate(ctx, input, destination))
                        .withPreview(ctx -> destination.name() + " (not contacted in a dry run)"),
                Step.of("Building the virt-v2v command", BUILD_TIMEOUT, ColdSteps::buildCommand)
                        .withPreview(ctx -> "transport " + input.key() + ", output " + destination.name()),
                // No timeout of the wrapper's own: a conversion of big disks takes hours; the caller stops it.
                new Step("Starting virt-v2v", Optional.empty(), ColdSteps::runVirtV2v,
                        Optional.of(ctx -> "the virt-v2v command above")),
                Step.of("Finishing", FINISH_TIMEOUT, ctx -> ctx.get(TARGET).finish(ctx.get(PLAN), ctx.state()))
                        .withPreview(ctx -> destination.name()));
    }

    private static void checkVirtV2v(RunContext ctx) throws ConversionException {
        V2vCapabilities caps = V2vCapabilities.query(ctx.settings().virtV2v());
        LOG.info("virt-v2v capabilities: {}", caps.features());
        ctx.put(CAPABILITIES, caps);
    }

    private static void validate(RunContext ctx, TransportMethod input, Destination destination)
            throws ConversionException {
        OutputTarget target = Targets.forDestination(destination);
        ctx.cleanup().register("output target connection", target::close);
        PlanContext plan = new PlanContext(ctx.request(), ctx.settings(), ctx.secrets(), ctx.get(CAPABILITIES),
                ctx.cleanup(), false, ctx.ledger());
        ctx.put(TARGET, target);
        ctx.put(PLAN, plan);
        // Registered before validate: a validation that fails half-way may already have left something.
        ctx.onFailure("the destination", () -> target.cleanupAfterFailure(plan, ctx.state()));
        LOG.info("transport {}, output {}", input.key(), target.name());
        target.validate(plan, ctx.state());
    }

    private static void buildCommand(RunContext ctx) throws ConversionException {
        SourceTransport transport = Transports.forInput(ctx.request().transportMethod());
        VirtV2vCommand command = PlanBuilder.command(ctx.get(PLAN), transport, ctx.get(TARGET));
        LOG.info("virt-v2v command: {}", command.describe());
        ctx.put(COMMAND, command);
    }

    /** The command as a dry run builds it: nothing written, started or contacted. */
    static VirtV2vCommand commandFor(RunContext ctx, TransportMethod input, Destination destination)
            throws ConversionException {
        PlanContext plan = new PlanContext(ctx.request(), ctx.settings(), ctx.secrets(), ctx.get(CAPABILITIES),
                ctx.cleanup(), true);
        return PlanBuilder.command(plan, Transports.forInput(input), Targets.forDestination(destination));
    }

    private static void runVirtV2v(RunContext ctx) throws ConversionException, IOException {
        var settings = ctx.settings();
        var state = ctx.state();
        ConversionRun.LogParsers parsers = ctx.get(LOG_PARSERS);
        OutputTarget target = ctx.get(TARGET);
        PlanContext plan = ctx.get(PLAN);
        Files.deleteIfExists(settings.machineReadableLog());
        Files.write(settings.v2vLog(), new byte[0]);
        Files.write(settings.machineReadableLog(), new byte[0]);
        LogMonitor monitor = new LogMonitor(List.of(
                new LogTail(settings.v2vLog(), parsers.v2vLog(state, ctx.get(CAPABILITIES))),
                new LogTail(settings.machineReadableLog(), parsers.machineReadableLog(state))));
        VirtV2vProcess process = ctx.startChild(() -> VirtV2vProcess.start(ctx.get(COMMAND), settings.v2vLog()),
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
                target.track(plan, state);
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
            throw new ConversionException("interrupted while waiting for virt-v2v", e);
        } finally {
            monitor.stop();
            target.track(plan, state);
            // Whatever virt-v2v started and left behind (it may have been KILLed through its pid).
            VirtV2vProcess.killLeftovers(new ArrayList<>(seenChildren.values()));
        }
        LOG.info("virt-v2v exited with {}", rc);
        state.setReturnCode(rc);
        ctx.checkNotStopped();
        if (rc != 0) {
            throw new ConversionException(describeExit(rc));
        }
        if (state.isFailed()) {
            throw new ConversionException("virt-v2v reported an error");
        }
    }

    static String describeExit(int rc) {
        if (rc > 128 && rc <= 128 + 64) {
            String name = switch (rc - 128) {
                case 1 -> "HUP";
                case 2 -> "INT";
                case 9 -> "KILL";
                case 15 -> "TERM";
                default -> String.valueOf(rc - 128);
            };
            return "virt-v2v was killed by signal " + name;
        }
        return "virt-v2v failed with exit code " + rc;
    }
}
