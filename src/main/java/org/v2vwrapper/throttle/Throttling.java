package org.v2vwrapper.throttle;

import org.v2vwrapper.throttle.limits.Limits;
import org.v2vwrapper.throttle.limits.LimitsUpdate;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.nbd.TokenBucket;

/**
 * The throttling of one run: the caller's file, the CPU cgroup, virt-v2v's bandwidth file and the NBD
 * engine's token bucket, kept in step. Start it before virt-v2v, give virt-v2v {@link #launchPrefix()} and
 * {@link #bandwidthFile()}, give the run's copies {@link #bucket()}, and close it on every exit path (after
 * virt-v2v and its children have gone).
 */
public final class Throttling implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Throttling.class);
    public static final String LIMITS_FILE = "limits.json";
    public static final String BANDWIDTH_FILE = "bandwidth";
    static final Duration POLL = Duration.ofMillis(500);

    /**
     * What the host and the run offer.
     *
     * @param virtV2vBandwidthFile virt-v2v takes {@code --bandwidth-file} (see {@link BandwidthFile#supportedBy})
     * @param wrapperCopies        the run copies disks itself through the NBD engine (two-phase, OSP→OSP)
     * @param cgroups              where the cgroups are; {@link CgroupLayout#detect()} outside tests
     */
    public record Capabilities(boolean virtV2vBandwidthFile, boolean wrapperCopies, CgroupLayout cgroups) {
        public boolean networkSupported() {
            return virtV2vBandwidthFile || wrapperCopies;
        }
    }

    /** Where the run's state goes; called from the watcher thread, so it must be thread-safe. */
    public interface Sink {
        /** The state file's {@code throttling} object changed. */
        void throttling(Map<String, String> inForce);

        /** A warning for {@code last_message}; the conversion goes on. */
        void warning(String message);
    }

    private final Path limitsFile;
    private final CpuLimiter cpu;
    private final Optional<BandwidthFile> bandwidthFile;
    private final TokenBucket bucket;
    private final Capabilities caps;
    private final Sink sink;
    private final LimitsWatcher watcher;
    private Limits inForce;
    private boolean cpuWarned;
    private boolean networkWarned;
    private boolean closed;

    private Throttling(Path runDir, Limits initial, Capabilities caps, Sink sink, CpuLimiter cpu) {
        this.limitsFile = runDir.resolve(LIMITS_FILE);
        this.caps = caps;
        this.sink = sink;
        this.cpu = cpu;
        this.bandwidthFile = caps.virtV2vBandwidthFile()
            ? Optional.of(new BandwidthFile(runDir.resolve(BANDWIDTH_FILE))) : Optional.empty();
        this.bucket = new TokenBucket(initial.networkBytesPerSecond().orElse(0));
        this.inForce = Limits.UNLIMITED;
        this.watcher = new LimitsWatcher(limitsFile, POLL, this::apply, sink::warning);
    }

    /**
     * Makes the cgroup, writes the bandwidth file, applies the initial limits (the request's
     * {@code throttling}, or {@link Limits#UNLIMITED}) and starts watching {@code <runDir>/limits.json}.
     */
    public static Throttling start(Path runDir, Limits initial, Capabilities caps, Sink sink) {
        CpuLimiter cpu = CpuLimiters.create(CpuLimiters.newName(), caps.cgroups(), initial.cpuPercent());
        Throttling t = new Throttling(runDir, initial, caps, sink, cpu);
        t.apply(new LimitsUpdate(Optional.of(initial.cpuPercent()), Optional.of(initial.networkBytesPerSecond())));
        t.watcher.start();
        return t;
    }

    /** For the stdout line's {@code throttling_file}. */
    public Path limitsFile() {
        return limitsFile;
    }

    /** Put in front of virt-v2v's argv (empty when CPU limits are unsupported). */
    public List<String> launchPrefix() {
        return cpu.launchPrefix();
    }

    /** Pass as {@code --bandwidth-file} when present. */
    public Optional<Path> bandwidthFile() {
        return bandwidthFile.map(BandwidthFile::path);
    }

    /** For every {@code CopyOptions} of the run. */
    public TokenBucket bucket() {
        return bucket;
    }

    public CpuLimiter cpu() {
        return cpu;
    }

    public synchronized Limits inForce() {
        return inForce;
    }

    /** The state file's {@code throttling} object. */
    public synchronized Map<String, String> stateView() {
        return inForce.stateView(cpu.supported(), caps.networkSupported());
    }

    /** Applies an update (the watcher calls this for each file); keys it lacks keep their value. */
    public void apply(LimitsUpdate update) {
        Map<String, String> view;
        List<String> warnings = new java.util.ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            Limits wanted = update.applyTo(inForce);
            OptionalLong cpuNow = inForce.cpuPercent();
            if (update.cpuPercent().isPresent()) {
                if (!cpu.supported()) {
                    cpuNow = wanted.cpuPercent();
                    if (wanted.cpuPercent().isPresent() && !cpuWarned) {
                        cpuWarned = true;
                        warnings.add("CPU limit not enforced: " + cpu.unsupportedReason().orElse("unsupported"));
                    }
                } else {
                    try {
                        cpu.apply(wanted.cpuPercent());
                        cpuNow = wanted.cpuPercent();
                    } catch (IOException e) {
                        warnings.add("cannot change the CPU limit: " + e.getMessage());
                    }
                }
            }
            OptionalLong networkNow = inForce.networkBytesPerSecond();
            if (update.networkBytesPerSecond().isPresent()) {
                OptionalLong rate = wanted.networkBytesPerSecond();
                networkNow = rate;
                if (!caps.networkSupported() && rate.isPresent() && !networkWarned) {
                    networkWarned = true;
                    warnings.add("network limit not enforced: this virt-v2v has no --bandwidth-file");
                }
                bucket.setRate(rate.orElse(0));
                if (bandwidthFile.isPresent()) {
                    try {
                        bandwidthFile.get().write(rate);
                    } catch (IOException e) {
                        networkNow = inForce.networkBytesPerSecond();
                        bucket.setRate(networkNow.orElse(0));
                        warnings.add("cannot change the network limit: " + e.getMessage());
                    }
                }
            }
            inForce = new Limits(cpuNow, networkNow);
            view = stateView();
            LOG.info("throttling in force: {}", view);
        }
        warnings.forEach(sink::warning);
        sink.throttling(view);
    }

    /**
     * Stops watching and removes the cgroup (moving out anything still in it) and the bandwidth file.
     * Idempotent; call it after virt-v2v has exited.
     */
    @Override
    public void close() {
        watcher.close();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        cpu.close();
        bandwidthFile.ifPresent(BandwidthFile::delete);
    }
}
