package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.itinerary.Slot;
import org.v2vwrapper.itinerary.Step;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.nbd.CopyProgress;
import org.v2vwrapper.nbd.NbdClient;
import org.v2vwrapper.nbd.NbdClientOptions;
import org.v2vwrapper.nbd.NbdkitConfig;
import org.v2vwrapper.nbd.NbdkitProcess;
import org.v2vwrapper.output.Targets;
import org.v2vwrapper.precopy.TwoPhaseDestination;
import org.v2vwrapper.precopy.ChangedAreaCopier;
import org.v2vwrapper.precopy.DestinationDisks;
import org.v2vwrapper.precopy.DiskSpec;
import org.v2vwrapper.precopy.NbdkitPlugins;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.precopy.Triggers;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.Destination;
import org.v2vwrapper.request.Mode;
import org.v2vwrapper.request.TransportMethod;
import org.v2vwrapper.state.LastMessage;
import org.v2vwrapper.state.PreCopyDisks;
import org.v2vwrapper.vsphere.ChangedArea;
import org.v2vwrapper.vsphere.ChangedAreas;
import org.v2vwrapper.vsphere.ManagedObjectRef;
import org.v2vwrapper.vsphere.SnapshotReplay;
import org.v2vwrapper.vsphere.VirtualDiskInfo;
import org.v2vwrapper.vsphere.VmInfo;
import org.v2vwrapper.vsphere.VmStopper;
import org.v2vwrapper.vsphere.VsphereClient;
import org.v2vwrapper.vsphere.VsphereEndpoint;
import org.v2vwrapper.vsphere.VsphereException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The copy half of two-phase (and warm) migration, as the contract in the design notes says ("Two-phase and warm:
 * the contract"): Preparing (nbdkit plugin, destination check, vSphere login with the pinned thumbprint, the VM
 * found once, change tracking on, destination disks made), then the pre-copies: warm, one per iteration while the
 * VM runs, each from a snapshot of ours (at most one exists: the previous one's changeIds are read, it is removed,
 * the next one is made), until {@code cutover}; then the VM is stopped and the final copy made from a final
 * snapshot, which is removed. Cold two-phase (VM off, no snapshots) is that final copy alone, of whole disks.
 * The result goes into {@link PreCopyResult#SLOT} for the conversion steps.
 */
final class PreCopySteps {
    private static final Logger LOG = LoggerFactory.getLogger(PreCopySteps.class);

    static final Slot<Session> SESSION = new Slot<>("pre-copy session", Session.class);
    static final Duration PREPARE_TIMEOUT = Duration.ofMinutes(15);
    static final Duration NBDKIT_START = Duration.ofSeconds(60);
    static final Duration KEEPALIVE = Duration.ofMinutes(1);
    /**
     * Copies of different disks at once (issue 16). The system property {@code v2v-wrapper.precopy-parallel-disks}
     * (1 or 2, through {@code JAVA_OPTS}) exists for bench/warm.sh's "one after another" figure.
     */
    static final int PARALLEL_DISKS = Integer.getInteger("v2v-wrapper.precopy-parallel-disks", 2) == 1 ? 1 : 2;
    static final int DEFAULT_ITERATION_SECONDS = 3600;
    static final String SNAPSHOT_NAME = "v2v-wrapper-precopy";

    private PreCopySteps() {
    }

    /** The itinerary of a two-phase mode; destinations whose disks this build cannot make are refused. */
    static List<Step> steps(Mode.TwoPhase mode) throws ConversionException {
        if (mode.input() != TransportMethod.VDDK) {
            throw new ConversionException("two_phase: two-phase conversion with transport_method "
                    + mode.input().key() + " is not available in this version");
        }
        List<Step> steps = new ArrayList<>();
        steps.add(Step.of("Preparing", PREPARE_TIMEOUT, ctx -> vsphere(() -> prepare(ctx, mode)))
                .withPreview(ctx -> "check " + ctx.settings().nbdkit() + " vddk --dump-plugin; vSphere "
                        + endpoint(ctx.request()).sdkUri() + (endpoint(ctx.request()).noVerify() ? " (no_verify: certificate"
                        + " not checked)" : " (thumbprint pinned)") + ", VM \"" + ctx.request().vmName()
                        + "\" found once, change tracking on, destination disks " + destinationPreview(ctx, mode)
                        + "; per disk and copy: " + String.join(" ",
                        nbdkitPreview(ctx))));
        steps.add(new Step("Pre-copy", Optional.empty(), ctx -> vsphere(() -> precopy(ctx, mode)),
                Optional.of(ctx -> mode.warm()
                        ? "every " + iterationSeconds(mode) + " s or on " + Triggers.COPY_TRIGGER + " (paused while "
                        + Triggers.PAUSE + " exists) until " + Triggers.CUTOVER + "; then the VM is shut down"
                        + " (powered off after " + VmStopper.DEFAULT_GRACE.toMinutes() + " min) and the final copy"
                        + " made from a final snapshot; on virt-v2v 2.x the first wait also runs"
                        + " virt-v2v-inspector on the copies (the cutover then skips it)"
                        : "one copy of the whole disks (the VM must be off and have no snapshots)")));
        return steps;
    }

    /** vSphere's failures are one-line messages naming the call: the run's {@code last_message}, not an internal error. */
    @FunctionalInterface
    private interface Work {
        void run() throws ConversionException, IOException;
    }

    private static void vsphere(Work work) throws ConversionException, IOException {
        try {
            work.run();
        } catch (VsphereException e) {
            throw new ConversionException(e.getMessage(), e);
        }
    }

    static int iterationSeconds(Mode.TwoPhase mode) {
        return mode.iterationSeconds().orElse(DEFAULT_ITERATION_SECONDS);
    }

    static VsphereEndpoint endpoint(ConversionRequest r) {
        return VsphereEndpoint.parse(r.vmwareUri().orElseThrow(), r.vmwareFingerprint().orElse(null));
    }

    /** What a run of nbdkit looks like, password as the +FILE it is (never its content). */
    private static List<String> nbdkitPreview(RunContext ctx) {
        List<String> cmd = new ArrayList<>(List.of(ctx.settings().nbdkit().toString(), "--exit-with-parent",
                "--readonly", "--foreground", "-U", "<socket>", "-P", "<pidfile>", "[--filter=retry]",
                "[--filter=cacheextents]"));
        cmd.add("vddk");
        cmd.addAll(vddkArgs(ctx, "<VM moref>", Path.of("<secret file>"), "<snapshot moref>",
                "<disk file in the snapshot>"));
        return cmd;
    }

    private static List<String> vddkArgs(RunContext ctx, String vmMoref, Path passwordFile, String snapshot,
                                         String file) {
        VsphereEndpoint ep = endpoint(ctx.request());
        List<String> args = new ArrayList<>(List.of(
                "libdir=" + ctx.settings().vddkLibdir(),
                "server=" + ep.host(),
                "user=" + ep.user(),
                "password=+" + passwordFile));
        if (!ep.noVerify()) {
            args.add("thumbprint=" + ep.thumbprint());
        }
        args.add("vm=moref=" + vmMoref);
        if (snapshot != null) {
            args.add("snapshot=" + snapshot);
        }
        args.add("transports=file:nbdssl:nbd");
        args.add("file=" + file);
        return args;
    }

    /** One disk of the VM through the run: its spec, destination and the changeId its next copy starts from. */
    static final class DiskRun {
        final DiskSpec spec;
        final String label;
        PreparedDisk destination;
        /** {@code "*"} until a copy succeeded; then the changeId at the snapshot that copy read. */
        String changeId = "*";
        boolean lastCopyOk;

        DiskRun(DiskSpec spec, String label) {
            this.spec = spec;
            this.label = label;
        }
    }

    /** What the steps share: the vSphere session, the VM, the disks, our current snapshot, running nbdkits. */
    static final class Session {
        final VsphereClient client;
        final ManagedObjectRef vm;
        final VmInfo vmInfo;
        final List<DiskRun> disks;
        final PreCopyDisks state;
        final Path passwordFile;
        final RemoteLedger ledger;
        final List<NbdkitProcess> nbdkits = new ArrayList<>();
        volatile ManagedObjectRef snapshot;
        volatile boolean stopped;
        int snapshotsMade;

        Session(VsphereClient client, ManagedObjectRef vm, VmInfo vmInfo, List<DiskRun> disks, PreCopyDisks state,
                Path passwordFile, RemoteLedger ledger) {
            this.client = client;
            this.ledger = ledger;
            this.vm = vm;
            this.vmInfo = vmInfo;
            this.disks = disks;
            this.state = state;
            this.passwordFile = passwordFile;
        }

        /** SIGTERM or a timeout: every nbdkit stops (their copies fail), the wait between iterations ends. */
        void stop() {
            stopped = true;
            stopNbdkits();
        }

        void stopNbdkits() {
            List<NbdkitProcess> running;
            synchronized (nbdkits) {
                running = List.copyOf(nbdkits);
            }
            running.forEach(NbdkitProcess::stop);
        }

        /** Removes our snapshot, if one exists (failure undo; also at the end of the final copy). */
        void removeSnapshot() throws VsphereException {
            ManagedObjectRef s = snapshot;
            if (s != null) {
                stopNbdkits();
                LOG.info("removing our snapshot {}", s.value());
                client.removeSnapshot(s);
                ledger.done(Kinds.VSPHERE_SNAPSHOT, s.value());
                snapshot = null;
            }
        }
    }

    // ---------------------------------------------------------------- Preparing

    private static void prepare(RunContext ctx, Mode.TwoPhase mode) throws ConversionException, IOException {
        ConversionRequest r = ctx.request();
        // 1. The plugin, before vSphere is touched.
        NbdkitPlugins.check(ctx.settings().nbdkit().toString(), "vddk");
        // 2. The destination, before anything is made.
        DestinationDisks destination = destination(ctx).disks();
        destination.check(ctx);
        // 3. vSphere: pinned TLS, login, the VM (exactly once).
        VsphereEndpoint ep = endpoint(r);
        VsphereClient client = VsphereClient.connect(ep, VsphereClient.Options.DEFAULT);
        ctx.cleanup().register("vSphere session", client::close);
        client.login(r.vmwarePassword().orElseThrow());
        ManagedObjectRef vm = client.findVmByName(r.vmName());
        VmInfo info = client.vmInfo(vm);
        LOG.info("VM {} ({}): {}, change tracking {}, {} disk(s), {} snapshot(s)", r.vmName(), vm.value(),
                info.powerState(), info.changeTrackingEnabled() ? "on" : "off", info.disks().size(),
                info.snapshot().snapshots().size());
        if (info.disks().isEmpty()) {
            throw new ConversionException("vSphere: VM " + r.vmName() + " has no disks");
        }
        if (!mode.warm()) {
            if (!info.poweredOff()) {
                throw new ConversionException("two_phase: VM " + r.vmName() + " is " + info.powerState()
                        + "; a two-phase conversion without warm needs it powered off");
            }
            if (!info.snapshot().isEmpty()) {
                throw new ConversionException("two_phase: VM " + r.vmName() + " has "
                        + info.snapshot().snapshots().size() + " snapshot(s); a two-phase conversion without warm"
                        + " needs none");
            }
        } else {
            if (!info.snapshot().isEmpty()) {
                LOG.warn("VM {} has {} snapshot(s) already; the pre-copy adds one of its own at a time",
                        r.vmName(), info.snapshot().snapshots().size());
            }
            if (!info.changeTrackingEnabled()) {
                LOG.info("enabling change tracking on {} (left enabled afterwards)", r.vmName());
                client.enableChangeTracking(vm);
            }
        }
        List<DiskRun> disks = new ArrayList<>();
        List<DiskSpec> specs = new ArrayList<>();
        for (int i = 0; i < info.disks().size(); i++) {
            VirtualDiskInfo d = info.disks().get(i);
            DiskSpec spec = new DiskSpec(i, d.fileName(), d.key(), d.capacityInBytes());
            specs.add(spec);
            disks.add(new DiskRun(spec, d.label()));
        }
        PreCopyDisks state = new PreCopyDisks(specs.stream().map(DiskSpec::sourcePath).toList(),
                disks.stream().map(d -> d.label).toList(), specs.stream().map(DiskSpec::capacityBytes).toList());
        ctx.state().usePreCopyDisks(state);
        Path passwordFile = ctx.secrets().write("vmware-password", r.vmwarePassword().orElseThrow());
        Session session = new Session(client, vm, info, disks, state, passwordFile, ctx.ledger());
        ctx.put(SESSION, session);
        // Our snapshot goes before the disks it was copied to (undo runs newest first; registered after the disks'
        // undo below would put it first too, but a snapshot can exist only once the disks do).
        List<PreparedDisk> prepared = destination.create(ctx, specs);
        ctx.onFailure("our snapshot", session::removeSnapshot);
        for (int i = 0; i < disks.size(); i++) {
            disks.get(i).destination = prepared.get(i);
            state.setDiskStatus(i, "Created");
        }
    }

    /**
     * The run's destination side (disks, and the finish that makes the VM), made once and kept in its slot: the
     * disks and the finish share one connection and one record of what the run made.
     */
    static TwoPhaseDestination destination(RunContext ctx) throws ConversionException {
        Optional<TwoPhaseDestination> made = ctx.find(TwoPhaseDestination.SLOT);
        if (made.isPresent()) {
            return made.get();
        }
        TwoPhaseDestination d = Targets.twoPhaseFor(ctx.request(), ctx.settings());
        ctx.put(TwoPhaseDestination.SLOT, d);
        return d;
    }

    private static String destinationPreview(RunContext ctx, Mode.TwoPhase mode) {
        Destination d = mode.destination();
        if (d instanceof Destination.Local local) {
            return local.directory() + "/" + ctx.request().vmName() + "-sd<a,b,…> (raw, sparse)";
        }
        String where = d instanceof Destination.Ovirt ? "oVirt disks in rhv_storage attached to conversion_host_uuid"
                : "OpenStack volumes attached to osp_server_id";
        return ctx.request().vmName() + "_Disk<N>: " + where + ", found under " + ctx.settings().devDiskById()
                + "/virtio-<id[:20]>";
    }

    // ---------------------------------------------------------------- Pre-copy

    private static void precopy(RunContext ctx, Mode.TwoPhase mode) throws ConversionException, IOException {
        Session s = ctx.get(SESSION);
        ctx.startChild(() -> s, Session::stop);
        ctx.passPointOfNoReturn();
        Triggers triggers = new Triggers(ctx.settings().runDir(), KEEPALIVE);
        int n = 1;
        boolean inspectionStarted = false;
        if (mode.warm()) {
            Duration interval = Duration.ofSeconds(iterationSeconds(mode));
            while (true) {
                ctx.checkNotStopped();
                ctx.state().setStatus("Pre-copy #" + n);
                nextSnapshot(ctx, s, n, false);
                copyAll(ctx, s, false, false);
                n++;
                // Once per run, on 2.x: the inspector reads the copies while nothing writes them (see EarlyInspection).
                Optional<EarlyInspection> inspecting = Optional.empty();
                if (!inspectionStarted) {
                    inspectionStarted = true;
                    inspecting = TwoPhaseConversionSteps.startEarlyInspection(ctx, result(s));
                }
                Triggers.Next next;
                try {
                    next = triggers.await(interval, () -> s.stopped, new Triggers.Waiting() {
                        @Override
                        public void status(String status) {
                            ctx.state().setStatus(status);
                        }

                        @Override
                        public void keepAlive() throws VsphereException {
                            s.client.currentTime();
                        }
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ConversionException("interrupted while waiting for a trigger", e);
                } catch (ConversionException | IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new ConversionException(e.getMessage(), e);
                } finally {
                    if (inspecting.isPresent()) {
                        // The next copy (or the cutover's) writes the disks: the inspector ends first.
                        if (!s.stopped && inspecting.get().isRunning()) {
                            ctx.state().setStatus("Inspecting the pre-copied guest");
                        }
                        inspecting.get().awaitFacts(() -> s.stopped)
                                .ifPresent(facts -> ctx.put(TwoPhaseConversionSteps.EARLY_FACTS, facts));
                    }
                }
                ctx.checkNotStopped();
                if (next == Triggers.Next.CUTOVER) {
                    break;
                }
            }
            ctx.state().setStatus("Pre-copy #" + n + " (last)");
            stopVm(ctx, s);
            nextSnapshot(ctx, s, n, true);
            copyAll(ctx, s, true, false);
            s.removeSnapshot();
        } else {
            // The VM is off: a snapshot of ours only gives nbdkit the same snapshot= read as warm runs use; the
            // copy is of the whole disks (QueryChangedDiskAreas("*") right after enabling change tracking on a VM
            // that is off may fail: the tracking starts only at the VM's next power cycle).
            ctx.state().setStatus("Pre-copy #" + n + " (last)");
            nextSnapshot(ctx, s, n, true);
            copyAll(ctx, s, true, true);
            s.removeSnapshot();
        }
        ctx.put(PreCopyResult.SLOT, result(s));
        ctx.childEnded();
    }

    private static PreCopyResult result(Session s) {
        return new PreCopyResult(s.vmInfo, s.disks.stream().map(d -> d.destination).toList());
    }

    private static void stopVm(RunContext ctx, Session s) throws VsphereException {
        new VmStopper(s.client, VmStopper.DEFAULT_GRACE, Duration.ofSeconds(1)).stop(s.vm, ctx.request().vmName(),
                message -> ctx.state().setLastMessage(LastMessage.info(message)));
    }

    /**
     * The changeIds of our previous snapshot (for disks whose last copy succeeded) → that snapshot removed → the
     * next one made. A disk in the new snapshot that the VM did not have at the start is an error.
     */
    private static void nextSnapshot(RunContext ctx, Session s, int n, boolean last) throws ConversionException,
            VsphereException {
        if (s.snapshot != null) {
            Map<Integer, VirtualDiskInfo> before = byKey(s.client.snapshotDisks(s.snapshot));
            for (DiskRun d : s.disks) {
                if (d.lastCopyOk) {
                    VirtualDiskInfo info = before.get(d.spec.deviceKey());
                    if (info == null || info.changeId() == null) {
                        throw new ConversionException("vSphere: our snapshot " + s.snapshot.value()
                                + " has no changeId for disk " + d.spec.sourcePath());
                    }
                    d.changeId = info.changeId();
                } else {
                    LOG.info("disk {}: the last copy failed; the next one starts again from changeId {}",
                            d.spec.sourcePath(), d.changeId);
                }
            }
            s.removeSnapshot();
        }
        ctx.checkNotStopped();
        // In the ledger before it exists (a SIGKILL during the task leaves an intent the next run resolves by name).
        String key = s.ledger.intend(Kinds.VSPHERE_SNAPSHOT, SnapshotReplay.where(s.client.endpoint()),
                Map.of(SnapshotReplay.VM, s.vm.value(), SnapshotReplay.NAME, SNAPSHOT_NAME));
        VsphereClient.CreatedSnapshot created;
        try {
            created = s.client.createSnapshot(s.vm, SNAPSHOT_NAME,
                    "virt-v2v-wrapper pre-copy #" + n + (last ? " (last)" : ""));
        } catch (VsphereException e) {
            if (e.faultType() != null) {
                s.ledger.doneKey(key); // vSphere answered with a fault: nothing was made (a timeout stays listed)
            }
            throw e;
        }
        s.ledger.record(key, created.snapshot().value());
        s.snapshot = created.snapshot();
        s.snapshotsMade++;
        if (!created.quiesced()) {
            ctx.state().setLastMessage(new LastMessage("pre-copy #" + n + ": the snapshot was taken without"
                    + " quiescing the guest (quiescing failed)", LastMessage.Type.WARNING));
        }
        LOG.info("pre-copy #{}: snapshot {}{}", n, s.snapshot.value(), created.quiesced() ? "" : " (not quiesced)");
        ctx.checkNotStopped();
    }

    private static Map<Integer, VirtualDiskInfo> byKey(List<VirtualDiskInfo> disks) {
        Map<Integer, VirtualDiskInfo> m = new HashMap<>();
        disks.forEach(d -> m.put(d.key(), d));
        return m;
    }

    /** One copy of every disk: the areas asked of vSphere here, the copies up to {@link #PARALLEL_DISKS} at once. */
    private static void copyAll(RunContext ctx, Session s, boolean last, boolean wholeDisks)
            throws ConversionException, IOException {
        ManagedObjectRef snapshot = s.snapshot;
        Map<Integer, VirtualDiskInfo> inSnapshot = new HashMap<>();
        if (snapshot != null) {
            inSnapshot = byKey(s.client.snapshotDisks(snapshot));
            for (VirtualDiskInfo d : inSnapshot.values()) {
                if (s.disks.stream().noneMatch(r -> r.spec.deviceKey() == d.key())) {
                    throw new ConversionException("vSphere: disk " + d.fileName() + " (key " + d.key() + ") appeared"
                            + " in snapshot " + snapshot.value() + " after the pre-copy began; disks added during a"
                            + " warm migration are not supported");
                }
            }
        }
        List<ChangedAreaJob> jobs = new ArrayList<>();
        for (DiskRun d : s.disks) {
            String file;
            List<ChangedArea> areas;
            if (snapshot != null) {
                VirtualDiskInfo info = inSnapshot.get(d.spec.deviceKey());
                if (info == null) {
                    throw new ConversionException("vSphere: disk " + d.spec.sourcePath() + " is not in snapshot "
                            + snapshot.value() + "; disks removed during a warm migration are not supported");
                }
                file = info.fileName();
                areas = wholeDisks ? List.of(new ChangedArea(0, d.spec.capacityBytes()))
                        : ChangedAreas.query(s.client, s.vm, snapshot, d.spec.deviceKey(), d.spec.capacityBytes(),
                        d.changeId);
            } else {
                file = d.spec.sourcePath();
                areas = List.of(new ChangedArea(0, d.spec.capacityBytes()));
            }
            jobs.add(new ChangedAreaJob(d, file, snapshot, areas));
        }
        ctx.checkNotStopped();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL_DISKS, jobs.size()), r -> {
            Thread t = new Thread(r, "precopy-disk");
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (ChangedAreaJob job : jobs) {
                futures.add(pool.submit(() -> {
                    copyOne(ctx, s, job);
                    return null;
                }));
            }
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                DiskRun d = jobs.get(i).disk;
                try {
                    futures.get(i).get();
                    d.lastCopyOk = true;
                } catch (ExecutionException e) {
                    String msg = describe(e.getCause());
                    d.lastCopyOk = false;
                    s.state.copyFailed(d.spec.index(), msg);
                    LOG.warn("copy of disk {} failed: {}", d.spec.sourcePath(), msg);
                    failures.add("disk " + (d.spec.index() + 1) + " (" + d.spec.sourcePath() + "): " + msg);
                }
            }
            ctx.checkNotStopped();
            if (!failures.isEmpty()) {
                if (last) {
                    throw new ConversionException("final copy failed: " + String.join("; ", failures));
                }
                ctx.state().setLastMessage(new LastMessage("pre-copy failed (retried next time from the same"
                        + " changeId): " + String.join("; ", failures), LastMessage.Type.WARNING));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.stopNbdkits();
            throw new ConversionException("interrupted while copying", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse("");
    }

    private record ChangedAreaJob(DiskRun disk, String file, ManagedObjectRef snapshot, List<ChangedArea> areas) {
    }

    private static void copyOne(RunContext ctx, Session s, ChangedAreaJob job) throws IOException,
            ConversionException {
        DiskRun d = job.disk;
        int i = d.spec.index();
        long total = ChangedAreas.totalBytes(job.areas);
        s.state.beginCopy(i, job.snapshot == null ? "*" : d.changeId);
        s.state.copying(i, total);
        LOG.info("disk {}: {} area(s), {} bytes to copy from {}", d.spec.sourcePath(), job.areas.size(), total,
                job.file);
        if (job.areas.isEmpty()) {
            s.state.copied(i);
            return;
        }
        NbdkitConfig config = new NbdkitConfig("vddk", vddkArgs(ctx, s.vm.value(), s.passwordFile,
                job.snapshot == null ? null : job.snapshot.value(), job.file), List.of(),
                List.of("retry", "cacheextents"),
                Map.of("LD_LIBRARY_PATH", ctx.settings().vddkLibdir().resolve("lib64").toString()), null,
                "password");
        NbdkitProcess nbdkit;
        synchronized (s.nbdkits) {
            if (s.stopped) {
                throw new ConversionException("conversion stopped");
            }
        }
        nbdkit = NbdkitProcess.start(ctx.settings().nbdkit().toString(), "disk " + (i + 1), config, NBDKIT_START,
                ctx.cleanup());
        synchronized (s.nbdkits) {
            s.nbdkits.add(nbdkit);
            if (s.stopped) {
                nbdkit.stop();
            }
        }
        try (NbdClient client = NbdClient.connect(nbdkit.uri(), NbdClientOptions.DEFAULTS)) {
            CopyProgress progress = CopyProgress.rateLimited((copied, toCopy) -> s.state.progress(i, copied, toCopy),
                    Duration.ofMillis(250));
            ChangedAreaCopier.copy(client, job.areas, d.destination.localPath(), settings(ctx, s), progress);
        } finally {
            nbdkit.stop();
            synchronized (s.nbdkits) {
                s.nbdkits.remove(nbdkit);
            }
        }
        s.state.copied(i);
    }

    /** Requests sized for the source; the copies running at once share the direct-memory budget. */
    private static ChangedAreaCopier.Settings settings(RunContext ctx, Session s) {
        int atOnce = Math.max(1, Math.min(PARALLEL_DISKS, s.disks.size()));
        return ChangedAreaCopier.Settings.forSource(s.client.endpoint().kind(),
                ChangedAreaCopier.BUFFER_BUDGET / atOnce);
    }

    // ---------------------------------------------------------------- until the conversion steps exist

}
