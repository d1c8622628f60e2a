package org.v2vwrapper.output.osp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.image.v2.Image;
import org.openstack4j.model.storage.block.Volume;
import org.openstack4j.model.storage.block.VolumeSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.nbd.CopyOptions;
import org.v2vwrapper.nbd.CopyProgress;
import org.v2vwrapper.nbd.DiskCopier;
import org.v2vwrapper.nbd.NbdClient;
import org.v2vwrapper.nbd.NbdClientOptions;
import org.v2vwrapper.osp2osp.DeviceFinder;
import org.v2vwrapper.osp2osp.NbdProbe;
import org.v2vwrapper.osp2osp.VolumeLock;
import org.v2vwrapper.remote.Forward;
import org.v2vwrapper.remote.SshResult;
import org.v2vwrapper.remote.RemoteTeardown;
import org.v2vwrapper.remote.SshRunner;
import org.v2vwrapper.remote.SshTunnel;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.OspDestination;
import org.v2vwrapper.request.OspSourceEnvironment;
import org.v2vwrapper.state.ConversionState;

/**
 * One OpenStack to OpenStack migration: the source VM's volumes are attached to the source conversion host,
 * exported read-only there and reached through ssh tunnels, copied into volumes of the same names and sizes on
 * the destination conversion host, and handed over to a new instance in {@code osp_destination_project_id}.
 *
 * <p>Everything this run makes is recorded as it is made, so that {@link #restoreSource} (every exit path) and
 * {@link #undoDestination} (failed runs) remove exactly that and nothing else: never the VM's own volumes.
 * Methods are called one after the other by the itinerary's steps; the two undo methods may run from the
 * shutdown hook while a step is still running, so they are synchronized on the record and idempotent.
 */
public final class OspMigration implements AutoCloseable {
    /** The local tunnel sockets' directory (in the run directory): a SIGKILLed run's is removed by the next. */
    public static final String TUNNELS_PREFIX = "v2v-tunnels-";

