package org.v2vwrapper.vsphere.fake;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small vCenter for tests: an HTTPS SOAP endpoint at {@code https://127.0.0.1:PORT/sdk} with a certificate made
 * at test time (so thumbprint pinning is real), stateful VMs whose disks are local sparse image files, snapshots
 * that freeze a copy of each disk ({@code cp --reflink=auto --sparse=always}), change tracking that remembers which
 * byte areas the test wrote since each changeId, power state, faults on demand and a record of every call.
 *
 * <p>The vim25 names it speaks, checked against the vSphere Web Services API reference (WSDL types
 * {@code QueryChangedDiskAreasRequestType}, {@code DiskChangeInfo}, {@code DiskChangeExtent},
 * {@code RetrievePropertiesExRequestType}, {@code RetrieveResult}, {@code ObjectContent}, {@code DynamicProperty},
 * {@code TaskInfo}, {@code LocalizedMethodFault}, {@code VirtualMachineSnapshotInfo},
 * {@code VirtualMachineSnapshotTree}, {@code VirtualDisk}, {@code VirtualDiskFlatVer2BackingInfo},
 * {@code VirtualEthernetCard}):
 * <ul>
 *   <li>{@code RetrieveServiceContent(_this)} → {@code returnval} with {@code rootFolder}, {@code propertyCollector},
 *       {@code viewManager}, {@code sessionManager}, {@code about/apiType}, {@code about/apiVersion};</li>
 *   <li>{@code Login(_this, userName, password)} (sets cookie {@code vmware_soap_session}), {@code Logout(_this)},
 *       {@code CurrentTime(_this)};</li>
 *   <li>{@code CreateContainerView(_this, container, type, recursive)}, {@code DestroyView(_this)};</li>
 *   <li>{@code RetrievePropertiesEx(_this, specSet{propSet{type, pathSet}, objectSet{obj, skip, selectSet
 *       (TraversalSpec name, type, path=view, skip)}}, options{maxObjects})} → {@code returnval{token?,
 *       objects{obj, propSet{name, val}}}}, {@code ContinueRetrievePropertiesEx(_this, token)};</li>
 *   <li>VirtualMachine properties {@code name}, {@code runtime.powerState}, {@code config.changeTrackingEnabled},
 *       {@code config.firmware}, {@code config.hardware.memoryMB}, {@code config.hardware.numCPU},
 *       {@code config.hardware.device} ({@code VirtualDisk key, deviceInfo/label, capacityInKB, capacityInBytes,
 *       backing{fileName, changeId}}; {@code VirtualVmxnet3 macAddress, backing{deviceName} or
 *       backing{port{portgroupKey}}}), {@code snapshot} ({@code currentSnapshot, rootSnapshotList{snapshot, name,
 *       description, childSnapshotList}}); VirtualMachineSnapshot {@code config.hardware.device}; Task
 *       {@code info{state, error{fault, localizedMessage}, result}};</li>
 *   <li>{@code ReconfigVM_Task(_this, spec{changeTrackingEnabled})}, {@code CreateSnapshot_Task(_this, name,
 *       description, memory, quiesce)}, {@code RemoveSnapshot_Task(_this, removeChildren, consolidate)},
 *       {@code PowerOffVM_Task(_this)} → {@code returnval} Task; {@code ShutdownGuest(_this)};</li>
 *   <li>{@code QueryChangedDiskAreas(_this, snapshot, deviceKey, startOffset, changeId)} → {@code returnval
 *       {startOffset, length, changedArea{start, length}}};</li>
 *   <li>faults: {@code soapenv:Fault{faultcode, faultstring, detail{<Type>Fault xsi:type=Type}}}.</li>
 * </ul>
 *
 * <p>Model. Disk {@code i} of a VM has key {@code 2000 + i} and file {@code [datastore1] VM/VM.vmdk} (or
 * {@code VM_i.vmdk}). Snapshot number {@code n} of a VM freezes each disk as {@code [datastore1] VM/VM-00000n.vmdk}
 * ({@code VM_i-00000n.vmdk}); {@link #frozenImage} maps that name to the local frozen copy, which is deleted when
 * the snapshot is removed. (Real vSphere names the running delta this way; here the names only have to be unique
 * per snapshot.) A changeId is {@code <disk uuid>/<epoch>}; each snapshot ends an epoch, and writes made in an
 * epoch are what {@code QueryChangedDiskAreas} reports for later snapshots. {@code "*"} reports the non-zero
 * 64 KiB granules of the frozen image. Writes are tracked only while change tracking is on.
 */
public final class FakeVsphere implements AutoCloseable {
    public static final String USER = "administrator@vsphere.local";
    public static final String DATASTORE = "datastore1";
    static final long STAR_GRANULE = 64 * 1024;

    /**
     * One SOAP call as the fake saw it: the method, {@code _this}'s value, and its arguments as dotted paths of
     * their leaf elements (e.g. {@code quiesce}, {@code spec.changeTrackingEnabled}); never the password.
     */
    public record Call(String method, String target, Map<String, String> args) {
        @Override
        public String toString() {
            return method + "(" + target + ")" + (args.isEmpty() ? "" : " " + args);
        }
    }

    private record Fault(String type, String message) {
    }

    private record Write(int epoch, long start, long length) {
    }

    private static final class Disk {
        final int key;
        final String uuid = UUID.randomUUID().toString();
        final String baseName;
        final Path image;
        final long capacity;
        int epoch = 1;
        final List<Write> writes = new ArrayList<>();

        Disk(int key, String baseName, Path image, long capacity) {
            this.key = key;
            this.baseName = baseName;
            this.image = image;
            this.capacity = capacity;
        }
    }

    private record Nic(int key, String mac, String network, String portgroupKey) {
    }

    private record FrozenDisk(int key, String fileName, Path image, long capacity, String changeId, int epoch) {
    }

    private static final class Snapshot {
        final String moref;
        final String name;
        final String description;
        final boolean quiesced;
        final List<FrozenDisk> disks;
        Snapshot parent;

        Snapshot(String moref, String name, String description, boolean quiesced, List<FrozenDisk> disks,
                 Snapshot parent) {
            this.moref = moref;
            this.name = name;
            this.description = description;
            this.quiesced = quiesced;
            this.disks = disks;
            this.parent = parent;
        }
    }

    private static final class Vm {
        final String moref;
        final String name;
        final List<Disk> disks = new ArrayList<>();
        final List<Nic> nics = new ArrayList<>();
        String powerState = "poweredOn";
        boolean cbt;
        String firmware = "bios";
        int memoryMB = 2048;
        int numCpu = 2;
        final List<Snapshot> snapshots = new ArrayList<>();
        Snapshot current;
        int snapshotSeq;
        int maxSnapshots;
        int quiesceFaults;
        Duration shutdownDelay = Duration.ZERO;

        Vm(String moref, String name) {
            this.moref = moref;
            this.name = name;
        }
    }

    private static final class Task {
        final String moref;
        int pollsLeft;
        String state = "running";
        Fault error;
        String resultType;
        String resultValue;

        Task(String moref, int pollsLeft) {
            this.moref = moref;
            this.pollsLeft = pollsLeft;
        }
    }

    private final Path dir;
    private final FakeCertificate cert;
    private final HttpsServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger ids = new AtomicInteger(1);
    private final Map<String, Vm> vms = new LinkedHashMap<>();
    private final Map<String, Path> frozen = new HashMap<>();
    private final Map<String, Task> tasks = new HashMap<>();
    private final Map<String, List<String>> views = new HashMap<>();
    private final Map<String, Deque<String>> retrieveTokens = new HashMap<>();
    private final Map<String, Fault> nextFaults = new ConcurrentHashMap<>();
    private final Map<String, Fault> nextTaskErrors = new ConcurrentHashMap<>();
    private final Map<String, Duration> delays = new ConcurrentHashMap<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> sessions = new ConcurrentHashMap<>();
    private volatile String password = "s3cret-Pa55";
    private volatile int queryPageSize = Integer.MAX_VALUE;
    private volatile long queryWindow = Long.MAX_VALUE;
    private volatile int retrievePageSize = Integer.MAX_VALUE;
    private volatile int taskPolls = 0;

    private FakeVsphere(Path dir) throws IOException {
        this.dir = dir;
        this.cert = FakeCertificate.shared();
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(cert.serverContext()));
        server.createContext("/sdk", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    /** Starts a fake listening on 127.0.0.1; images and frozen copies go under {@code dir}. */
    public static FakeVsphere start(Path dir) throws IOException {
        Files.createDirectories(dir);
        return new FakeVsphere(dir);
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        timers.shutdownNow();
    }

    // ---- test API: set-up ----

    public int port() {
        return server.getAddress().getPort();
    }

    /** The server certificate's SHA-1 thumbprint, upper-case colon hex. */
    public String thumbprint() {
        return cert.thumbprint();
    }

    /** {@code vpx://USER@127.0.0.1:PORT/Datacenter/cluster/host} plus {@code suffix} (e.g. {@code ?no_verify=1}). */
    public String vpxUri(String suffix) {
        return "vpx://administrator%40vsphere.local@127.0.0.1:" + port() + "/Datacenter/cluster/host" + suffix;
    }

    public String password() {
        return password;
    }

    /**
     * The vSphere half of a two-phase request for {@code vmName} on this fake (pinned to its thumbprint); a warm one
     * waits an hour between copies, so the caller's triggers drive the iterations.
     */
    public com.fasterxml.jackson.databind.node.ObjectNode twoPhaseRequest(String vmName, boolean warm) {
        var r = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        r.put("vm_name", vmName);
        r.put("transport_method", "vddk");
        r.put("vmware_uri", vpxUri(""));
        r.put("vmware_password", password());
        r.put("vmware_fingerprint", thumbprint());
        r.put("two_phase", true);
        if (warm) {
            r.put("warm", true);
            r.put("iteration_seconds", 3600);
        }
        return r;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    /** Adds a powered-on VM with sparse zero disks of these capacities (bytes); CBT off, no snapshot. */
    public synchronized String addVm(String name, long... capacities) throws IOException {
        String moref = "vm-" + ids.getAndIncrement();
        Vm vm = new Vm(moref, name);
        for (int i = 0; i < capacities.length; i++) {
            String base = i == 0 ? name : name + "_" + i;
            Path image = dir.resolve(moref + "-disk" + i + ".img");
            try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.truncate(0);
                if (capacities[i] > 0) {
                    ch.write(ByteBuffer.allocate(1), capacities[i] - 1);
                }
            }
            vm.disks.add(new Disk(2000 + i, base, image, capacities[i]));
        }
        vm.nics.add(new Nic(4000, "00:50:56:aa:bb:01", "VM Network", null));
        vm.nics.add(new Nic(4001, "00:50:56:aa:bb:02", null, "dvportgroup-21"));
        vms.put(moref, vm);
        return moref;
    }

    /**
     * Adds a powered-on VM whose disks start as sparse copies ({@code cp --reflink=auto --sparse=always}) of these
     * images, e.g. the phony Windows test guest; each capacity is its image's size. CBT off, no snapshot. What the
     * copies hold is the disks' content before any changeId: {@code "*"} reports it, no epoch does.
     */
    public synchronized String addVmFromImages(String name, Path... images) throws IOException {
        long[] capacities = new long[images.length];
        for (int i = 0; i < images.length; i++) {
            capacities[i] = Files.size(images[i]);
        }
        String moref = addVm(name, capacities);
        List<Disk> disks = vms.get(moref).disks;
        for (int i = 0; i < images.length; i++) {
            Files.delete(disks.get(i).image);
            try {
                copyImage(images[i], disks.get(i).image);
            } catch (SoapFault e) {
                throw new IOException(e.getMessage());
            }
        }
        return moref;
    }

    /** An edit of a disk image file in place, e.g. guestfish writing files into the guest's file system. */
    @FunctionalInterface
    public interface ImageEdit {
        void edit(Path image) throws Exception;
    }

    /**
     * The guest changes disk {@code disk} the way {@code edit} changes a copy of its image: {@code edit} runs on a
     * private sparse copy (without holding the fake, so SOAP calls and snapshots go on meanwhile), then every
     * {@link #TRACK_GRANULE} granule where the edited copy differs from the image as it was when the copy was
     * taken is written into the live image at once and tracked as a guest write (a granule that became all zero
     * is punched, as {@link #zero} does). A snapshot thus holds the whole edit or none of it. Returns the changed
     * byte ranges as {@code {start, end}} pairs, merged.
     */
    public List<long[]> applyEdit(String vmName, int disk, ImageEdit edit) throws Exception {
        Path live;
        synchronized (this) {
            live = disk(vmName, disk).image;
        }
        Path before = Files.createTempFile(dir, "edit-before-", ".img");
        Path edited = Files.createTempFile(dir, "edit-", ".img");
        try {
            synchronized (this) {
                Files.delete(before);
                Files.delete(edited);
                copyImage(live, before);
                copyImage(live, edited);
            }
            edit.edit(edited);
            synchronized (this) {
                Disk d = disk(vmName, disk);
                if (Files.size(edited) != d.capacity) {
                    throw new IllegalStateException("the edit changed the size of disk " + disk);
                }
                List<long[]> changed = changedGranules(before, edited, d.capacity);
                try (FileChannel from = FileChannel.open(edited, StandardOpenOption.READ);
                     FileChannel to = FileChannel.open(d.image, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.allocate((int) TRACK_GRANULE);
                    for (long[] range : changed) {
                        for (long pos = range[0]; pos < range[1]; pos += TRACK_GRANULE) {
                            int len = (int) Math.min(TRACK_GRANULE, range[1] - pos);
                            readFully(from, buf, pos, len);
                            if (isZero(buf) && punchHole(d.image, pos, len)) {
                                continue;
                            }
                            long at = pos;
                            while (buf.hasRemaining()) {
                                at += to.write(buf, at);
                            }
                        }
                    }
                }
                for (long[] range : changed) {
                    track(vm(vmName), d, range[0], range[1] - range[0]);
                }
                return changed;
            }
        } finally {
            Files.deleteIfExists(before);
            Files.deleteIfExists(edited);
        }
    }

    /** The granule of {@link #applyEdit}'s diff, as vSphere's change tracking reports whole blocks. */
    public static final long TRACK_GRANULE = 64 * 1024;

    private static List<long[]> changedGranules(Path a, Path b, long capacity) throws IOException {
        List<long[]> out = new ArrayList<>();
        try (FileChannel ca = FileChannel.open(a, StandardOpenOption.READ);
             FileChannel cb = FileChannel.open(b, StandardOpenOption.READ)) {
            ByteBuffer ba = ByteBuffer.allocate((int) TRACK_GRANULE);
            ByteBuffer bb = ByteBuffer.allocate((int) TRACK_GRANULE);
            for (long pos = 0; pos < capacity; pos += TRACK_GRANULE) {
                int len = (int) Math.min(TRACK_GRANULE, capacity - pos);
                readFully(ca, ba, pos, len);
                readFully(cb, bb, pos, len);
                if (!ba.equals(bb)) {
                    out.add(new long[] {pos, pos + len});
                }
            }
        }
        return merge(out);
    }

    /** Reads {@code len} bytes at {@code pos} into {@code buf} (position 0, limit len); past the end reads zeros. */
    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, int len) throws IOException {
        buf.clear().limit(len);
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                while (buf.hasRemaining()) {
                    buf.put((byte) 0);
                }
            }
        }
        buf.flip();
    }

    private static final ByteBuffer ZEROS = ByteBuffer.allocate((int) TRACK_GRANULE).asReadOnlyBuffer();

    /** Whether the remaining bytes of {@code buf} (at most one granule) are all zero; vectorised by the JDK. */
    private static boolean isZero(ByteBuffer buf) {
        return buf.mismatch(ZEROS.duplicate().limit(buf.remaining())) == -1;
    }

    public synchronized void setChangeTracking(String vmName, boolean on) {
        vm(vmName).cbt = on;
    }

    public synchronized void setPowerState(String vmName, String state) {
        vm(vmName).powerState = state;
    }

    public synchronized String powerState(String vmName) {
        return vm(vmName).powerState;
    }

    public synchronized boolean changeTracking(String vmName) {
        return vm(vmName).cbt;
    }

    public synchronized void setHardware(String vmName, String firmware, int memoryMB, int numCpu) {
        Vm vm = vm(vmName);
        vm.firmware = firmware;
        vm.memoryMB = memoryMB;
        vm.numCpu = numCpu;
    }

    /** How long after {@code ShutdownGuest} the VM is off; {@code null}: never (the guest ignores it). */
    public synchronized void setShutdownDelay(String vmName, Duration delay) {
        vm(vmName).shutdownDelay = delay;
    }

    /** The next {@code n} quiesced {@code CreateSnapshot_Task}s end in {@code ApplicationQuiesceFault}. */
    public synchronized void quiesceFaults(String vmName, int n) {
        vm(vmName).quiesceFaults = n;
    }

    /** The next call of {@code method} answers a SOAP fault; {@code {password}} in the message is replaced by the
     * password that call carried (a server that echoes it, to test redaction). */
    public void failNext(String method, String faultType, String message) {
        nextFaults.put(method, new Fault(faultType, message));
    }

    /** The next task of {@code method} ends in {@code error} with this fault, without doing anything. */
    public void failNextTask(String method, String faultType, String message) {
        nextTaskErrors.put(method, new Fault(faultType, message));
    }

    /** Every call of {@code method} is answered only after {@code delay}. */
    public void delay(String method, Duration delay) {
        delays.put(method, delay);
    }

    /** At most this many changed areas per {@code QueryChangedDiskAreas} answer. */
    public void setQueryPageSize(int areas) {
        this.queryPageSize = areas;
    }

    /** A {@code QueryChangedDiskAreas} answer covers at most this many bytes (so some answers have no area). */
    public void setQueryWindow(long bytes) {
        this.queryWindow = bytes;
    }

    /** At most this many objects per {@code RetrievePropertiesEx} answer; the rest behind a token. */
    public void setRetrievePageSize(int objects) {
        this.retrievePageSize = objects;
    }

    /** A task reports {@code running} for this many polls before its end state. */
    public void setTaskPolls(int polls) {
        this.taskPolls = polls;
    }

    // ---- test API: the guest writes ----

    /** The guest writes {@code bytes} at {@code offset} of disk {@code disk} (index from 0). */
    public synchronized void write(String vmName, int disk, long offset, byte[] bytes) throws IOException {
        Disk d = disk(vmName, disk);
        check(d, offset, bytes.length);
        try (FileChannel ch = FileChannel.open(d.image, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            long pos = offset;
            while (buf.hasRemaining()) {
                pos += ch.write(buf, pos);
            }
        }
        track(vm(vmName), d, offset, bytes.length);
    }

    /**
     * The guest zeroes (discards) {@code length} bytes at {@code offset}: the range becomes a hole
     * ({@code fallocate --punch-hole}), so nbdkit {@code file} reports it as zero; zeroes are written if that fails.
     */
    public synchronized void zero(String vmName, int disk, long offset, long length) throws IOException {
        Disk d = disk(vmName, disk);
        check(d, offset, length);
        if (punchHole(d.image, offset, length)) {
            track(vm(vmName), d, offset, length);
            return;
        }
        try (FileChannel ch = FileChannel.open(d.image, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
            long pos = offset;
            long end = offset + length;
            while (pos < end) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), end - pos));
                pos += ch.write(zeros, pos);
            }
        }
        track(vm(vmName), d, offset, length);
    }

    private static boolean punchHole(Path image, long offset, long length) {
        try {
            Process p = new ProcessBuilder("fallocate", "--punch-hole", "--keep-size", "--offset",
                    Long.toString(offset), "--length", Long.toString(length), image.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void check(Disk d, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > d.capacity) {
            throw new IllegalArgumentException("outside the disk: " + offset + "+" + length);
        }
    }

    private static void track(Vm vm, Disk d, long offset, long length) {
        if (vm.cbt && length > 0) {
            d.writes.add(new Write(d.epoch, offset, length));
        }
    }

    // ---- test API: what happened ----

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<Call> calls(String method) {
        return calls.stream().filter(c -> c.method().equals(method)).toList();
    }

    public void clearCalls() {
        calls.clear();
    }

    /** The local image of disk {@code disk} as the running VM sees it. */
    public synchronized Path image(String vmName, int disk) {
        return disk(vmName, disk).image;
    }

    /** The local frozen copy behind a snapshot's disk file name, e.g. {@code [datastore1] web01/web01-000001.vmdk}. */
    public synchronized Path frozenImage(String fileName) {
        Path p = frozen.get(fileName);
        if (p == null) {
            throw new IllegalArgumentException("no live snapshot disk " + fileName);
        }
        return p;
    }

    /**
     * A file listing every live snapshot disk as {@code <file name>\t<frozen image>} per line, kept current as
     * snapshots come and go: what {@code src/test/resources/fake-nbdkit/nbdkit-vddk-as-file} reads
     * ({@code FAKE_NBDKIT_MAP}) to serve the right image with the {@code file} plugin.
     */
    public synchronized Path frozenImageMap() {
        writeFrozenMap();
        return dir.resolve("frozen-images.tsv");
    }

    private void writeFrozenMap() {
        StringBuilder out = new StringBuilder();
        frozen.forEach((name, path) -> out.append(name).append('\t').append(path).append('\n'));
        try {
            Path tmp = dir.resolve("frozen-images.tsv.tmp");
            Files.writeString(tmp, out);
            Files.move(tmp, dir.resolve("frozen-images.tsv"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized int snapshotsAlive(String vmName) {
        return vm(vmName).snapshots.size();
    }

    /** The most snapshots the VM ever had at once. */
    public synchronized int maxSnapshotsAlive(String vmName) {
        return vm(vmName).maxSnapshots;
    }

    public int sessionsOpen() {
        return sessions.size();
    }

    private Vm vm(String name) {
        for (Vm vm : vms.values()) {
            if (vm.name.equals(name)) {
                return vm;
            }
        }
        throw new IllegalArgumentException("no VM " + name);
    }

    private Disk disk(String vmName, int index) {
        return vm(vmName).disks.get(index);
    }

    // ---- SOAP ----

    /** A fault to answer with instead of a response. */
    private static final class SoapFault extends Exception {
        final String type;

        SoapFault(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] req = ex.getRequestBody().readAllBytes();
            Element method;
            try {
                method = parseBody(req);
            } catch (IOException e) {
                send(ex, 500, fault("InvalidRequest", "not a SOAP request"), null);
                return;
            }
            String name = local(method);
            Map<String, String> args = new LinkedHashMap<>();
            for (Element c : children(method)) {
                if (!local(c).equals("_this") && !local(c).equals("password")) {
                    flatten("", c, args);
                }
            }
            calls.add(new Call(name, text(method, "_this"), Collections.unmodifiableMap(args)));
            Duration delay = delays.get(name);
            if (delay != null) {
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            String setCookie = null;
            String answer;
            try {
                Fault f = nextFaults.remove(name);
                if (f != null) {
                    String given = text(method, "password");
                    throw new SoapFault(f.type(), given == null ? f.message() : f.message().replace("{password}", given));
                }
                String session = session(ex.getRequestHeaders().getFirst("Cookie"));
                if (!name.equals("RetrieveServiceContent") && !name.equals("Login") && !name.equals("CurrentTime")
                        && (session == null || !sessions.containsKey(session))) {
                    throw new SoapFault("NotAuthenticated", "The session is not authenticated.");
                }
                if (name.equals("Login")) {
                    if (!FakeVsphere.USER.equals(text(method, "userName")) || !password.equals(text(method, "password"))) {
                        throw new SoapFault("InvalidLogin",
                                "Cannot complete login due to an incorrect user name or password.");
                    }
                    String id = UUID.randomUUID().toString();
                    sessions.put(id, true);
                    setCookie = "vmware_soap_session=\"" + id + "\"; Path=/; HttpOnly; Secure;";
                    answer = "<returnval><key>" + id + "</key><userName>" + USER + "</userName></returnval>";
                } else if (name.equals("Logout")) {
                    sessions.remove(session);
                    answer = "";
                } else {
                    synchronized (this) {
                        answer = dispatch(name, method);
                    }
                }
            } catch (SoapFault f) {
                send(ex, 500, fault(f.type, f.getMessage()), null);
                return;
            }
            send(ex, 200, "<" + name + "Response xmlns=\"urn:vim25\">" + answer + "</" + name + "Response>",
                    setCookie);
        }
    }

    /** Leaf elements as dotted paths ({@code spec.changeTrackingEnabled}); repeated ones joined with commas. */
    private static void flatten(String prefix, Element e, Map<String, String> out) {
        String path = prefix + local(e);
        List<Element> kids = children(e);
        if (kids.isEmpty()) {
            out.merge(path, e.getTextContent().trim(), (a, b) -> a + "," + b);
        } else {
            for (Element k : kids) {
                flatten(path + ".", k, out);
            }
        }
    }

    private static String session(String cookieHeader) {
        if (cookieHeader == null) {
            return null;
        }
        for (String part : cookieHeader.split(";")) {
            String p = part.trim();
            if (p.startsWith("vmware_soap_session=")) {
                return p.substring("vmware_soap_session=".length()).replace("\"", "");
            }
        }
        return null;
    }

    private String dispatch(String name, Element m) throws SoapFault {
        return switch (name) {
            case "RetrieveServiceContent" -> "<returnval><rootFolder type=\"Folder\">group-d1</rootFolder>"
                    + "<propertyCollector type=\"PropertyCollector\">propertyCollector</propertyCollector>"
                    + "<viewManager type=\"ViewManager\">ViewManager</viewManager>"
                    + "<about><name>VMware vCenter Server (fake)</name><fullName>fake</fullName>"
                    + "<apiType>VirtualCenter</apiType><apiVersion>8.0.3.0</apiVersion>"
                    + "<productLineId>vpx</productLineId></about>"
                    + "<setting type=\"OptionManager\">VpxSettings</setting>"
                    + "<sessionManager type=\"SessionManager\">SessionManager</sessionManager>"
                    + "<vStorageObjectManager type=\"VcenterVStorageObjectManager\">VStorageObjectManager"
                    + "</vStorageObjectManager></returnval>";
            case "CurrentTime" -> "<returnval>" + Instant.now() + "</returnval>";
            case "CreateContainerView" -> {
                String id = "session[fake]view-" + ids.getAndIncrement();
                views.put(id, new ArrayList<>(vms.keySet()));
                yield "<returnval type=\"ContainerView\">" + id + "</returnval>";
            }
            case "DestroyView" -> {
                views.remove(text(m, "_this"));
                yield "";
            }
            case "RetrievePropertiesEx" -> retrieveProperties(m);
            case "ContinueRetrievePropertiesEx" -> continueRetrieve(text(m, "token"));
            case "ReconfigVM_Task" -> task(name, () -> {
                Vm vm = vmByMoref(text(m, "_this"));
                String cbt = text(child(m, "spec"), "changeTrackingEnabled");
                if (cbt != null) {
                    vm.cbt = Boolean.parseBoolean(cbt);
                }
                return null;
            });
            case "CreateSnapshot_Task" -> createSnapshot(m);
            case "RemoveSnapshot_Task" -> task(name, () -> {
                removeSnapshot(text(m, "_this"));
                return null;
            });
            case "PowerOffVM_Task" -> task(name, () -> {
                Vm vm = vmByMoref(text(m, "_this"));
                if (vm.powerState.equals("poweredOff")) {
                    throw new SoapFault("InvalidPowerState",
                            "The attempted operation cannot be performed in the current state (Powered off).");
                }
                vm.powerState = "poweredOff";
                return null;
            });
            case "ShutdownGuest" -> {
                Vm vm = vmByMoref(text(m, "_this"));
                if (!vm.powerState.equals("poweredOn")) {
                    throw new SoapFault("InvalidPowerState",
                            "The attempted operation cannot be performed in the current state (Powered off).");
                }
                if (vm.shutdownDelay != null) {
                    timers.schedule(() -> {
                        synchronized (FakeVsphere.this) {
                            vm.powerState = "poweredOff";
                        }
                    }, vm.shutdownDelay.toMillis(), TimeUnit.MILLISECONDS);
                }
                yield "";
            }
            case "QueryChangedDiskAreas" -> queryChangedDiskAreas(m);
            default -> throw new SoapFault("MethodNotFound", "Method " + name + " not implemented by the fake");
        };
    }

    private interface TaskAction {
        String[] run() throws SoapFault;
    }

    /** Runs the action now and answers a task that reports its outcome after {@link #setTaskPolls} polls. */
    private String task(String method, TaskAction action) {
        Task t = new Task("task-" + ids.getAndIncrement(), taskPolls);
        Fault forced = nextTaskErrors.remove(method);
        if (forced != null) {
            t.error = forced;
        } else {
            try {
                String[] result = action.run();
                if (result != null) {
                    t.resultType = result[0];
                    t.resultValue = result[1];
                }
            } catch (SoapFault f) {
                t.error = new Fault(f.type, f.getMessage());
            }
        }
        tasks.put(t.moref, t);
        return "<returnval type=\"Task\">" + t.moref + "</returnval>";
    }

    private String createSnapshot(Element m) {
        return task("CreateSnapshot_Task", () -> {
            Vm vm = vmByMoref(text(m, "_this"));
            boolean quiesce = Boolean.parseBoolean(text(m, "quiesce"));
            if (Boolean.parseBoolean(text(m, "memory"))) {
                throw new SoapFault("InvalidArgument", "the fake takes no memory snapshots");
            }
            if (quiesce && vm.quiesceFaults > 0) {
                vm.quiesceFaults--;
                throw new SoapFault("ApplicationQuiesceFault",
                        "An error occurred while saving the snapshot: Failed to quiesce the virtual machine.");
            }
            int seq = ++vm.snapshotSeq;
            List<FrozenDisk> disks = new ArrayList<>();
            for (Disk d : vm.disks) {
                String fileName = String.format("[%s] %s/%s-%06d.vmdk", DATASTORE, vm.name, d.baseName, seq);
                Path copy = dir.resolve(vm.moref + "-" + d.key + "-snap" + seq + ".img");
                copyImage(d.image, copy);
                disks.add(new FrozenDisk(d.key, fileName, copy, d.capacity,
                        vm.cbt ? d.uuid + "/" + d.epoch : null, d.epoch));
                frozen.put(fileName, copy);
                if (vm.cbt) {
                    d.epoch++;
                }
            }
            Snapshot s = new Snapshot("snapshot-" + ids.getAndIncrement(), text(m, "name"), text(m, "description"),
                    quiesce, disks, vm.current);
            vm.snapshots.add(s);
            vm.current = s;
            vm.maxSnapshots = Math.max(vm.maxSnapshots, vm.snapshots.size());
            writeFrozenMap();
            return new String[] {"VirtualMachineSnapshot", s.moref};
        });
    }

    private static void copyImage(Path from, Path to) throws SoapFault {
        try {
            Process p = new ProcessBuilder("cp", "--reflink=auto", "--sparse=always", from.toString(), to.toString())
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new SoapFault("FileFault", "cannot freeze the disk: " + out.trim());
            }
        } catch (IOException e) {
            throw new SoapFault("FileFault", "cannot freeze the disk: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SoapFault("FileFault", "interrupted");
        }
    }

    private void removeSnapshot(String moref) throws SoapFault {
        for (Vm vm : vms.values()) {
            for (Snapshot s : vm.snapshots) {
                if (s.moref.equals(moref)) {
                    vm.snapshots.remove(s);
                    for (Snapshot other : vm.snapshots) {
                        if (other.parent == s) {
                            other.parent = s.parent;
                        }
                    }
                    if (vm.current == s) {
                        vm.current = s.parent;
                    }
                    for (FrozenDisk d : s.disks) {
                        frozen.remove(d.fileName());
                        writeFrozenMap();
                        try {
                            Files.deleteIfExists(d.image());
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                    return;
                }
            }
        }
        throw new SoapFault("ManagedObjectNotFound", "The object 'vim.vm.Snapshot:" + moref + "' has already been"
                + " deleted or has not been completely created");
    }

    private String queryChangedDiskAreas(Element m) throws SoapFault {
        Vm vm = vmByMoref(text(m, "_this"));
        String snapshotRef = text(m, "snapshot");
        int key = Integer.parseInt(text(m, "deviceKey"));
        long offset = Long.parseLong(text(m, "startOffset"));
        String changeId = text(m, "changeId");
        Disk disk = vm.disks.stream().filter(d -> d.key == key).findFirst()
                .orElseThrow(() -> new SoapFault("InvalidArgument", "A specified parameter was not correct: deviceKey"));
        if (!vm.cbt) {
            throw new SoapFault("FileFault", "Error caused by file " + disk.baseName
                    + ".vmdk: change tracking is not enabled");
        }
        Path image;
        int upTo;
        if (snapshotRef == null) {
            if (!vm.powerState.equals("poweredOff")) {
                throw new SoapFault("InvalidPowerState", "QueryChangedDiskAreas without a snapshot needs the VM off");
            }
            image = disk.image;
            upTo = Integer.MAX_VALUE;
        } else {
            Snapshot s = vm.snapshots.stream().filter(x -> x.moref.equals(snapshotRef)).findFirst()
                    .orElseThrow(() -> new SoapFault("ManagedObjectNotFound", "no snapshot " + snapshotRef));
            FrozenDisk fd = s.disks.stream().filter(d -> d.key() == key).findFirst()
                    .orElseThrow(() -> new SoapFault("InvalidArgument", "no disk " + key + " in the snapshot"));
            image = fd.image();
            upTo = fd.epoch();
        }
        if (offset < 0 || offset >= disk.capacity) {
            throw new SoapFault("InvalidArgument", "A specified parameter was not correct: startOffset");
        }
        List<long[]> areas;
        if (changeId.equals("*")) {
            areas = allocated(image, disk.capacity);
        } else {
            int slash = changeId.lastIndexOf('/');
            int from;
            try {
                from = Integer.parseInt(changeId.substring(slash + 1));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                from = -1;
            }
            if (slash < 0 || !changeId.substring(0, slash).equals(disk.uuid) || from < 1 || from > upTo) {
                throw new SoapFault("InvalidArgument", "A specified parameter was not correct: changeId");
            }
            areas = new ArrayList<>();
            for (Write w : disk.writes) {
                if (w.epoch() > from && w.epoch() <= upTo) {
                    areas.add(new long[] {w.start(), w.start() + w.length()});
                }
            }
            areas = merge(areas);
        }
        long windowEnd = Math.min(disk.capacity, offset + Math.min(queryWindow, disk.capacity));
        StringBuilder out = new StringBuilder();
        int n = 0;
        long end = windowEnd;
        for (long[] a : areas) {
            long s = Math.max(a[0], offset);
            long e = Math.min(a[1], windowEnd);
            if (e <= s) {
                continue;
            }
            if (n == queryPageSize) {
                break;
            }
            out.append("<changedArea><start>").append(s).append("</start><length>").append(e - s)
                    .append("</length></changedArea>");
            n++;
            if (n == queryPageSize) {
                end = e;
            }
        }
        return "<returnval><startOffset>" + offset + "</startOffset><length>" + (end - offset) + "</length>" + out
                + "</returnval>";
    }

    /** The non-zero {@link #STAR_GRANULE} granules of an image: what {@code "*"} reports. */
    private static List<long[]> allocated(Path image, long capacity) throws SoapFault {
        List<long[]> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) STAR_GRANULE);
            for (long pos = 0; pos < capacity; pos += STAR_GRANULE) {
                buf.clear();
                int len = (int) Math.min(STAR_GRANULE, capacity - pos);
                buf.limit(len);
                while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) >= 0) {
                    // read the whole granule
                }
                buf.flip();
                if (!isZero(buf)) {
                    out.add(new long[] {pos, pos + len});
                }
            }
        } catch (IOException e) {
            throw new SoapFault("FileFault", "cannot read the disk: " + e.getMessage());
        }
        return merge(out);
    }

    private static List<long[]> merge(List<long[]> in) {
        List<long[]> sorted = new ArrayList<>(in);
        sorted.sort((a, b) -> Long.compare(a[0], b[0]));
        List<long[]> out = new ArrayList<>();
        for (long[] a : sorted) {
            if (!out.isEmpty() && a[0] <= out.get(out.size() - 1)[1]) {
                long[] last = out.get(out.size() - 1);
                last[1] = Math.max(last[1], a[1]);
            } else {
                out.add(new long[] {a[0], a[1]});
            }
        }
        return out;
    }

    // ---- property collector ----

    private String retrieveProperties(Element m) throws SoapFault {
        Element spec = child(m, "specSet");
        Element propSet = child(spec, "propSet");
        String type = text(propSet, "type");
        List<String> paths = new ArrayList<>();
        for (Element p : children(propSet, "pathSet")) {
            paths.add(p.getTextContent().trim());
        }
        Element objectSet = child(spec, "objectSet");
        Element obj = child(objectSet, "obj");
        List<String> objects = new ArrayList<>();
        if ("ContainerView".equals(obj.getAttribute("type"))) {
            List<String> view = views.get(obj.getTextContent().trim());
            Element select = child(objectSet, "selectSet");
            if (view == null) {
                throw new SoapFault("ManagedObjectNotFound", "no view " + obj.getTextContent());
            }
            if (select == null || !"view".equals(text(select, "path"))) {
                throw new SoapFault("InvalidArgument", "the fake needs a TraversalSpec on path view");
            }
            objects.addAll(view);
        } else {
            objects.add(obj.getTextContent().trim());
        }
        Deque<String> rendered = new ArrayDeque<>();
        for (String o : objects) {
            rendered.add(objectContent(type, o, paths));
        }
        return page(rendered);
    }

    private String continueRetrieve(String token) throws SoapFault {
        Deque<String> rest = retrieveTokens.remove(token);
        if (rest == null) {
            throw new SoapFault("InvalidArgument", "A specified parameter was not correct: token");
        }
        return page(rest);
    }

    private String page(Deque<String> objects) {
        StringBuilder out = new StringBuilder("<returnval>");
        int n = 0;
        while (!objects.isEmpty() && n < retrievePageSize) {
            out.append(objects.poll());
            n++;
        }
        if (!objects.isEmpty()) {
            String token = Integer.toString(ids.getAndIncrement());
            retrieveTokens.put(token, objects);
            out.insert("<returnval>".length(), "<token>" + token + "</token>");
        }
        return out.append("</returnval>").toString();
    }

    private String objectContent(String type, String moref, List<String> paths) throws SoapFault {
        StringBuilder out = new StringBuilder("<objects><obj type=\"").append(type).append("\">").append(moref)
                .append("</obj>");
        for (String path : paths) {
            String val = switch (type) {
                case "VirtualMachine" -> vmProperty(vmByMoref(moref), path);
                case "VirtualMachineSnapshot" -> snapshotProperty(snapshotByMoref(moref), path);
                case "Task" -> taskProperty(moref, path);
                default -> throw new SoapFault("InvalidType", "type " + type + " is not known to the fake");
            };
            if (val != null) {
                out.append("<propSet><name>").append(path).append("</name>").append(val).append("</propSet>");
            }
        }
        return out.append("</objects>").toString();
    }

    private String vmProperty(Vm vm, String path) throws SoapFault {
        return switch (path) {
            case "name" -> "<val xsi:type=\"xsd:string\">" + esc(vm.name) + "</val>";
            case "runtime.powerState" -> "<val xsi:type=\"VirtualMachinePowerState\">" + vm.powerState + "</val>";
            case "config.changeTrackingEnabled" -> "<val xsi:type=\"xsd:boolean\">" + vm.cbt + "</val>";
            case "config.firmware" -> "<val xsi:type=\"xsd:string\">" + vm.firmware + "</val>";
            case "config.hardware.memoryMB" -> "<val xsi:type=\"xsd:int\">" + vm.memoryMB + "</val>";
            case "config.hardware.numCPU" -> "<val xsi:type=\"xsd:int\">" + vm.numCpu + "</val>";
            case "config.hardware.device" -> devices(vm);
            case "snapshot" -> snapshotTree(vm);
            default -> throw new SoapFault("InvalidProperty", "path " + path + " is not known to the fake");
        };
    }

    private String devices(Vm vm) {
        StringBuilder out = new StringBuilder("<val xsi:type=\"ArrayOfVirtualDevice\">");
        // devices the client must skip, with elements newer than vSphere 6.0
        out.append("<VirtualDevice xsi:type=\"ParaVirtualSCSIController\"><key>1000</key><deviceInfo>"
                + "<label>SCSI controller 0</label><summary>VMware paravirtual SCSI</summary></deviceInfo>"
                + "<busNumber>0</busNumber><sharedBus>noSharing</sharedBus><scsiCtlrUnitNumber>7</scsiCtlrUnitNumber>"
                + "</VirtualDevice>");
        for (int i = 0; i < vm.disks.size(); i++) {
            Disk d = vm.disks.get(i);
            String fileName = String.format("[%s] %s/%s.vmdk", DATASTORE, vm.name, d.baseName);
            out.append(disk(d.key, i, fileName, d.capacity, vm.cbt ? d.uuid + "/" + d.epoch : null));
        }
        for (Nic n : vm.nics) {
            out.append("<VirtualDevice xsi:type=\"VirtualVmxnet3\"><key>").append(n.key())
                    .append("</key><deviceInfo><label>Network adapter ").append(n.key() - 3999)
                    .append("</label><summary>").append(n.network() == null ? "DVSwitch" : n.network())
                    .append("</summary></deviceInfo>");
            if (n.network() != null) {
                out.append("<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\"><deviceName>")
                        .append(esc(n.network())).append("</deviceName><useAutoDetect>false</useAutoDetect>")
                        .append("<network type=\"Network\">network-11</network></backing>");
            } else {
                out.append("<backing xsi:type=\"VirtualEthernetCardDistributedVirtualPortBackingInfo\"><port>")
                        .append("<switchUuid>50 2a</switchUuid><portgroupKey>").append(n.portgroupKey())
                        .append("</portgroupKey><portKey>12</portKey></port></backing>");
            }
            out.append("<connectable><startConnected>true</startConnected><connected>true</connected></connectable>")
                    .append("<controllerKey>100</controllerKey><unitNumber>7</unitNumber>")
                    .append("<addressType>assigned</addressType><macAddress>").append(n.mac())
                    .append("</macAddress><wakeOnLanEnabled>true</wakeOnLanEnabled>")
                    .append("<uptCompatibilityEnabled>true</uptCompatibilityEnabled></VirtualDevice>");
        }
        return out.append("</val>").toString();
    }

    private static String disk(int key, int unit, String fileName, long capacity, String changeId) {
        return "<VirtualDevice xsi:type=\"VirtualDisk\"><key>" + key + "</key><deviceInfo><label>Hard disk "
                + (unit + 1) + "</label><summary>" + capacity / 1024 + " KB</summary></deviceInfo>"
                + "<backing xsi:type=\"VirtualDiskFlatVer2BackingInfo\"><fileName>" + esc(fileName) + "</fileName>"
                + "<datastore type=\"Datastore\">datastore-11</datastore><backingObjectId></backingObjectId>"
                + "<diskMode>persistent</diskMode><split>false</split><writeThrough>false</writeThrough>"
                + "<thinProvisioned>true</thinProvisioned><uuid>6000C29a-fake</uuid>"
                + (changeId == null ? "" : "<changeId>" + esc(changeId) + "</changeId>")
                + "<contentId>abc</contentId><digestEnabled>false</digestEnabled><sharing>sharingNone</sharing>"
                + "</backing><controllerKey>1000</controllerKey><unitNumber>" + unit + "</unitNumber>"
                + "<capacityInKB>" + capacity / 1024 + "</capacityInKB><capacityInBytes>" + capacity
                + "</capacityInBytes><shares><shares>1000</shares><level>normal</level></shares>"
                + "<storageIOAllocation><limit>-1</limit></storageIOAllocation><diskObjectId>1-" + key
                + "</diskObjectId><nativeUnmanagedLinkedClone>false</nativeUnmanagedLinkedClone></VirtualDevice>";
    }

    private String snapshotTree(Vm vm) {
        if (vm.snapshots.isEmpty()) {
            return null;
        }
        StringBuilder out = new StringBuilder("<val xsi:type=\"VirtualMachineSnapshotInfo\">");
        out.append("<currentSnapshot type=\"VirtualMachineSnapshot\">").append(vm.current.moref)
                .append("</currentSnapshot>");
        for (Snapshot s : vm.snapshots) {
            if (s.parent == null) {
                tree(vm, s, "rootSnapshotList", out);
            }
        }
        return out.append("</val>").toString();
    }

    private void tree(Vm vm, Snapshot s, String tag, StringBuilder out) {
        out.append("<").append(tag).append("><snapshot type=\"VirtualMachineSnapshot\">").append(s.moref)
                .append("</snapshot><vm type=\"VirtualMachine\">").append(vm.moref).append("</vm><name>")
                .append(esc(s.name)).append("</name><description>").append(esc(s.description == null ? "" : s.description))
                .append("</description><id>").append(s.moref.substring("snapshot-".length())).append("</id>")
                .append("<createTime>").append(Instant.now()).append("</createTime><state>").append(vm.powerState)
                .append("</state><quiesced>").append(s.quiesced).append("</quiesced>")
                .append("<replaySupported>false</replaySupported>");
        for (Snapshot c : vm.snapshots) {
            if (c.parent == s) {
                tree(vm, c, "childSnapshotList", out);
            }
        }
        out.append("</").append(tag).append(">");
    }

    private String snapshotProperty(Snapshot s, String path) throws SoapFault {
        if (!path.equals("config.hardware.device")) {
            throw new SoapFault("InvalidProperty", "path " + path + " is not known to the fake");
        }
        StringBuilder out = new StringBuilder("<val xsi:type=\"ArrayOfVirtualDevice\">");
        int unit = 0;
        for (FrozenDisk d : s.disks) {
            out.append(disk(d.key(), unit++, d.fileName(), d.capacity(), d.changeId()));
        }
        return out.append("</val>").toString();
    }

    private String taskProperty(String moref, String path) throws SoapFault {
        Task t = tasks.get(moref);
        if (t == null) {
            throw new SoapFault("ManagedObjectNotFound", "The object 'vim.Task:" + moref + "' has already been deleted");
        }
        if (!path.equals("info")) {
            throw new SoapFault("InvalidProperty", "path " + path + " is not known to the fake");
        }
        String state;
        if (t.pollsLeft > 0) {
            t.pollsLeft--;
            state = "running";
        } else {
            state = t.error == null ? "success" : "error";
        }
        StringBuilder out = new StringBuilder("<val xsi:type=\"TaskInfo\"><key>").append(moref)
                .append("</key><task type=\"Task\">").append(moref).append("</task><descriptionId>fake</descriptionId>")
                .append("<state>").append(state).append("</state><cancelled>false</cancelled><cancelable>false")
                .append("</cancelable>");
        if (state.equals("error")) {
            out.append("<error><fault xsi:type=\"").append(t.error.type()).append("\"></fault><localizedMessage>")
                    .append(esc(t.error.message())).append("</localizedMessage></error>");
        }
        if (state.equals("success") && t.resultType != null) {
            out.append("<result type=\"").append(t.resultType).append("\" xsi:type=\"ManagedObjectReference\">")
                    .append(t.resultValue).append("</result>");
        }
        return out.append("<queueTime>").append(Instant.now()).append("</queueTime></val>").toString();
    }

    private Vm vmByMoref(String moref) throws SoapFault {
        Vm vm = vms.get(moref);
        if (vm == null) {
            throw new SoapFault("ManagedObjectNotFound", "The object 'vim.VirtualMachine:" + moref
                    + "' has already been deleted or has not been completely created");
        }
        return vm;
    }

    private Snapshot snapshotByMoref(String moref) throws SoapFault {
        for (Vm vm : vms.values()) {
            for (Snapshot s : vm.snapshots) {
                if (s.moref.equals(moref)) {
                    return s;
                }
            }
        }
        throw new SoapFault("ManagedObjectNotFound", "The object 'vim.vm.Snapshot:" + moref
                + "' has already been deleted or has not been completely created");
    }

    // ---- XML ----

    private static String fault(String type, String message) {
        return "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>" + esc(message)
                + "</faultstring><detail><" + type + "Fault xmlns=\"urn:vim25\" xsi:type=\"" + type + "\"></" + type
                + "Fault></detail></soapenv:Fault>";
    }

    private static void send(HttpExchange ex, int status, String body, String setCookie) throws IOException {
        String envelope = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope"
                + " xmlns:soapenc=\"http://schemas.xmlsoap.org/soap/encoding/\""
                + " xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
                + " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
                + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n<soapenv:Body>" + body
                + "</soapenv:Body>\n</soapenv:Envelope>";
        byte[] bytes = envelope.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/xml; charset=utf-8");
        if (setCookie != null) {
            ex.getResponseHeaders().add("Set-Cookie", setCookie);
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Element parseBody(byte[] req) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(req));
            Element body = child(doc.getDocumentElement(), "Body");
            List<Element> methods = body == null ? List.of() : children(body);
            if (methods.isEmpty()) {
                throw new IOException("no method");
            }
            return methods.get(0);
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException e) {
            throw new IOException(e.getMessage());
        }
    }

    private static String local(Node n) {
        return n.getLocalName() != null ? n.getLocalName() : n.getNodeName();
    }

    private static List<Element> children(Element e) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                out.add(c);
            }
        }
        return out;
    }

    private static List<Element> children(Element e, String name) {
        return children(e).stream().filter(c -> local(c).equals(name)).toList();
    }

    private static Element child(Element e, String name) {
        if (e == null) {
            return null;
        }
        for (Element c : children(e)) {
            if (local(c).equals(name)) {
                return c;
            }
        }
        return null;
    }

    private static String text(Element e, String name) {
        Element c = child(e, name);
        return c == null ? null : c.getTextContent().trim();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
