package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.itinerary.Slot;
import org.v2vwrapper.lifecycle.Children;
import org.v2vwrapper.nbd.TokenBucket;
import org.v2vwrapper.plan.VirtV2vCommand;
import org.v2vwrapper.request.TransportMethod;
import org.v2vwrapper.throttle.BandwidthFile;
import org.v2vwrapper.throttle.CgroupLayout;
import org.v2vwrapper.throttle.StateSink;
import org.v2vwrapper.throttle.Throttling;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A run's throttling (issue 14, docs/throttling.md) as the itineraries use it: started once per run before
 * virt-v2v or the wrapper's own copies, closed by the run's cleanup on every exit path, and handed on through
 * slots: {@link #THROTTLING} for virt-v2v's launch prefix and bandwidth file, {@link #BANDWIDTH} for the NBD
 * engine ({@code copyOptions.withBandwidth(ctx.get(RunThrottling.BANDWIDTH))}).
 */
public final class RunThrottling {
    private static final Logger LOG = LoggerFactory.getLogger(RunThrottling.class);

    /** The run's throttling, once {@link #start} ran. */
    public static final Slot<Throttling> THROTTLING = new Slot<>("throttling", Throttling.class);
    /** The token bucket every NBD copy of the run shares (the request's and the file's {@code network}). */
    public static final Slot<TokenBucket> BANDWIDTH = new Slot<>("network limit", TokenBucket.class);
    /** Whether virt-v2v takes {@code --bandwidth-file}, found by the "Checking virt-v2v" step. */
    static final Slot<Boolean> BANDWIDTH_FILE_OPTION = new Slot<>("virt-v2v --bandwidth-file", Boolean.class);

    /** {@code virt-v2v --help} prints at once; this bounds a hung one. */
    static final Duration HELP_TIMEOUT = Duration.ofSeconds(30);

    private RunThrottling() {
    }

    /** Inputs virt-v2v reads over the network through nbdkit, where {@code --bandwidth-file} applies. */
    static boolean networkInput(TransportMethod input) {
        return input == TransportMethod.VDDK || input == TransportMethod.SSH;
    }

    /**
     * Whether this virt-v2v lists {@code --bandwidth-file} in its {@code --help} ({@code --machine-readable}
     * does not list it). A virt-v2v whose {@code --help} fails or hangs is taken not to have it.
     */
    static boolean bandwidthFileSupported(Path virtV2v) {
        try {
            Children.Result help = Children.run(List.of(virtV2v.toString(), "--help"), Map.of("LANG", "C"),
                    HELP_TIMEOUT);
            boolean supported = help.succeeded() && BandwidthFile.supportedBy(help.output());
            LOG.info("virt-v2v --bandwidth-file: {}", supported ? "supported" : "not supported");
            return supported;
        } catch (IOException e) {
            LOG.warn("virt-v2v --help failed ({}); network limits will not reach virt-v2v", e.getMessage());
            return false;
        }
    }

    /**
     * Starts the run's throttling unless it runs already (the first start of a run wins): makes the cgroup,
     * writes the bandwidth file, applies the request's {@code throttling}, watches {@code <run-dir>/limits.json},
     * and registers its close with the run's cleanup. Registered early, it is closed late: after the children
     * registered later (cleanup runs newest first) and after the step that ran virt-v2v has stopped it.
     */
    public static Throttling start(RunContext ctx, boolean virtV2vBandwidthFile, boolean wrapperCopies) {
        Optional<Throttling> running = ctx.find(THROTTLING);
        if (running.isPresent()) {
            return running.get();
        }
        Throttling t = Throttling.start(ctx.settings().runDir(), ctx.request().throttling(),
                new Throttling.Capabilities(virtV2vBandwidthFile, wrapperCopies, CgroupLayout.detect()),
                new StateSink(ctx.state()));
        ctx.cleanup().register("throttling (cgroup, bandwidth file, limits watcher)", t::close);
        ctx.put(THROTTLING, t);
        ctx.put(BANDWIDTH, t.bucket());
        LOG.info("throttling: limits file {}, cgroup {}, bandwidth file {}", t.limitsFile(),
                t.cpu().directory().map(Path::toString).orElse("none"),
                t.bandwidthFile().map(Path::toString).orElse("none"));
        return t;
    }

    /** virt-v2v's command started through the launch prefix, with {@code --bandwidth-file} where supported. */
    static VirtV2vCommand throttled(VirtV2vCommand command, Throttling t) {
        List<String> argv = new ArrayList<>(t.launchPrefix());
        argv.add(command.argv().get(0));
        t.bandwidthFile().ifPresent(f -> argv.addAll(List.of("--bandwidth-file", f.toString())));
        argv.addAll(command.argv().subList(1, command.argv().size()));
        return new VirtV2vCommand(argv, command.environment());
    }

    /** For {@code --dry-run}: how virt-v2v would be started and limited (nothing is created). */
    static String preview(RunContext ctx, TransportMethod input) {
        Path runDir = ctx.settings().runDir().toAbsolutePath();
        Map<String, String> initial = ctx.request().throttling().stateView(true, true);
        String network = networkInput(input)
                ? "--bandwidth-file " + runDir.resolve(Throttling.BANDWIDTH_FILE)
                        + " added where virt-v2v --help lists it"
                : "no --bandwidth-file (input " + input.key() + " is not read over the network)";
        return "started through the launch prefix /bin/sh -c '<join the run's cgroup>' <run cgroup>/cgroup.procs "
                + "(where a writable cgroup exists); " + network + "; limits cpu " + initial.get("cpu")
                + ", network " + initial.get("network") + ", changed through " + runDir.resolve(Throttling.LIMITS_FILE);
    }
}