    private static final Logger LOG = LoggerFactory.getLogger(OspMigration.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String SNAPSHOT_PREFIX = "rhosp-migration-";
    public static final String IMAGE_PREFIX = "rhosp-migration-root-";
    static final Duration SSH_COMMAND = Duration.ofSeconds(60);
    static final Duration LOCK_WAIT = Duration.ofMinutes(10);
    static final Duration POLL = Duration.ofSeconds(1);

    /** How the source host exports: {@code uci} (the wrapper's nbd_export_only in a container) or plain nbdkit. */
    public enum Export {
        UCI, NBDKIT;

        public static Export of(String s) throws ConversionException {
            return switch (s) {
                case "uci" -> UCI;
                case "nbdkit" -> NBDKIT;
                default -> throw new ConversionException("osp_source_export: must be \"uci\" or \"nbdkit\", not " + s);
            };
        }
    }

    /** Where things are on both conversion hosts. */
    public record Places(Path localDevDiskById, String sourceDevDiskById, Path lockDir, Path logDir,
                         Path localTmp, Export export, String containerImage, Duration attachTimeout,
                         Duration exportTimeout) {
    }

    /** One disk of the source VM, and everything made for it. */
    static final class Disk {
        final String volumeId;
        final String device;
        final boolean root;
        String name;
        int size;
        boolean bootable;
        String description;
        /** What is attached to the source conversion host: the data volume itself, or the root copy. */
        String exportedId;
        String snapshotId;
        String imageId;
        String copyId;
        boolean detachedFromVm;
        boolean onSourceHost;
        String sourceDev;
        String destId;
        boolean onDestHost;
        String destDev;
        SshTunnel tunnel;

        Disk(String volumeId, String device, boolean root) {
            this.volumeId = volumeId;
            this.device = device;
            this.root = root;
        }
    }

    private final ConversionRequest request;
    private final OspSourceEnvironment src;
    private final OspDestination osp;
    private final Places places;
    private final OspTimeouts timeouts;
    private final Cleanup cleanup;
    private final OspLedger ledger = new OspLedger();
    /** The source cloud's side in the run's ledger (in memory until {@link #persistTo}). */
    private volatile SourceLedger sourceLedger = SourceLedger.inMemory();
    private final String guestId;
    private SourceCloud source;
    private OspClients clients;
    private SourceCloud destConversion;
    private SshRunner ssh;
    private final List<Disk> disks = new ArrayList<>();
    /** Image-booted source VM: the root is made from an image. */
    private boolean imageBooted;
    private String vmName;
    private String remoteTmp;
    private final List<String> remotePidFiles = new ArrayList<>();
    private String containerId;
    /** Stops the source host's exports and removes its work directory when this process ends (SIGKILL too). */
    private RemoteTeardown teardown;
    private Path localSockets;
    private boolean sourceRestored;

    public OspMigration(ConversionRequest request, Places places, OspTimeouts timeouts, Cleanup cleanup)
            throws ConversionException {
        this.request = request;
        this.src = request.ospSource().orElseThrow(() -> new ConversionException("no osp_source_environment"));
        this.osp = request.osp().orElseThrow(() -> new ConversionException("no osp_environment"));
        this.places = places;
        this.timeouts = timeouts;
        this.cleanup = cleanup;
        this.guestId = osp.guestId().orElse(java.util.UUID.randomUUID().toString());
        OspIds.require("osp_source_environment.vm_id", src.vmId());
        OspIds.require("osp_source_environment.conversion_vm_id", src.conversionVmId());
        OspIds.require("osp_server_id", osp.serverId());
        OspIds.require("osp_flavor_id", osp.flavorId());
        OspIds.require("osp_destination_project_id", osp.destinationProjectId());
        for (String g : osp.securityGroupIds()) {
            OspIds.require("osp_security_groups_ids", g);
        }
        for (String d : request.sourceDisks()) {
            OspIds.require("source_disks", d);
        }
    }

    /**
     * Everything this run makes or changes on the source cloud, and what it makes on the destination (as
     * {@link OspConversion} lists it), is mirrored to {@code remote}: the next run's replay finds both.
     */
    public synchronized OspMigration persistTo(RemoteLedger remote) throws ConversionException {
        sourceLedger = new SourceLedger(remote, SourceLedger.where(src));
        ledger.persistTo(remote, OspConversion.ledgerWhere(osp, request.insecureConnection()));
        return this;
    }

    // ---------------------------------------------------------------- validation

    /** Both logins, the VMs and hosts, the destination's name, flavor and groups; returns the source host address. */
    public String validate() throws ConversionException {
        OspSession s = OspClients.session("the source cloud", SourceCloud.credentials(src), timeouts);
        source = new SourceCloud(s, timeouts, POLL);
        try {
            s.connect();
        } catch (ConversionException e) {
            throw new ConversionException("osp_source_environment: " + e.getMessage(), e);
        }
        Server vm = source.server(src.vmId(), "the source VM");
        vmName = vm.getName();
        imageBooted = vm.getImageId() != null && !vm.getImageId().isEmpty();
        Server host = source.server(src.conversionVmId(), "the source conversion host");
        String address = host.getAccessIPv4();
        if (address == null || address.isBlank()) {
            throw new ConversionException("the source conversion host " + src.conversionVmId() + " has no accessIPv4");
        }
        clients = OspClients.forRequest(osp, request.insecureConnection(), timeouts);
        destConversion = new SourceCloud(clients.conversionProject(), timeouts, POLL);
        OspValidator.validate(request, clients);
        LOG.info("source VM {} ('{}', {}), source conversion host {} at {}", src.vmId(), vmName,
                imageBooted ? "image-booted" : "boot from volume", src.conversionVmId(), address);
        return address;
    }

    /** The ssh round trip to the source conversion host. */
    public void checkSsh(SshRunner runner) throws ConversionException {
        SshResult r = runner.run("checking ssh to the source conversion host", SSH_COMMAND,
                List.of("echo", "connected"));
        if (!"connected".equals(r.stdout().strip())) {
            throw new ConversionException("ssh to the source conversion host " + runner.address()
                    + " answered '" + r.stdout().strip() + "' instead of 'connected'");
        }
        this.ssh = runner;
    }

    // ---------------------------------------------------------------- source side

    public void shutDown(Duration limit) throws ConversionException {
        source.stop(src.vmId(), limit);
    }

    /** The VM's volumes (the {@code source_disks} filter applied) and their devices; returns the state paths. */
    public List<String> listVolumes() throws ConversionException {
        Server vm = source.server(src.vmId(), "the source VM");
        List<Disk> found = new ArrayList<>();
        for (String id : source.attachedVolumeIds(vm)) {
            if (!request.sourceDisks().isEmpty() && !request.sourceDisks().contains(id)) {
                LOG.info("volume {} is not in source_disks: not copied", id);
                continue;
            }
            Volume v = source.volume(id).orElseThrow(() -> new ConversionException("volume " + id
                    + " of the source VM does not exist"));
            String device = SourceCloud.deviceOn(v, src.vmId()).orElseThrow(() -> new ConversionException(
                    "volume " + id + " has no device on the source VM"));
            Disk d = new Disk(id, device, false);
            d.name = v.getName();
            d.size = v.getSize();
            d.bootable = v.bootable();
            d.description = v.getDescription();
            d.exportedId = id;
            found.add(d);
        }
        found.sort(Comparator.comparing((Disk d) -> d.device));
        synchronized (this) {
            if (!imageBooted) {
                // Boot from volume: the root is the volume at the first device (vda, sda, xvda), not a fixed name.
                Disk first = found.isEmpty() ? null : found.get(0);
                if (first != null && isRootDevice(first.device)) {
                    Disk root = new Disk(first.volumeId, first.device, true);
                    root.name = first.name;
                    root.size = first.size;
                    root.bootable = first.bootable;
                    root.description = first.description;
                    found.set(0, root);
                }
            } else {
                Disk root = new Disk(null, "/dev/vda", true);
                root.name = IMAGE_PREFIX + vmName;
                root.bootable = true;
                root.description = "";
                found.add(0, root);
            }
            disks.clear();
            disks.addAll(found);
        }
        if (disks.isEmpty()) {
            throw new ConversionException("the source VM has no volume to copy"
                    + (request.sourceDisks().isEmpty() ? "" : " among source_disks"));
        }
        LOG.info("source disks: {}", disks.stream().map(d -> d.device + "=" + (d.volumeId == null ? "(image)" : d.volumeId)).toList());
        return disks.stream().map(d -> d.device).toList();
    }

    static boolean isRootDevice(String device) {
        return device.matches("/dev/(vd|sd|xvd|hd)a");
    }

    public int diskCount() {
        return disks.size();
    }

    /** The root copy: snapshot and volume (boot from volume) or image and volume (image-booted). */
    public void copyRoot() throws ConversionException {
        Disk root = disks.stream().filter(d -> d.root).findFirst().orElse(null);
        if (root == null) {
            LOG.info("no root volume among the disks to copy (source_disks)");
            return;
        }
        if (!imageBooted) {
            String name = SNAPSHOT_PREFIX + root.volumeId;
            VolumeSnapshot snap = listed(sourceLedger.intendSnapshot(root.volumeId, name),
                    () -> source.snapshot(root.volumeId, name), VolumeSnapshot::getId);
            synchronized (this) {
                root.snapshotId = snap.getId();
            }
            VolumeSnapshot ready = source.awaitSnapshot(snap.getId());
            String copy = listed(sourceLedger.intendRootCopy(name), () -> source.createVolume(name, ready.getSize(),
                    Optional.of(ready.getId()), Optional.empty(), root.description, Optional.empty(), false,
                    Map.of()), id -> id);
            synchronized (this) {
                root.copyId = copy;
                root.exportedId = copy;
            }
            Volume v = source.awaitVolume(copy, Volume.Status.AVAILABLE);
            root.size = v.getSize();
        } else {
            String imageId = listed(sourceLedger.intendImage(src.vmId(), root.name),
                    () -> source.createImage(src.vmId(), root.name), id -> id);
            synchronized (this) {
                root.imageId = imageId;
            }
            Image image = source.awaitImage(imageId);
            long minDisk = image.getMinDisk() == null ? 0 : image.getMinDisk();
            long fromSize = image.getSize() == null ? 0 : (image.getSize() + (1L << 30) - 1) >> 30;
            int size = (int) Math.max(1, Math.max(minDisk, fromSize));
            String copy = listed(sourceLedger.intendRootCopy(root.name), () -> source.createVolume(root.name, size,
                    Optional.empty(), Optional.of(imageId), "", Optional.empty(), true, Map.of()), id -> id);
            synchronized (this) {
                root.copyId = copy;
                root.exportedId = copy;
            }
            Volume v = source.awaitVolume(copy, Volume.Status.AVAILABLE);
            root.size = v.getSize();
        }
        LOG.info("root copy {} ({} GiB)", root.copyId, root.size);
    }

    @FunctionalInterface
    private interface Create<T> {
        T run() throws ConversionException;
    }

    /** A source-side creation listed in the ledger: the intent (under {@code key}) becomes the id it returns. */
    private <T> T listed(String key, Create<T> create, java.util.function.Function<T, String> id)
            throws ConversionException {
        T made;
        try {
            made = create.run();
        } catch (ConversionException e) {
            sourceLedger.createFailed(key, e);
            throw e;
        }
        sourceLedger.made(key, id.apply(made));
        return made;
    }

    public void detachDataVolumes() throws ConversionException {
        for (Disk d : disks) {
            if (d.root) {
                continue;
            }
            synchronized (this) {
                d.detachedFromVm = true;
            }
            sourceLedger.detachingFromVm(d.volumeId, src.vmId(), d.device);
            source.detach(src.vmId(), d.volumeId, timeouts.volumeReady());
        }
    }

    public void attachToSourceHost() throws ConversionException {
        DeviceFinder finder = new DeviceFinder(DeviceFinder.Commands.over(ssh), Path.of(places.sourceDevDiskById()),
                DeviceFinder.LSBLK, places.attachTimeout(), Duration.ofMillis(500));
        try (VolumeLock lock = VolumeLock.acquire(places.lockDir(), VolumeLock.SOURCE, LOCK_WAIT)) {
            for (Disk d : disks) {
                Set<String> before = finder.disks();
                synchronized (this) {
                    d.onSourceHost = true;
                }
                sourceLedger.attaching(d.exportedId, src.conversionVmId());
                source.attach(src.conversionVmId(), d.exportedId, places.attachTimeout());
                d.sourceDev = finder.find(d.exportedId, before);
            }
        }
    }

    /** Starts the exports on the source host and one tunnel per disk; returns when each answers NBD. */
    public void export() throws ConversionException {
        // The work directory is made inside the teardown's own session, so from its first instant whatever is
        // started in it (exports with pid files, the container with its id file) is stopped and the directory
        // removed when this process ends, however it ends: a SIGKILLed wrapper runs no cleanup of its own.
        RemoteTeardown t = RemoteTeardown.arm(ssh, "creating the work directory on the source conversion host",
                "tmp=$(mktemp -d -t v2v-XXXXXX) || exit 1; armed=$tmp", remoteTeardownScript(), SSH_COMMAND);
        synchronized (this) {
            teardown = t;
        }
        String tmp = t.value();
        if (!tmp.startsWith("/tmp/") || tmp.contains("'") || tmp.contains(" ")) {
            throw new ConversionException("mktemp on the source conversion host gave '" + tmp + "'");
        }
        synchronized (this) {
            remoteTmp = tmp;
        }
        try {
            localSockets = Files.createTempDirectory(places.localTmp(), TUNNELS_PREFIX,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new ConversionException("creating the tunnel directory: " + e.getMessage(), e);
        }
        cleanup.register("the local ends of the tunnels", this::removeLocalSockets);
        if (places.export() == Export.NBDKIT) {
            exportWithNbdkit(tmp);
        } else {
            exportWithUci(tmp);
        }
    }

    /**
     * Shell text run by the {@link RemoteTeardown} in the directory {@code $tmp} it made: stop every export by its
     * pid file, the container by its id file, remove the directory; as root through {@code sudo -n} where the ssh
     * user cannot. Idempotent: after a normal {@link #stopRemote} there is nothing left for it.
     */
    static String remoteTeardownScript() {
        return "case \"$tmp\" in /tmp/v2v-*) ;; *) exit 0 ;; esac; cd /; "
                + "for p in \"$tmp\"/*.pid; do if test -f \"$p\"; then kill $(cat \"$p\") 2>/dev/null"
                + " || sudo -n kill $(sudo -n cat \"$p\"); fi; done; "
                + "if test -f \"$tmp\"/container.id; then sudo -n podman stop $(cat \"$tmp\"/container.id); fi; "
                + "rm -rf \"$tmp\" 2>/dev/null || sudo -n rm -rf \"$tmp\"";
    }

    private void exportWithNbdkit(String tmp) throws ConversionException {
        // One ssh for all the exports (each ssh connection costs a handshake), then one tunnel per disk.
        StringBuilder script = new StringBuilder("set -e");
        for (int i = 0; i < disks.size(); i++) {
            String pid = tmp + "/disk" + i + ".pid";
            synchronized (this) {
                remotePidFiles.add(pid);
            }
            script.append("; ").append(nbdkitCommand(disks.get(i).sourceDev, tmp + "/disk" + i + ".sock", pid,
                    tmp + "/disk" + i + ".log", testFilters(System.getenv(TEST_FILTERS_ENV))));
        }
        ssh.run("starting nbdkit on the source conversion host", SSH_COMMAND, List.of("sh", "-c", script.toString()));
        for (int i = 0; i < disks.size(); i++) {
            Disk d = disks.get(i);
            Forward f = new Forward.Unix(localSockets.resolve("disk" + i + ".sock"), tmp + "/disk" + i + ".sock");
            SshTunnel t = ssh.forward("Exporting", f, places.exportTimeout(), NbdProbe.handshake());
            synchronized (this) {
                d.tunnel = t;
            }
            cleanup.register("ssh tunnel for " + d.device, t::close);
        }
    }

    /**
     * Shell text of {@code nbdkit --readonly -U SOCK -P PID file DEV}, as root through {@code sudo -n} when the
     * ssh user cannot read the device (then the socket is handed to that user). nbdkit forks into the
     * background once it listens; the pidfile is how the cleanup stops it.
     */
    static String nbdkitCommand(String device, String sock, String pid, String log) {
        return nbdkitCommand(device, sock, pid, log, List.of());
    }

    /**
     * Test-only seam (the end-to-end tests make the copy slow or failing with nbdkit's own filters): words of
     * {@value #TEST_FILTERS_ENV}, e.g. {@code --filter=delay delay-read=2}. {@code --filter=NAME} words go before
     * the plugin, {@code key=value} words after it; anything else is refused. Unset in production: no filter.
     */
    static final String TEST_FILTERS_ENV = "V2V_WRAPPER_TEST_NBDKIT_FILTERS";

    static List<String> testFilters(String env) throws ConversionException {
        if (env == null || env.isBlank()) {
            return List.of();
        }
        List<String> words = List.of(env.strip().split("\\s+"));
        for (String w : words) {
            if (!w.matches("--filter=[a-z0-9-]+|[a-z][a-z0-9-]*=[A-Za-z0-9.%-]+")) {
                throw new ConversionException(TEST_FILTERS_ENV + ": '" + w + "' is neither --filter=NAME nor key=value");
            }
        }
        return words;
    }

    static String nbdkitCommand(String device, String sock, String pid, String log, List<String> filters) {
        String dev = SshRunner.quote(List.of(device));
        StringBuilder before = new StringBuilder();
        StringBuilder after = new StringBuilder();
        for (String w : filters) {
            (w.startsWith("--filter=") ? before : after).append(w).append(' ');
        }
        String nbdkit = "nbdkit --readonly -U " + sock + " -P " + pid + " " + before + "file " + dev
                + (after.isEmpty() ? "" : " " + after.toString().strip());
        return "if test -r " + dev + "; then " + nbdkit + " </dev/null >>" + log + " 2>&1; else sudo -n " + nbdkit
                + " </dev/null >>" + log + " 2>&1 && sudo -n chown \"$(id -u)\" " + sock + "; fi";
    }

    private void exportWithUci(String tmp) throws ConversionException {
        int base = 20000 + ThreadLocalRandom.current().nextInt(30000);
        Map<String, Integer> map = new LinkedHashMap<>();
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            map.put(disks.get(i).sourceDev + "-v2v", base + i);
            devices.add(disks.get(i).sourceDev);
        }
        ssh.run("preparing the UCI directories", SSH_COMMAND,
                List.of("mkdir", "-p", tmp + "/lib", tmp + "/log", tmp + "/input"));
        byte[] input;
        try {
            input = JSON.writeValueAsBytes(Map.of("nbd_export_only", map));
        } catch (IOException e) {
            throw new ConversionException("writing the export request: " + e.getMessage(), e);
        }
        ssh.run("writing the export request", SSH_COMMAND,
                List.of("sh", "-c", "cat > " + tmp + "/input/conversion.json"), input);
        String id = ssh.run("starting the UCI container on the source conversion host", SSH_COMMAND,
                uciCommand(tmp, devices, places.containerImage())).stdout().strip();
        if (!id.matches("[0-9a-f]{12,64}")) {
            throw new ConversionException("podman run on the source conversion host gave no container id: '"
                    + id + "'");
        }
        synchronized (this) {
            containerId = id;
        }
        // nbdready, then each export through its tunnel.
        long deadline = System.nanoTime() + places.exportTimeout().toNanos();
        while (ssh.execute("waiting for nbdready", SSH_COMMAND, List.of("test", "-f", tmp + "/nbdready"), null)
                .exitCode() != 0) {
            if (System.nanoTime() > deadline) {
                throw new ConversionException("the exports on the source conversion host were not ready within "
                        + places.exportTimeout().toSeconds() + " s (no " + tmp + "/nbdready)");
            }
            sleep(POLL);
        }
        for (int i = 0; i < disks.size(); i++) {
            Disk d = disks.get(i);
            SshTunnel t = ssh.forward("Exporting", new Forward.Tcp(0, base + i), places.exportTimeout(),
                    NbdProbe.handshake());
            synchronized (this) {
                d.tunnel = t;
            }
            cleanup.register("ssh tunnel for " + d.device, t::close);
        }
    }

    /**
     * {@code sudo podman run --rm --detach --network host …}: the container's exports listen on the host's own
     * loopback (the wrapper's nbd_export_only binds 127.0.0.1), so nothing is published at all and the tunnel
     * reaches them as any local port; the reference's volumes and {@code --device DEV:DEV-v2v} list.
     */
    static List<String> uciCommand(String tmp, List<String> devices, String image) {
        List<String> c = new ArrayList<>(List.of("sudo", "-n", "podman", "run", "--rm", "--detach",
                "--cidfile", tmp + "/container.id", "--network", "host",
                "--volume", "/var/tmp:/var/tmp:z", "--volume", "/var/lock:/var/lock:z",
                "--volume", tmp + ":/data:z", "--volume", tmp + "/lib:/var/lib/uci:z",
                "--volume", tmp + "/log:/var/log/uci:z"));
        for (String d : devices) {
            c.add("--device");
            c.add(d + ":" + d + "-v2v");
        }
        c.add(image);
        return c;
    }

    // ---------------------------------------------------------------- destination side

    public void createDestinationVolumes() throws ConversionException {
        ledger.intendTaggedVolumes(guestId, osp.serverId());
        for (int i = 0; i < disks.size(); i++) {
            Disk d = disks.get(i);
            Map<String, String> md = Map.of(VolumeMover.GUEST_ID_PROPERTY, guestId,
                    VolumeMover.DISK_INDEX_PROPERTY, Integer.toString(i));
            String id = destConversion.createVolume(d.name, d.size, Optional.empty(), Optional.empty(),
                    d.description, osp.volumeTypeId(), d.bootable, md);
            synchronized (this) {
                d.destId = id;
            }
            ledger.volume(id, new OspLedger.InConversionProject());
        }
        for (Disk d : disks) {
            destConversion.awaitVolume(d.destId, Volume.Status.AVAILABLE);
        }
    }

    public void attachToDestinationHost() throws ConversionException {
        DeviceFinder finder = new DeviceFinder(DeviceFinder.Commands.local(), places.localDevDiskById(),
                DeviceFinder.LSBLK, places.attachTimeout(), Duration.ofMillis(500));
        try (VolumeLock lock = VolumeLock.acquire(places.lockDir(), VolumeLock.DESTINATION, LOCK_WAIT)) {
            for (Disk d : disks) {
                Set<String> before = finder.disks();
                synchronized (this) {
                    d.onDestHost = true;
                }
                destConversion.attach(osp.serverId(), d.destId, places.attachTimeout());
                d.destDev = finder.find(d.destId, before);
            }
        }
    }

    /** Copies each disk NBD → destination device with the project's engine, progress per disk in the state. */
    public void copy(ConversionState state) throws ConversionException {
        int n = disks.size();
        for (int i = 0; i < n; i++) {
            Disk d = disks.get(i);
            state.setStatus("Copying disk " + (i + 1) + "/" + n);
            state.beginDisk(i, n);
            LOG.info("copying {} ({} on the source host) to {} ({})", d.device, d.sourceDev, d.destDev, d.destId);
            CopyProgress progress = CopyProgress.rateLimited((copied, toCopy) ->
                    state.currentDiskProgress(toCopy == 0 ? 100.0 : Math.floor(copied * 1000.0 / toCopy) / 10.0),
                    Duration.ofSeconds(1));
            try (NbdClient client = NbdClient.connect(NbdProbe.uri(d.tunnel.localAddress()),
                    new NbdClientOptions(4, Duration.ofSeconds(30), Duration.ofSeconds(120)))) {
                new DiskCopier(client, new CopyOptions(64, 256 * 1024, true), progress).copyAll(Path.of(d.destDev));
            } catch (IOException e) {
                throw new ConversionException("copying disk " + (i + 1) + "/" + n + " (" + d.device + "): "
                        + e.getMessage(), e);
            }
            state.currentDiskProgress(100.0);
        }
    }

    public void detachFromDestinationHost() throws ConversionException {
        try (VolumeLock lock = VolumeLock.acquire(places.lockDir(), VolumeLock.DESTINATION, LOCK_WAIT)) {
            for (Disk d : disks) {
                if (d.onDestHost) {
                    destConversion.detach(osp.serverId(), d.destId, timeouts.volumeReady());
                    synchronized (this) {
                        d.onDestHost = false;
                    }
                }
            }
        }
    }

    /** The one-phase OpenStack finish: transfer, ports, instance; returns the instance id. */
    public String createInstance(ConversionState state) throws ConversionException {
        List<String> volumes = disks.stream().map(d -> d.destId).toList();
        VolumeMover mover = new VolumeMover(clients, ledger, timeouts);
        String conversionProjectId = clients.conversionProject().projectId();
        if (osp.destinationProjectId().equals(conversionProjectId)) {
            for (String v : volumes) {
                mover.waitAvailable(clients.conversionProject(), v);
                ledger.volume(v, new OspLedger.InDestinationProject());
            }
        } else {
            mover.transfer(volumes, "v2v " + guestId);
        }
        List<OspValidator.PortPlan> plan = OspValidator.planPorts(clients.destinationProject(),
                request.networkMappings());
        InstanceBuilder builder = new InstanceBuilder(clients.destinationProject(), ledger, timeouts);
        List<String> ports = builder.createPorts(request.vmName(), plan, osp.securityGroupIds());
        String serverId = builder.createServer(request.vmName(), osp.flavorId(), volumes, ports,
                osp.securityGroupIds());
        builder.waitActive(serverId);
        ledger.forgetAll(); // the new VM is the run's result now, no longer something to clean up
        state.setVmId(serverId);
        LOG.info("instance '{}' ({}) is active in project {}", request.vmName(), serverId, osp.destinationProjectId());
        return serverId;
    }

    // ---------------------------------------------------------------- undo

    /** Stops a copy in progress (SIGTERM): its reads fail once the tunnels are gone. */
    public void closeTunnels() {
        List<SshTunnel> open;
        synchronized (this) {
            open = disks.stream().map(d -> d.tunnel).filter(t -> t != null).toList();
        }
        open.forEach(SshTunnel::close);
    }

    /**
     * Every exit path: exports stopped, tunnels closed, source logs copied to {@code <log-dir>/source_logs/},
     * the work directory removed, volumes detached from the source host, the root copy deleted, the VM's data
     * volumes re-attached (the VM stays off). Only what this run made or moved; never throws.
     */
    public synchronized void restoreSource() {
        if (sourceRestored) {
            return;
        }
        sourceRestored = true;
        for (Disk d : disks) {
            if (d.tunnel != null) {
                d.tunnel.close();
            }
        }
        if (ssh != null && remoteTmp != null) {
            quietly("stopping the exports, copying the source logs, removing " + remoteTmp, this::stopRemote);
        }
        if (teardown != null) {
            // After stopRemote (which has read the logs this would delete): normally there is nothing left to do.
            teardown.close();
        }
        if (source == null) {
            return;
        }
        if (disks.stream().anyMatch(d -> d.onSourceHost)) {
            quietly("detaching volumes from the source conversion host", () -> {
                try (VolumeLock lock = VolumeLock.acquire(places.lockDir(), VolumeLock.SOURCE, LOCK_WAIT)) {
                    for (Disk d : disks) {
                        if (d.onSourceHost) {
                            source.detach(src.conversionVmId(), d.exportedId, timeouts.volumeReady());
                            d.onSourceHost = false;
                            sourceLedger.detached(d.exportedId);
                        }
                    }
                }
            });
        }
        for (Disk d : disks) {
            // Only what this run made: the copy, its snapshot, its image. Never d.volumeId.
            if (d.copyId != null) {
                quietly("deleting the root copy " + d.copyId, () -> {
                    source.deleteVolume(d.copyId);
                    sourceLedger.deleted(Kinds.OSP_VOLUME, d.copyId);
                });
            }
            if (d.snapshotId != null) {
                quietly("deleting the root snapshot " + d.snapshotId, () -> {
                    source.awaitSnapshotSettled(d.snapshotId);
                    source.deleteSnapshot(d.snapshotId);
                    sourceLedger.deleted(Kinds.OSP_SNAPSHOT, d.snapshotId);
                });
            }
            if (d.imageId != null) {
                quietly("deleting the root image " + d.imageId, () -> {
                    source.deleteImage(d.imageId);
                    sourceLedger.deleted(Kinds.OSP_IMAGE, d.imageId);
                });
            }
        }
        for (Disk d : disks) {
            if (d.detachedFromVm) {
                quietly("re-attaching volume " + d.volumeId + " to the source VM", () -> {
                    Volume v = source.volume(d.volumeId).orElse(null);
                    if (v != null && SourceCloud.deviceOn(v, src.vmId()).isEmpty()) {
                        source.awaitVolume(d.volumeId, Volume.Status.AVAILABLE);
                        source.attach(src.vmId(), d.volumeId, timeouts.volumeReady());
                    }
                    sourceLedger.backOnVm(d.volumeId);
                });
            }
        }
    }

    static final String LOG_MARK = "==> v2v-source-log ";

    /**
     * One ssh: stop the exports (nbdkit by pidfile, the container by id), print every log of the work directory
     * (each after a marker line), remove the directory. The logs go to {@code <log-dir>/source_logs/}.
     */
    private void stopRemote() throws ConversionException, IOException {
        StringBuilder script = new StringBuilder();
        for (String pid : remotePidFiles) {
            script.append("if test -f ").append(pid).append("; then kill $(cat ").append(pid)
                    .append(") 2>/dev/null || sudo -n kill $(cat ").append(pid).append("); fi; ");
        }
        if (containerId != null) {
            script.append("sudo -n podman stop ").append(containerId).append(" >/dev/null; ");
        }
        script.append("cd ").append(remoteTmp).append(" && for f in *.log log/*; do if test -f \"$f\"; then echo '")
                .append(LOG_MARK).append("'\"$f\"; cat \"$f\" 2>/dev/null || sudo -n cat \"$f\"; fi; done; cd / && ")
                .append("(rm -rf ").append(remoteTmp).append(" 2>/dev/null || sudo -n rm -rf ").append(remoteTmp)
                .append(")");
        SshResult r = ssh.execute("stopping the exports on the source conversion host", SSH_COMMAND,
                List.of("sh", "-c", script.toString()), null);
        Path dir = Files.createDirectories(places.logDir().resolve("source_logs"));
        String name = null;
        StringBuilder text = new StringBuilder();
        for (String line : (r.stdout() + "\n" + LOG_MARK + "end").lines().toList()) {
            if (line.startsWith(LOG_MARK)) {
                if (name != null) {
                    Files.writeString(dir.resolve(name), text.toString(), StandardCharsets.UTF_8);
                }
                String next = line.substring(LOG_MARK.length()).replace('/', '_');
                name = next.matches("[A-Za-z0-9._-]+") && !next.equals("end") ? next : null;
                text.setLength(0);
            } else if (name != null) {
                text.append(line).append('\n');
            }
        }
        if (r.exitCode() != 0) {
            throw new ConversionException("exit code " + r.exitCode() + ": " + r.stderr().strip());
        }
    }

    private void removeLocalSockets() {
        if (localSockets == null) {
            return;
        }
        try (var s = Files.list(localSockets)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(localSockets);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", localSockets, e.getMessage());
        }
    }

    /** Failed runs: the destination volumes (detached first), transfers, ports and instance this run made. */
    public void undoDestination() {
        if (clients == null) {
            return;
        }
        new OspCleanup(clients, ledger, timeouts, osp.serverId(), guestId).run(List.of());
        ledger.cleanedUp();
    }

    @FunctionalInterface
    private interface Undo {
        void run() throws Exception;
    }

    private static void quietly(String what, Undo u) {
        try {
            u.run();
            LOG.info("cleanup: {}: done", what);
        } catch (Exception e) {
            LOG.warn("cleanup: {} failed: {}", what, e.getMessage());
        }
    }

    private static void sleep(Duration d) throws ConversionException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted");
        }
    }

    @Override
    public synchronized void close() {
        if (source != null) {
            source.close();
        }
        if (clients != null) {
            clients.close();
        }
    }
}
