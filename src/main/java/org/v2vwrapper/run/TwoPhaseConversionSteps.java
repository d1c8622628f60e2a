package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.convert.ConversionCommand;
import org.v2vwrapper.convert.ConversionDomainXml;
import org.v2vwrapper.convert.ConvertedGuest;
import org.v2vwrapper.convert.GuestCaps;
import org.v2vwrapper.convert.GuestHardware;
import org.v2vwrapper.convert.InspectorXml;
import org.v2vwrapper.convert.OsFacts;
import org.v2vwrapper.convert.OverlayCommitter;
import org.v2vwrapper.convert.TwoPhaseCommands;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.itinerary.Slot;
import org.v2vwrapper.itinerary.Step;
import org.v2vwrapper.output.LocalTwoPhaseFinish;
import org.v2vwrapper.output.Targets;
import org.v2vwrapper.plan.PlanBuilder;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.plan.VirtV2vCommand;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.precopy.TwoPhaseFinish;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.Destination;
import org.v2vwrapper.request.Mode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The conversion half of a two-phase run, after the pre-copy left a {@link PreCopyResult} in its slot: the
 * conversion XML, then on virt-v2v 2.x {@code virt-v2v-in-place} + {@code virt-v2v-inspector} + the destination's
 * VM ({@link TwoPhaseFinish}), on 1.4x {@code virt-v2v --debug-overlays --no-copy} + {@code qemu-img commit} of each
 * overlay (virt-v2v made the VM). docs/two-phase-conversion.md.
 *
 * <p>An itinerary composes {@link #checks} (before anything is copied: exit 1 if a tool is missing) + the
 * pre-copy's steps + {@link #steps}.
 */
final class TwoPhaseConversionSteps {
    private static final Logger LOG = LoggerFactory.getLogger(TwoPhaseConversionSteps.class);

    /** What "Writing the conversion XML" leaves for the later steps. */
    record Conversion(Path workDir, Path xml, GuestHardware hardware, List<String> networkArgs,
                      List<String> keyArgs) {
    }

    static final Slot<Conversion> CONVERSION = new Slot<>("two-phase conversion", Conversion.class);
    static final Slot<ConvertedGuest> GUEST = new Slot<>("converted guest", ConvertedGuest.class);
    /** The OS facts of the pre-copied guest, when the inspector ran while a warm run waited ({@link EarlyInspection}). */
    static final Slot<OsFacts> EARLY_FACTS = new Slot<>("OS facts of the pre-copied guest", OsFacts.class);
    private static final Slot<KeyArguments> KEY_ARGS = new Slot<>("LUKS key arguments", KeyArguments.class);

    /** The {@code --key} arguments: made once (their files are new 0600 files), for every tool of the run. */
    record KeyArguments(List<String> argv) {
    }

    static final String XML_NAME = "conversion.xml";
    static final String INSPECTION_NAME = "inspection.xml";
    static final String WORK_PREFIX = "two-phase-";

    static final Duration XML_TIMEOUT = Duration.ofMinutes(2);
    /** The inspector opens the disks in an appliance: about a minute on 2 cores without KVM. */
    static final Duration INSPECT_TIMEOUT = Duration.ofMinutes(30);
    /** An overlay holds only what the conversion changed (drivers, registry): hundreds of MB at most. */
    static final Duration COMMIT_TIMEOUT = Duration.ofHours(2);
    static final Duration CREATE_TIMEOUT = Duration.ofMinutes(30);

    private TwoPhaseConversionSteps() {
    }

    /**
     * The checks of the conversion tools, to run before the pre-copy (a missing virt-v2v-in-place must not be
     * found after hours of copying). Refuses a destination whose VM creation is not wired in (exit 1).
     */
    static List<Step> checks(Mode.TwoPhase mode) throws ConversionException {
        finishFor(mode.destination());
        return List.of(Step.of("Checking virt-v2v", ColdSteps.CHECK_TIMEOUT, TwoPhaseConversionSteps::checkTools)
                .withPreview(ctx -> ctx.settings().virtV2v() + " --machine-readable; virt-v2v 2.x: "
                        + ctx.settings().virtV2vInPlace() + " and " + ctx.settings().virtV2vInspector()
                        + "; 1.4x: " + ctx.settings().qemuImg()));
    }

    /** The conversion steps that run once the pre-copy's last copy is done. */
    static List<Step> steps(Mode.TwoPhase mode) throws ConversionException {
        TwoPhaseFinish finish = finishFor(mode.destination());
        Destination destination = mode.destination();
        return List.of(
                Step.of("Writing the conversion XML", XML_TIMEOUT, TwoPhaseConversionSteps::writeXml)
                        .withPreview(ctx -> previewXml(ctx, destination)),
                // No timeout of the wrapper's own, as virt-v2v in one-phase: the caller stops it.
                new Step("Converting the guest", Optional.empty(), ctx -> convert(ctx, destination),
                        Optional.of(ctx -> previewConvert(ctx, destination))),
                Step.of("Inspecting the converted guest", INSPECT_TIMEOUT, TwoPhaseConversionSteps::inspect)
                        .withPreview(ctx -> isV2(ctx) ? describe(inspectorCommand(ctx, previewXmlPath(ctx),
                                List.of())) : "skipped: virt-v2v 1.4x"),
                Step.of("Committing the overlays", COMMIT_TIMEOUT, TwoPhaseConversionSteps::commitOverlays)
                        .withPreview(ctx -> isV2(ctx) ? "skipped: virt-v2v 2.x converts in place"
                                : ctx.settings().qemuImg() + " commit -p <overlay> per disk, in parallel; each "
                                + "overlay removed after its own commit"),
                Step.of("Creating the VM", CREATE_TIMEOUT, ctx -> createVm(ctx, finish))
                        .withPreview(ctx -> isV2(ctx) ? finish.describe()
                                : "made by virt-v2v 1.4x (its " + destination.name() + " output)"
                                + (destination instanceof Destination.Ovirt ? "; then the disks are detached from"
                                + " the conversion host VM and the VM virt-v2v reported is checked" : "")));
    }

    /**
     * The destination's VM creation of the 2.x path: the finish of the run's two-phase destination (made once by
     * the pre-copy, {@link PreCopySteps#destination}), described for {@code --dry-run} without contacting it.
     */
    static TwoPhaseFinish finishFor(Destination destination) {
        String what = destination instanceof Destination.Local local
                ? new LocalTwoPhaseFinish(local.directory()).describe()
                : destination instanceof Destination.Ovirt
                ? "detach the disks from the conversion host VM, create the VM on the oVirt engine (OS type,"
                + " firmware, NICs with the source MACs, disks bootable first), check it"
                : "detach the volumes from the conversion host, set the boot volume's image properties, transfer"
                + " them to osp_destination_project_id, create ports and the instance";
        return new TwoPhaseFinish() {
            @Override
            public String describe() {
                return what;
            }

            @Override
            public Optional<String> finish(RunContext ctx, PreCopyResult result, ConvertedGuest guest)
                    throws ConversionException, IOException {
                TwoPhaseFinish real = PreCopySteps.destination(ctx).finish().orElseThrow(
                        () -> new ConversionException("no way to make the VM on " + destination.name()));
                return real.finish(ctx, result, guest);
            }

            @Override
            public void afterVirtV2vMadeTheVm(RunContext ctx, PreCopyResult result)
                    throws ConversionException, IOException {
                Optional<TwoPhaseFinish> real = PreCopySteps.destination(ctx).finish();
                if (real.isPresent()) {
                    real.get().afterVirtV2vMadeTheVm(ctx, result);
                }
            }
        };
    }

    // ----- Checking virt-v2v -----

    private static void checkTools(RunContext ctx) throws ConversionException {
        WrapperSettings s = ctx.settings();
        V2vCapabilities caps = V2vCapabilities.query(s.virtV2v());
        LOG.info("virt-v2v capabilities: {}", caps.features());
        ctx.put(ColdSteps.CAPABILITIES, caps);
        if (caps.isV2()) {
            requireExecutable(s.virtV2vInPlace(), "--virt-v2v-in-place", "virt-v2v 2.x converts the copies with it");
            requireExecutable(s.virtV2vInspector(), "--virt-v2v-inspector",
                    "virt-v2v 2.x reads the converted guest's OS with it");
        } else {
            if (ctx.request().destination() instanceof Destination.Openstack) {
                // -o openstack of 1.4x makes and attaches volumes of its own even with --no-copy (its
                // prepare_targets runs regardless) and never an instance: the copies would be left unused.
                throw new ConversionException("two_phase to OpenStack needs virt-v2v 2.x (virt-v2v-in-place); "
                        + s.virtV2v() + " is virt-v2v 1.4x, whose -o openstack would make volumes of its own");
            }
            if (!caps.has("input:libvirtxml")) {
                throw new ConversionException(s.virtV2v() + " cannot read a libvirt XML (no input:libvirtxml in its"
                        + " --machine-readable output), which a two-phase conversion needs");
            }
            requireExecutable(s.qemuImg(), "--qemu-img", "virt-v2v 1.4x's overlays are committed with it");
        }
    }

    private static void requireExecutable(Path program, String option, String why) throws ConversionException {
        if (!Files.isExecutable(program)) {
            throw new ConversionException(option + ": " + program + " is not an executable file (" + why + ")");
        }
    }

    private static boolean isV2(RunContext ctx) {
        return ctx.get(ColdSteps.CAPABILITIES).isV2();
    }

    // ----- Writing the conversion XML -----

    private static List<String> keyArguments(RunContext ctx) throws ConversionException {
        Optional<KeyArguments> made = ctx.find(KEY_ARGS);
        if (made.isPresent()) {
            return made.get().argv();
        }
        List<String> argv = PlanBuilder.keyArguments(ctx.request(), ctx.secrets(),
                Optional.ofNullable(System.getenv("HOME")));
        ctx.put(KEY_ARGS, new KeyArguments(argv));
        return argv;
    }

    private static Path workDirectory(RunContext ctx) throws IOException {
        Path work = Files.createTempDirectory(ctx.settings().runDir(), WORK_PREFIX,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ctx.cleanup().register("two-phase work directory", () -> deleteTree(work));
        return work;
    }

    /**
     * virt-v2v 2.x: starts {@code virt-v2v-inspector} on the disks the pre-copy has copied so far, while the run
     * waits (see {@link EarlyInspection}); empty on 1.4x. Stopped on every exit path.
     */
    static Optional<EarlyInspection> startEarlyInspection(RunContext ctx, PreCopyResult copied)
            throws ConversionException, IOException {
        if (!isV2(ctx)) {
            return Optional.empty();
        }
        GuestHardware hw = TwoPhaseHardware.of(ctx.request().vmName(), copied);
        Path xml = workDirectory(ctx).resolve(XML_NAME);
        try {
            ConversionDomainXml.write(xml, hw, TwoPhaseHardware.destinations(copied));
        } catch (IOException e) {
            throw new ConversionException("Writing the inspection XML: " + xml + ": " + e.getMessage(), e);
        }
        ConversionCommand cmd = inspectorCommand(ctx, xml, keyArguments(ctx));
        Path log = ctx.settings().earlyInspectorLog();
        Files.write(log, new byte[0]);
        EarlyInspection inspection = EarlyInspection.start(cmd, xml.resolveSibling(INSPECTION_NAME), log,
                INSPECT_TIMEOUT);
        ctx.cleanup().register("virt-v2v-inspector of the pre-copied guest", inspection::stop);
        return Optional.of(inspection);
    }

    private static void writeXml(RunContext ctx) throws ConversionException, IOException {
        PreCopyResult result = ctx.get(PreCopyResult.SLOT);
        ConversionRequest r = ctx.request();
        GuestHardware hw = TwoPhaseHardware.of(r.vmName(), result);
        var destinations = TwoPhaseHardware.destinations(result);
        Path work = workDirectory(ctx);
        Path xml = work.resolve(XML_NAME);
        String text = ConversionDomainXml.text(hw, destinations);
        try {
            ConversionDomainXml.write(xml, hw, destinations);
        } catch (IOException e) {
            throw new ConversionException("Writing the conversion XML: " + xml + ": " + e.getMessage(), e);
        }
        // Names, sizes, MACs and paths only: nothing secret is in it.
        LOG.info("conversion XML {}:\n{}", xml, text.strip());
        List<String> networkArgs = PlanBuilder.networkArguments(r.networkMappings(),
                ctx.get(ColdSteps.CAPABILITIES));
        ctx.put(CONVERSION, new Conversion(work, xml, hw, networkArgs, keyArguments(ctx)));
    }

    private static String previewXml(RunContext ctx, Destination destination) {
        ConversionRequest r = ctx.request();
        String disks;
        if (destination instanceof Destination.Local local) {
            disks = IntStream.range(0, Math.max(1, r.sourceDisks().size()))
                    .mapToObj(i -> local.directory().resolve(r.vmName() + "-sd"
                            + org.v2vwrapper.convert.DriveLetters.of(i)).toString())
                    .collect(Collectors.joining(", "));
        } else {
            disks = "the /dev/disk/by-id device of each destination disk";
        }
        return previewXmlPath(ctx) + " (0600, in the wrapper log too): domain " + r.vmName()
                + " with the memory, vCPUs, firmware and NICs (MAC, port group) vSphere reports, its disks in the"
                + " source's order as raw " + disks;
    }

    private static Path previewXmlPath(RunContext ctx) {
        return ctx.settings().runDir().resolve(WORK_PREFIX + "XXXXXX").resolve(XML_NAME);
    }

    // ----- Converting the guest -----

    private static void convert(RunContext ctx, Destination destination) throws ConversionException, IOException {
        Conversion c = ctx.get(CONVERSION);
        if (isV2(ctx)) {
            ConversionCommand cmd = TwoPhaseCommands.inPlace(ctx.settings().virtV2vInPlace(), ctx.settings().machineReadableLog(),
                    c.xml(), c.networkArgs(), c.keyArgs());
            LOG.info("virt-v2v-in-place command: {}", cmd.describe());
            // A failed in-place run leaves the disks "unknown, possibly corrupted": the run fails (exit 2) and the
            // pre-copy's failure undo removes them.
            ctx.onFailure("the converted disks", () -> LOG.warn("the disks virt-v2v-in-place converted are"
                    + " unusable after a failed run"));
            ColdSteps.runMonitored(ctx, new VirtV2vCommand(cmd.argv(), cmd.environment()), "virt-v2v-in-place");
        } else {
            Path overlays = Files.createDirectory(c.workDir().resolve("overlays"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            ConversionCommand cmd = overlaysCommand(ctx, destination, c.xml(), overlays, c.networkArgs(),
                    c.keyArgs());
            LOG.info("virt-v2v 1.4x command: {}", cmd.describe());
            if (destination instanceof Destination.Local local) {
                // -o local writes <vm_name>.xml beside the disks: a failed run removes it if it was not there.
                Path xml = local.directory().resolve(c.hardware().name() + ".xml");
                if (!Files.exists(xml)) {
                    ctx.onFailure("the local domain XML", () -> Files.deleteIfExists(xml));
                }
            }
            ColdSteps.runMonitored(ctx, new VirtV2vCommand(cmd.argv(), cmd.environment()), "virt-v2v");
        }
    }

    private static String previewConvert(RunContext ctx, Destination destination) throws ConversionException {
        ConversionRequest r = ctx.request();
        List<String> net = PlanBuilder.networkArguments(r.networkMappings(), ctx.get(ColdSteps.CAPABILITIES));
        List<String> keys = PlanBuilder.keyArguments(r, ctx.secrets(), Optional.ofNullable(System.getenv("HOME")));
        Path xml = previewXmlPath(ctx);
        if (isV2(ctx)) {
            return describe(TwoPhaseCommands.inPlace(ctx.settings().virtV2vInPlace(), ctx.settings().machineReadableLog(), xml,
                    net, keys));
        }
        return describe(overlaysCommand(ctx, destination, xml, xml.resolveSibling("overlays"), net, keys));
    }

    /** virt-v2v 1.4x: the normal output arguments, raw (the copies are raw), the oVirt disk ids in order. */
    private static ConversionCommand overlaysCommand(RunContext ctx, Destination destination, Path xml,
                                                     Path overlayDir, List<String> net, List<String> keys)
            throws ConversionException {
        PlanContext plan = new PlanContext(ctx.request(), ctx.settings(), ctx.secrets(),
                ctx.get(ColdSteps.CAPABILITIES), ctx.cleanup(), ctx.dryRun());
        List<String> output = rawOutput(Targets.forDestination(destination).offline(plan).outputArguments());
        List<String> diskIds = List.of();
        if (destination instanceof Destination.Ovirt) {
            diskIds = ctx.dryRun() ? List.of("<disk id>")
                    : TwoPhaseHardware.ordered(ctx.get(PreCopyResult.SLOT)).stream()
                    .map(d -> d.remoteId().orElse("")).toList();
            if (diskIds.contains("")) {
                throw new ConversionException("an oVirt destination disk has no id");
            }
        }
        return TwoPhaseCommands.overlays(ctx.settings().virtV2v(), ctx.settings().machineReadableLog(), xml, overlayDir, net,
                keys, output, diskIds);
    }

    /** {@code -of raw} whatever the request's format: the copies the overlays sit on are raw. */
    static List<String> rawOutput(List<String> args) {
        List<String> out = new ArrayList<>(args);
        int of = out.indexOf("-of");
        if (of >= 0 && of + 1 < out.size()) {
            out.set(of + 1, "raw");
        }
        return out;
    }

    private static String describe(ConversionCommand c) {
        return new VirtV2vCommand(c.argv(), c.environment()).describe();
    }

    // ----- Inspecting the converted guest (2.x) -----

    private static ConversionCommand inspectorCommand(RunContext ctx, Path xml, List<String> keys) {
        return TwoPhaseCommands.inspector(ctx.settings().virtV2vInspector(), xml,
                xml.resolveSibling(INSPECTION_NAME), keys);
    }

    private static void inspect(RunContext ctx) throws ConversionException, IOException {
        if (!isV2(ctx)) {
            LOG.info("virt-v2v 1.4x: no inspector run (virt-v2v made the VM)");
            return;
        }
        Conversion c = ctx.get(CONVERSION);
        Optional<GuestCaps> caps;
        try (Stream<String> lines = Files.lines(ctx.settings().v2vLog(), java.nio.charset.StandardCharsets.ISO_8859_1)) {
            caps = GuestCaps.fromLog(lines);
        }
        if (caps.isEmpty()) {
            throw new ConversionException("virt-v2v-in-place's log (" + ctx.settings().v2vLog() + ") names no guest"
                    + " capabilities (gcaps_block_bus, …): the new VM's devices cannot be chosen");
        }
        Optional<OsFacts> early = ctx.find(EARLY_FACTS);
        if (early.isPresent()) {
            LOG.info("the guest was inspected while the run waited for the cutover: no second inspector run");
            ctx.put(GUEST, new ConvertedGuest(c.hardware(), caps.get(), early.get()));
            return;
        }
        ConversionCommand cmd = inspectorCommand(ctx, c.xml(), c.keyArgs());
        LOG.info("virt-v2v-inspector command: {}", cmd.describe());
        Path log = ctx.settings().inspectorLog();
        Files.write(log, new byte[0]);
        VirtV2vProcess p = ctx.startChild(() -> VirtV2vProcess.start(new VirtV2vCommand(cmd.argv(),
                cmd.environment()), log), proc -> proc.stop(VirtV2vProcess.TERM_GRACE_MS));
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            p.stop(VirtV2vProcess.TERM_GRACE_MS);
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted while waiting for virt-v2v-inspector", e);
        } finally {
            ctx.childEnded();
        }
        ctx.checkNotStopped();
        if (rc != 0) {
            throw new ConversionException(ColdSteps.describeExit("virt-v2v-inspector", rc) + " (see " + log + ")");
        }
        OsFacts facts;
        try {
            facts = InspectorXml.read(c.xml().resolveSibling(INSPECTION_NAME));
        } catch (IOException e) {
            throw new ConversionException("virt-v2v-inspector's output cannot be read: " + e.getMessage(), e);
        }
        LOG.info("converted guest: {} {} {}.{} {} ({}), firmware {}, caps {}", facts.type(), facts.distro(),
                facts.majorVersion(), facts.minorVersion(), facts.arch(), facts.osinfo(),
                facts.firmware().isEmpty() ? "not reported" : facts.firmware(), caps.get());
        ctx.put(GUEST, new ConvertedGuest(c.hardware(), caps.get(), facts));
    }

    // ----- Committing the overlays (1.4x) -----

    private static void commitOverlays(RunContext ctx) throws ConversionException, IOException {
        if (isV2(ctx)) {
            return;
        }
        Conversion c = ctx.get(CONVERSION);
        List<PreparedDisk> disks = TwoPhaseHardware.ordered(ctx.get(PreCopyResult.SLOT));
        List<OverlayCommitter.Overlay> overlays;
        try (Stream<String> lines = Files.lines(ctx.settings().v2vLog(), java.nio.charset.StandardCharsets.ISO_8859_1)) {
            overlays = OverlayCommitter.fromLog(lines.toList());
        }
        if (overlays.size() != disks.size()) {
            // Older 1.4x builds do not print "Overlay saved as": where v2v.ml's preserve_overlays puts them.
            overlays = OverlayCommitter.predicted(c.workDir().resolve("overlays"), c.hardware().name(), disks.size());
        }
        LOG.info("committing {} overlays: {}", overlays.size(), overlays);
        var state = ctx.state();
        OverlayCommitter.Listener listener = new OverlayCommitter.Listener() {
            @Override
            public void commitStarted(int diskIndex) {
                state.setCommitProgress(disks.get(diskIndex).spec().sourcePath(), 0);
            }

            @Override
            public void commitProgress(int diskIndex, double percent) {
                state.setCommitProgress(disks.get(diskIndex).spec().sourcePath(), percent);
            }

            @Override
            public void commitEnded(int diskIndex, Optional<String> error) {
                LOG.info("commit of disk {} {}", diskIndex + 1, error.map(e -> "failed: " + e).orElse("done"));
            }
        };
        Thread main = Thread.currentThread();
        // SIGTERM interrupts this thread; the committer then kills its qemu-imgs.
        ctx.startChild(() -> main, Thread::interrupt);
        List<OverlayCommitter.Result> results;
        try {
            results = new OverlayCommitter(ctx.settings().qemuImg(), COMMIT_TIMEOUT).commitAll(overlays, listener);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ctx.checkNotStopped();
            throw new ConversionException("interrupted while committing the overlays", e);
        } finally {
            ctx.childEnded();
        }
        String errors = results.stream().filter(res -> !res.ok()).map(res -> res.error().orElseThrow())
                .collect(Collectors.joining("; "));
        if (!errors.isEmpty()) {
            throw new ConversionException("Committing the overlays: " + errors);
        }
    }

    // ----- Creating the VM -----

    private static void createVm(RunContext ctx, TwoPhaseFinish finish) throws ConversionException, IOException {
        if (!isV2(ctx)) {
            LOG.info("virt-v2v 1.4x made the VM");
            finish.afterVirtV2vMadeTheVm(ctx, ctx.get(PreCopyResult.SLOT));
            return;
        }
        Optional<String> vmId = finish.finish(ctx, ctx.get(PreCopyResult.SLOT), ctx.get(GUEST));
        vmId.ifPresent(ctx.state()::setVmId);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
