package org.v2vwrapper.output.rhv.fake;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small oVirt engine for tests: the part of the REST API (v4, XML) and of the SSO service that
 * ovirt-engine-sdk-java 4.4.5 uses for the wrapper, with state kept between calls and a record of every call.
 *
 * <ul>
 *   <li>{@code POST /ovirt-engine/sso/oauth/token} (form {@code grant_type=password}, {@code scope},
 *       {@code username}, {@code password}) → JSON {@code access_token}, or {@code 400} JSON
 *       {@code error_code=access_denied} on bad credentials, as the engine's SSO answers;</li>
 *   <li>{@code POST /ovirt-engine/services/sso-logout} (form {@code scope}, {@code token}) → JSON {@code {}}, the
 *       token is revoked (this is what {@code Connection.close()} calls);</li>
 *   <li>under {@code /ovirt-engine/api}, with {@code Authorization: Bearer <token>} (else {@code 401}):
 *       {@code GET vms[?search=]}, {@code GET vms/{id}}, {@code GET storagedomains[?search=]},
 *       {@code GET clusters[?search=]}, {@code GET disks[?search=alias=…&max=]}, {@code GET disks/{id}} (with
 *       {@code all_content=true} also the {@code vms} it is attached to, as the engine populates them only then),
 *       {@code DELETE disks/{id}} ({@code 409} fault while
 *       locked), {@code GET imagetransfers}, {@code POST imagetransfers/{id}/cancel};</li>
 *   <li>for two-phase: {@code POST disks} ({@code name}, {@code format}, {@code sparse},
 *       {@code provisioned_size}, {@code storage_domains/storage_domain@id}; the disk is {@code locked} for
 *       {@link #setCreatedLockedGets} reads, then {@code ok}), {@code GET|POST vms/{id}/diskattachments},
 *       {@code GET|DELETE vms/{id}/diskattachments/{disk id}} (a detached attachment is still listed for
 *       {@link #setDetachAfterGets} reads), {@code POST vms} ({@code name}, {@code cluster@id},
 *       {@code template/name}, {@code memory}, {@code cpu/topology/{sockets,cores,threads}}, {@code os/type},
 *       {@code bios/type}, {@code type}), {@code GET|POST vms/{id}/nics} ({@code name}, {@code interface},
 *       {@code mac/address}, {@code vnic_profile@id}), {@code DELETE vms/{id}[?detach_only=true]},
 *       {@code GET vnicprofiles}. Element names are those of the SDK's {@code XmlDiskWriter},
 *       {@code XmlDiskAttachmentWriter/Reader}, {@code XmlVmWriter}, {@code XmlNicWriter},
 *       {@code XmlCpuTopologyWriter}, {@code XmlBiosWriter}, {@code XmlOperatingSystemWriter} and
 *       {@code XmlVnicProfileReader} of 4.4.5 ({@code javap -c}). The bodies of these POSTs are kept
 *       ({@link #posted}); they carry no secrets.</li>
 * </ul>
 *
 * <p>Two-phase pre-copy: {@link #setVmStatus} makes the conversion host's VM {@code up}; {@link #devDiskById}
 * makes attaching to it create the {@code virtio-<disk id[:20]>} link to a sparse backing file; deleting a disk
 * still attached to a VM that is up is refused ({@code 409}), as the engine does.
 *
 * <p>Disks model what rhv-upload leaves behind: a disk is {@code locked} while an active image transfer writes
 * to it; after the transfer is cancelled it stays {@code locked} for {@link #setUnlockAfterGets} more reads of
 * the disk, then becomes {@link #setStatusAfterCancel the configured status} ({@code ok} by default).
 *
 * <p>Search understands what the wrapper sends: {@code name=value}, {@code name="value"}, {@code id=value},
 * with {@code *} as a wildcard, case-insensitive unless {@code case_sensitive=true}.
 */
public final class FakeOvirtEngine implements AutoCloseable {
    public static final String API = "/ovirt-engine/api";
    public static final String SSO_TOKEN = "/ovirt-engine/sso/oauth/token";
    public static final String SSO_LOGOUT = "/ovirt-engine/services/sso-logout";
    /**
     * Not part of the engine: lets a fake virt-v2v in another process create what rhv-upload would create.
     * {@code POST /fake-control/vms?id=&name=}, {@code POST /fake-control/disks?id=&status=[&name=&description=
 * &storage_domain=<name>]} (with a name: a disk as rhv-upload creates it),
     * {@code POST /fake-control/imagetransfers?disk_id=&phase=} (answers the new id as text). Not recorded in
     * {@link #calls()}.
     */
    public static final String CONTROL = "/fake-control/";

    /** One request as the engine saw it. {@code query} is decoded; bodies are not recorded (they hold passwords). */
    public record Call(String method, String path, Map<String, String> query, int status, boolean authorized) {
        public boolean is(String method, String path) {
            return this.method.equals(method) && this.path.equals(path);
        }

        @Override
        public String toString() {
            return method + " " + path + (query.isEmpty() ? "" : " " + query) + " -> " + status;
        }
    }

    public record Vm(String id, String name, String status, String clusterId) {
    }

    /** What {@code POST vms} asked for, beyond the name and cluster. */
    public record VmSpec(String template, long memory, int sockets, int cores, int threads, String osType,
                         String biosType, String type) {
    }

    /** A disk attached to a VM; {@code detachGetsLeft >= 0} once a DELETE asked to detach it. */
    public static final class DiskAttachment {
        final String vmId;
        final String diskId;
        final String iface;
        final boolean bootable;
        final boolean active;
        volatile int detachGetsLeft = -1;

        DiskAttachment(String vmId, String diskId, String iface, boolean bootable, boolean active) {
            this.vmId = vmId;
            this.diskId = diskId;
            this.iface = iface;
            this.bootable = bootable;
            this.active = active;
        }

        public String vmId() {
            return vmId;
        }

        public String diskId() {
            return diskId;
        }

        public String iface() {
            return iface;
        }

        public boolean bootable() {
            return bootable;
        }

        public boolean active() {
            return active;
        }
    }

    public record Nic(String id, String vmId, String name, String iface, String mac, String vnicProfileId) {
    }

    public record VnicProfile(String id, String name, String networkId) {
    }

    /** One POST body of the two-phase calls, as received. */
    public record Posted(String path, String body) {
    }

    public record StorageDomain(String id, String name, String type, String storageType) {
    }

    public record Cluster(String id, String name) {
    }

    public static final class Disk {
        final String id;
        final String alias;
        volatile String status;
        volatile int lockedGetsLeft = -1;
        volatile String format = "raw";
        volatile boolean sparse = true;
        volatile long provisionedSize = 1073741824L;
        volatile String storageDomainId;
        volatile String description;
        volatile int unlockToOkGets = -1;

        Disk(String id, String alias, String status) {
            this.id = id;
            this.alias = alias;
            this.status = status;
        }

        public String id() {
            return id;
        }

        public String status() {
            return status;
        }

        public String alias() {
            return alias;
        }

        public String format() {
            return format;
        }

        public boolean sparse() {
            return sparse;
        }

        public long provisionedSize() {
            return provisionedSize;
        }

        public String storageDomainId() {
            return storageDomainId;
        }

        public String description() {
            return description;
        }
    }

    public static final class ImageTransfer {
        final String id;
        final String diskId;
        final String imageId;
        volatile String phase;
        /** A client (imageio session) is connected; null: as the phase says (an active phase has one). */
        volatile Boolean session;

        ImageTransfer(String id, String diskId, String imageId, String phase) {
            this.id = id;
            this.diskId = diskId;
            this.imageId = imageId;
            this.phase = phase;
        }

        public String id() {
            return id;
        }

        public String phase() {
            return phase;
        }
    }

    private static final Set<String> ACTIVE_PHASES = Set.of("initializing", "transferring", "resuming",
            "paused_system", "paused_user", "unknown");

    private final HttpServer server;
    private final ExecutorService executor;
    private final boolean https;

    private volatile String user = "admin@internal";
    private volatile String password = "engine-secret";
    private volatile int unlockAfterGets = 2;
    private volatile String statusAfterCancel = "ok";
    private volatile boolean emptyNotFoundBody = true;
    private volatile Duration apiDelay = Duration.ZERO;
    private volatile int createdLockedGets = 1;
    private volatile int detachAfterGets = 1;
    private final List<String[]> failures = new CopyOnWriteArrayList<>();
    private final List<Object[]> delayedFailures = new CopyOnWriteArrayList<>();

    private final Map<String, Vm> vms = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, StorageDomain> storageDomains = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, Cluster> clusters = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, Disk> disks = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, ImageTransfer> transfers = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, VmSpec> vmSpecs = new ConcurrentHashMap<>();
    private final List<DiskAttachment> attachments = new CopyOnWriteArrayList<>();
    private final Map<String, Nic> nics = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, VnicProfile> vnicProfiles = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<Posted> posted = new CopyOnWriteArrayList<>();
    private final Map<String, java.nio.file.Path[]> devDiskById = new ConcurrentHashMap<>();
    private final Map<String, java.nio.file.Path> backings = new ConcurrentHashMap<>();
    private final Set<String> liveTokens = ConcurrentHashMap.newKeySet();
    private final List<String> issuedTokens = new CopyOnWriteArrayList<>();
    private final List<String> revokedTokens = new CopyOnWriteArrayList<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    private FakeOvirtEngine(HttpServer server, ExecutorService executor, boolean https) {
        this.server = server;
        this.executor = executor;
        this.https = https;
    }

    /** An HTTPS engine on a free port of 127.0.0.1, with a certificate from {@link TestCa#shared()}. */
    public static FakeOvirtEngine start() throws IOException {
        return start(TestCa.shared());
    }

    /** An HTTPS engine on a free port of 127.0.0.1, presenting the server certificate of {@code ca}. */
    public static FakeOvirtEngine start(TestCa ca) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ca.serverContext()));
        return started(server, true);
    }

    /** A plain-HTTP engine on a free port of 127.0.0.1. */
    public static FakeOvirtEngine startHttp() throws IOException {
        return started(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), false);
    }

    private static FakeOvirtEngine started(HttpServer server, boolean https) {
        ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "fake-ovirt-engine");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        FakeOvirtEngine engine = new FakeOvirtEngine(server, executor, https);
        server.createContext("/", engine::handle);
        server.start();
        return engine;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The API URL, e.g. {@code https://localhost:41234/ovirt-engine/api}. */
    public String url() {
        return url("localhost");
    }

    /** The API URL with another host name for the same server (e.g. {@code 127.0.0.1}). */
    public String url(String host) {
        return (https ? "https" : "http") + "://" + host + ":" + port() + API;
    }

    // ----- configuration -----

    public FakeOvirtEngine setCredentials(String user, String password) {
        this.user = user;
        this.password = password;
        return this;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** How many reads of a disk still answer {@code locked} after its transfer was cancelled (default 2). */
    public FakeOvirtEngine setUnlockAfterGets(int n) {
        this.unlockAfterGets = n;
        return this;
    }

    /** The status a disk takes once it unlocks after a cancel ({@code ok} or {@code illegal}; default ok). */
    public FakeOvirtEngine setStatusAfterCancel(String status) {
        this.statusAfterCancel = status;
        return this;
    }

    /** Whether a 404 has an empty body (default) or a {@code <fault>} body. */
    public FakeOvirtEngine setEmptyNotFoundBody(boolean empty) {
        this.emptyNotFoundBody = empty;
        return this;
    }

    /** Every API answer (not SSO) waits this long first: to test timeouts. */
    public FakeOvirtEngine setApiDelay(Duration delay) {
        this.apiDelay = delay;
        return this;
    }

    /** How many reads of a disk made by {@code POST disks} answer {@code locked} before it is {@code ok} (default 1). */
    public FakeOvirtEngine setCreatedLockedGets(int n) {
        this.createdLockedGets = n;
        return this;
    }

    /** How many reads still show an attachment after its DELETE (default 1). */
    public FakeOvirtEngine setDetachAfterGets(int n) {
        this.detachAfterGets = n;
        return this;
    }

    /** The next request with this method whose path (under the API) matches {@code pathRegex} gets a 400 fault. */
    public FakeOvirtEngine failNext(String method, String pathRegex) {
        failures.add(new String[] {method, pathRegex});
        return this;
    }

    /**
     * The first {@code passes} requests with this method whose path (under the API) matches {@code pathRegex}
     * go through, the next one gets a 400 fault (to fail the second of two identical calls).
     */
    public FakeOvirtEngine failAfter(String method, String pathRegex, int passes) {
        delayedFailures.add(new Object[] {method, pathRegex, new java.util.concurrent.atomic.AtomicInteger(passes)});
        return this;
    }

    /** A vNIC profile {@code name} of the network {@code networkId}; returns its id. */
    public String addVnicProfile(String name, String networkId) {
        String id = UUID.randomUUID().toString();
        vnicProfiles.put(id, new VnicProfile(id, name, networkId));
        return id;
    }

    /** Sets a VM's {@code status} ({@code up}, {@code down}, ...); VMs start {@code down}. */
    public FakeOvirtEngine setVmStatus(String vmId, String status) {
        Vm vm = vms.get(vmId);
        vms.put(vmId, new Vm(vm.id(), vm.name(), status, vm.clusterId()));
        return this;
    }

    /**
     * Makes {@code vmId} behave as the host the test runs on: attaching a disk to it creates
     * {@code <linkDir>/virtio-<disk id[:20]>}, a symlink to a sparse file of the disk's provisioned size under
     * {@code backingDir} (as udev links a virtio disk by its serial); detaching removes the link, deleting the
     * disk removes the file.
     */
    public FakeOvirtEngine devDiskById(String vmId, java.nio.file.Path linkDir, java.nio.file.Path backingDir) {
        devDiskById.put(vmId, new java.nio.file.Path[] {linkDir, backingDir});
        return this;
    }

    /** The sparse file behind a disk attached to a {@link #devDiskById} VM, or null. */
    public java.nio.file.Path backing(String diskId) {
        return backings.get(diskId);
    }

    private void linkDevice(String vmId, Disk d) {
        java.nio.file.Path[] dirs = devDiskById.get(vmId);
        if (dirs == null) {
            return;
        }
        try {
            java.nio.file.Path file = backings.get(d.id);
            if (file == null) {
                file = dirs[1].resolve("disk-" + d.id);
                try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                    f.setLength(d.provisionedSize);
                }
                backings.put(d.id, file);
            }
            java.nio.file.Path link = dirs[0].resolve("virtio-" + d.id.substring(0, Math.min(20, d.id.length())));
            java.nio.file.Files.deleteIfExists(link);
            java.nio.file.Files.createSymbolicLink(link, file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void unlinkDevice(String vmId, String diskId) {
        java.nio.file.Path[] dirs = devDiskById.get(vmId);
        if (dirs != null) {
            try {
                java.nio.file.Files.deleteIfExists(dirs[0].resolve("virtio-" + diskId.substring(0, Math.min(20, diskId.length()))));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Attaches an existing disk to a VM (as the pre-copy leaves them on the conversion host). */
    public void attachDisk(String vmId, String diskId) {
        attachments.add(new DiskAttachment(vmId, diskId, "virtio", false, true));
    }

    public String addVm(String name) {
        return addVm(UUID.randomUUID().toString(), name);
    }

    public String addVm(String id, String name) {
        vms.put(id, new Vm(id, name, "down", null));
        return id;
    }

    /** A data storage domain; {@code storageType} is the model's StorageType ({@code nfs}, {@code iscsi}, ...). */
    public String addStorageDomain(String name, String storageType) {
        return addStorageDomain(UUID.randomUUID().toString(), name, "data", storageType);
    }

    public String addStorageDomain(String id, String name, String domainType, String storageType) {
        storageDomains.put(id, new StorageDomain(id, name, domainType, storageType));
        return id;
    }

    public String addCluster(String name) {
        String id = UUID.randomUUID().toString();
        clusters.put(id, new Cluster(id, name));
        return id;
    }

    public String addDisk(String id, String status) {
        disks.put(id, new Disk(id, "disk-" + id.substring(0, Math.min(8, id.length())), status));
        return id;
    }

    /**
     * A disk as virt-v2v's rhv-upload creates it ({@code rhv-upload-transfer.py}): alias {@code alias}
     * (rhv-upload's {@code <output name>-NNN}), description {@code Uploaded by virt-v2v}, on the storage domain
     * {@code storageDomainId}.
     */
    public String addUploadedDisk(String id, String alias, String storageDomainId, String status) {
        return addDisk(id, alias, "Uploaded by virt-v2v", storageDomainId, status);
    }

    public String addDisk(String id, String alias, String description, String storageDomainId, String status) {
        Disk d = new Disk(id, alias, status);
        d.description = description;
        d.storageDomainId = storageDomainId;
        disks.put(id, d);
        return id;
    }

    /** The id of the storage domain named {@code name} (the first), or null. */
    public String storageDomainId(String name) {
        return snapshot(storageDomains).stream().filter(sd -> sd.name().equals(name)).map(StorageDomain::id)
                .findFirst().orElse(null);
    }

    /** An image transfer writing to disk {@code diskId}; an active phase locks the disk. */
    public String addImageTransfer(String diskId, String phase) {
        return addImageTransfer(diskId, phase, null);
    }

    /**
     * As {@link #addImageTransfer(String, String)}, with or without a client session ({@code active} in the
     * engine's answer): a killed upload's transfer stays {@code transferring} with none.
     */
    public String addImageTransfer(String diskId, String phase, Boolean session) {
        String id = UUID.randomUUID().toString();
        ImageTransfer t = new ImageTransfer(id, diskId, UUID.randomUUID().toString(), phase);
        t.session = session;
        transfers.put(id, t);
        Disk disk = disks.get(diskId);
        if (disk != null && ACTIVE_PHASES.contains(phase)) {
            disk.status = "locked";
        }
        return id;
    }

    // ----- inspection -----

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<Call> calls(String method, String pathPrefix) {
        return calls.stream().filter(c -> c.method().equals(method) && c.path().startsWith(pathPrefix)).toList();
    }

    public List<Call> apiCalls() {
        return calls.stream().filter(c -> c.path().startsWith(API)).toList();
    }

    public void clearCalls() {
        calls.clear();
    }

    public boolean hasVm(String id) {
        return vms.containsKey(id);
    }

    public boolean hasDisk(String id) {
        return disks.containsKey(id);
    }

    public Disk disk(String id) {
        return disks.get(id);
    }

    public Vm vm(String id) {
        return vms.get(id);
    }

    public List<Vm> vms() {
        return snapshot(vms);
    }

    public VmSpec vmSpec(String id) {
        return vmSpecs.get(id);
    }

    public List<DiskAttachment> attachments(String vmId) {
        return attachments.stream().filter(a -> a.vmId.equals(vmId)).toList();
    }

    public List<Nic> nics(String vmId) {
        return snapshot(nics).stream().filter(n -> n.vmId().equals(vmId)).toList();
    }

    public List<Disk> disks() {
        return snapshot(disks);
    }

    public List<Posted> posted() {
        return List.copyOf(posted);
    }

    public ImageTransfer imageTransfer(String id) {
        return transfers.get(id);
    }

    public List<String> issuedTokens() {
        return List.copyOf(issuedTokens);
    }

    public List<String> revokedTokens() {
        return List.copyOf(revokedTokens);
    }

    public Set<String> liveTokens() {
        return Set.copyOf(liveTokens);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ----- HTTP -----

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        Map<String, String> query = parseForm(ex.getRequestURI().getRawQuery());
        Reply reply;
        boolean authorized = false;
        if (path.startsWith(CONTROL)) {
            control(ex, method, path.substring(CONTROL.length()), query);
            return;
        }
        try {
            if (path.equals(SSO_TOKEN)) {
                reply = token(method, parseForm(body(ex)));
            } else if (path.equals(SSO_LOGOUT)) {
                reply = logout(method, parseForm(body(ex)));
            } else if (path.startsWith(API)) {
                String body = body(ex);
                authorized = authorized(ex);
                if (!authorized) {
                    reply = new Reply(401, "text/html", "<html><body>Unauthorized</body></html>");
                } else {
                    if (!apiDelay.isZero()) {
                        Thread.sleep(apiDelay.toMillis());
                    }
                    reply = failure(method, path.substring(API.length()));
                    if (reply == null) {
                        reply = twoPhase(method, path.substring(API.length()), query, body);
                    }
                    if (reply == null) {
                        reply = api(method, path.substring(API.length()), query);
                    }
                }
            } else {
                reply = new Reply(404, "text/html", "<html><body>Not Found</body></html>");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply = new Reply(503, "text/plain", "");
        } catch (RuntimeException e) {
            reply = fault(500, "Internal Server Error", String.valueOf(e));
        }
        calls.add(new Call(method, path, query, reply.status, authorized));
        byte[] bytes = reply.body.getBytes(StandardCharsets.UTF_8);
        if (reply.contentType != null) {
            ex.getResponseHeaders().set("Content-Type", reply.contentType);
        }
        try {
            ex.sendResponseHeaders(reply.status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } catch (IOException ignored) {
            // the client went away (e.g. it aborted the request on its deadline)
        } finally {
            ex.close();
        }
    }

    private record Reply(int status, String contentType, String body) {
    }

    private void control(HttpExchange ex, String method, String what, Map<String, String> q) throws IOException {
        String answer;
        int status = 200;
        try {
            body(ex);
            if (!method.equals("POST")) {
                throw new IllegalArgumentException("POST only");
            }
            answer = switch (what) {
                case "vms" -> addVm(q.getOrDefault("id", UUID.randomUUID().toString()), q.get("name"));
                case "disks" -> q.containsKey("name")
                        ? addDisk(q.getOrDefault("id", UUID.randomUUID().toString()), q.get("name"),
                                q.get("description"), storageDomainId(q.getOrDefault("storage_domain", "")),
                                q.getOrDefault("status", "ok"))
                        : addDisk(q.getOrDefault("id", UUID.randomUUID().toString()), q.getOrDefault("status", "ok"));
                case "imagetransfers" -> addImageTransfer(q.get("disk_id"), q.getOrDefault("phase", "transferring"));
                default -> throw new IllegalArgumentException("unknown control " + what);
            };
        } catch (RuntimeException e) {
            status = 400;
            answer = String.valueOf(e.getMessage());
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        } finally {
            ex.close();
        }
    }

    private static String body(HttpExchange ex) throws IOException {
        return new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    private boolean authorized(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        return auth != null && auth.startsWith("Bearer ") && liveTokens.contains(auth.substring(7));
    }

    private Reply token(String method, Map<String, String> form) {
        if (!method.equals("POST")) {
            return new Reply(405, "text/plain", "");
        }
        if (!"password".equals(form.get("grant_type"))) {
            return json(400, "{\"error_code\":\"unsupported_grant_type\",\"error\":\"Unsupported grant type\"}");
        }
        if (!user.equals(form.get("username")) || !password.equals(form.get("password"))) {
            return json(400, "{\"error_code\":\"access_denied\",\"error\":\"Cannot authenticate user '"
                    + jsonEscape(String.valueOf(form.get("username")))
                    + "': The username or password is incorrect..\"}");
        }
        String token = UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
        liveTokens.add(token);
        issuedTokens.add(token);
        long exp = Instant.now().plus(Duration.ofHours(10)).toEpochMilli();
        return json(200, "{\"access_token\":\"" + token + "\",\"scope\":\"" + jsonEscape(form.getOrDefault("scope", ""))
                + "\",\"exp\":\"" + exp + "\",\"token_type\":\"bearer\"}");
    }

    private Reply logout(String method, Map<String, String> form) {
        if (!method.equals("POST")) {
            return new Reply(405, "text/plain", "");
        }
        String token = form.get("token");
        if (token != null && liveTokens.remove(token)) {
            revokedTokens.add(token);
        }
        return json(200, "{}");
    }

    private Reply api(String method, String rest, Map<String, String> query) {
        String[] parts = rest.replaceAll("^/+", "").split("/");
        String collection = parts[0];
        String id = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : null;
        String action = parts.length > 2 ? parts[2] : null;
        boolean caseSensitive = !"false".equalsIgnoreCase(query.getOrDefault("case_sensitive", "true"));
        Predicate<Map<String, String>> search = searchPredicate(query.get("search"), caseSensitive);
        switch (collection) {
            case "vms":
                if (method.equals("GET") && id == null) {
                    return xml(200, list("vms", snapshot(vms).stream()
                            .filter(v -> search.test(Map.of("name", v.name(), "id", v.id())))
                            .map(this::vmXml).toList()));
                }
                if (method.equals("GET") && action == null) {
                    Vm vm = vms.get(id);
                    return vm == null ? notFound() : xml(200, vmXml(vm));
                }
                if (method.equals("DELETE") && action == null) {
                    Vm vm = vms.remove(id);
                    if (vm == null) {
                        return notFound();
                    }
                    boolean detachOnly = "true".equalsIgnoreCase(query.get("detach_only"));
                    for (DiskAttachment a : attachments(id)) {
                        attachments.remove(a);
                        if (!detachOnly) {
                            disks.remove(a.diskId);
                        }
                    }
                    synchronized (nics) {
                        nics.values().removeIf(n -> n.vmId().equals(id));
                    }
                    vmSpecs.remove(id);
                    return new Reply(200, null, "");
                }
                break;
            case "storagedomains":
                if (method.equals("GET") && id == null) {
                    return xml(200, list("storage_domains", snapshot(storageDomains).stream()
                            .filter(s -> search.test(Map.of("name", s.name(), "id", s.id())))
                            .map(this::storageDomainXml).toList()));
                }
                if (method.equals("GET") && action == null) {
                    StorageDomain sd = storageDomains.get(id);
                    return sd == null ? notFound() : xml(200, storageDomainXml(sd));
                }
                break;
            case "clusters":
                if (method.equals("GET") && id == null) {
                    return xml(200, list("clusters", snapshot(clusters).stream()
                            .filter(c -> search.test(Map.of("name", c.name(), "id", c.id())))
                            .map(this::clusterXml).toList()));
                }
                if (method.equals("GET") && action == null) {
                    Cluster c = clusters.get(id);
                    return c == null ? notFound() : xml(200, clusterXml(c));
                }
                break;
            case "disks":
                if (id == null && method.equals("GET")) {
                    // The engine's disk search knows alias and description (DiskConditionFieldAutoCompleter);
                    // "name" is the fake's older spelling of alias.
                    long max = Long.parseLong(query.getOrDefault("max", String.valueOf(Long.MAX_VALUE)));
                    return xml(200, list("disks", snapshot(disks).stream()
                            .filter(d -> search.test(fields("name", d.alias, "alias", d.alias, "id", d.id,
                                    "description", d.description)))
                            .limit(max).map(this::diskXml).toList()));
                }
                if (id != null && action == null && method.equals("GET")) {
                    Disk d = disks.get(id);
                    if (d == null) {
                        return notFound();
                    }
                    synchronized (d) {
                        if (d.unlockToOkGets == 0) {
                            d.status = "ok";
                            d.unlockToOkGets = -1;
                        } else if (d.unlockToOkGets > 0) {
                            d.unlockToOkGets--;
                        }
                        String shown = d.status;
                        if (d.lockedGetsLeft == 0) {
                            d.status = statusAfterCancel;
                            d.lockedGetsLeft = -1;
                            shown = d.status;
                        } else if (d.lockedGetsLeft > 0) {
                            d.lockedGetsLeft--;
                        }
                        boolean allContent = "true".equalsIgnoreCase(query.get("all_content"));
                        return xml(200, diskXml(d, shown, allContent));
                    }
                }
                if (id != null && action == null && method.equals("DELETE")) {
                    Disk d = disks.get(id);
                    if (d == null) {
                        return notFound();
                    }
                    if ("locked".equals(d.status)) {
                        return fault(409, "Operation Failed",
                                "[Cannot remove Virtual Disk. Related operation is currently in progress. Please try again later.]");
                    }
                    if (attachments.stream().anyMatch(a -> a.diskId.equals(id) && vms.containsKey(a.vmId)
                            && "up".equals(vms.get(a.vmId).status()))) {
                        return fault(409, "Operation Failed",
                                "[Cannot remove Virtual Disk. The disk is attached to a running VM.]");
                    }
                    disks.remove(id);
                    java.nio.file.Path file = backings.remove(id);
                    if (file != null) {
                        try {
                            java.nio.file.Files.deleteIfExists(file);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                    return new Reply(200, null, "");
                }
                break;
            case "imagetransfers":
                if (id == null && method.equals("GET")) {
                    return xml(200, list("image_transfers", snapshot(transfers).stream()
                            .map(this::transferXml).toList()));
                }
                if (id != null && action == null && method.equals("GET")) {
                    ImageTransfer t = transfers.get(id);
                    return t == null ? notFound() : xml(200, transferXml(t));
                }
                if (id != null && "cancel".equals(action) && method.equals("POST")) {
                    ImageTransfer t = transfers.get(id);
                    if (t == null) {
                        return notFound();
                    }
                    if (!ACTIVE_PHASES.contains(t.phase)) {
                        return fault(409, "Operation Failed", "[Cannot cancel the image transfer: it is " + t.phase + ".]");
                    }
                    t.phase = "cancelled_user";
                    Disk d = disks.get(t.diskId);
                    if (d != null) {
                        synchronized (d) {
                            d.status = "locked";
                            d.lockedGetsLeft = unlockAfterGets;
                        }
                    }
                    return xml(200, "<action>\n  <status>complete</status>\n</action>\n");
                }
                break;
            default:
                break;
        }
        return notFound();
    }

    private Reply failure(String method, String rest) {
        for (Object[] f : delayedFailures) {
            if (f[0].equals(method) && rest.matches((String) f[1])
                    && ((java.util.concurrent.atomic.AtomicInteger) f[2]).getAndDecrement() == 0
                    && delayedFailures.remove(f)) {
                return fault(400, "Operation Failed", "[Injected failure of " + method + " " + rest + ".]");
            }
        }
        for (String[] f : failures) {
            if (f[0].equals(method) && rest.matches(f[1]) && failures.remove(f)) {
                return fault(400, "Operation Failed", "[Injected failure of " + method + " " + rest + ".]");
            }
        }
        return null;
    }

    /** The two-phase calls (see the class comment); null when the request is not one of them. */
    private Reply twoPhase(String method, String rest, Map<String, String> query, String body) {
        String[] parts = rest.replaceAll("^/+", "").split("/");
        String collection = parts[0];
        String id = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : null;
        String sub = parts.length > 2 ? parts[2] : null;
        String subId = parts.length > 3 ? URLDecoder.decode(parts[3], StandardCharsets.UTF_8) : null;
        if (method.equals("POST")) {
            posted.add(new Posted(rest, body));
        }
        if (collection.equals("disks") && id == null && method.equals("POST")) {
            FakeXml x = FakeXml.parse(body, "disk");
            String name = x.text("name") != null ? x.text("name") : x.text("alias");
            String provisioned = x.text("provisioned_size");
            String sd = x.attr("storage_domains/storage_domain", "id");
            if (name == null || provisioned == null || sd == null || x.text("format") == null) {
                return fault(400, "Incomplete parameters", "Disk [name, provisionedSize, format, storageDomain] required");
            }
            if (!storageDomains.containsKey(sd)) {
                return fault(404, "Operation Failed", "Entity not found: storage domain " + sd);
            }
            Disk d = new Disk(UUID.randomUUID().toString(), name, createdLockedGets > 0 ? "locked" : "ok");
            d.format = x.text("format");
            d.sparse = Boolean.parseBoolean(x.text("sparse"));
            d.provisionedSize = Long.parseLong(provisioned);
            d.storageDomainId = sd;
            d.unlockToOkGets = createdLockedGets > 0 ? createdLockedGets - 1 : -1;
            disks.put(d.id, d);
            return xml(201, diskXml(d));
        }
        if (collection.equals("vnicprofiles") && id == null && method.equals("GET")) {
            return xml(200, list("vnic_profiles", snapshot(vnicProfiles).stream().map(p ->
                    "<vnic_profile href=\"" + href("vnicprofiles", p.id()) + "\" id=\"" + p.id() + "\">\n"
                            + "  <name>" + esc(p.name()) + "</name>\n  <pass_through>\n    <mode>disabled</mode>\n"
                            + "  </pass_through>\n  <port_mirroring>false</port_mirroring>\n"
                            + "  <network href=\"" + href("networks", p.networkId()) + "\" id=\"" + p.networkId()
                            + "\"/>\n</vnic_profile>\n").toList()));
        }
        if (collection.equals("vms") && id == null && method.equals("POST")) {
            FakeXml x = FakeXml.parse(body, "vm");
            String name = x.text("name");
            String cluster = x.attr("cluster", "id");
            String template = x.text("template/name");
            if (name == null || cluster == null || template == null) {
                return fault(400, "Incomplete parameters", "Vm [name, cluster, template] required");
            }
            if (!clusters.containsKey(cluster)) {
                return fault(404, "Operation Failed", "Entity not found: cluster " + cluster);
            }
            if (snapshot(vms).stream().anyMatch(v -> v.name().equals(name))) {
                return fault(409, "Operation Failed", "[Cannot add VM. VM with the same name already exists.]");
            }
            String vmId = UUID.randomUUID().toString();
            vms.put(vmId, new Vm(vmId, name, "down", cluster));
            vmSpecs.put(vmId, new VmSpec(template, x.number("memory"), (int) x.number("cpu/topology/sockets"),
                    (int) x.number("cpu/topology/cores"), (int) x.number("cpu/topology/threads"),
                    String.valueOf(x.text("os/type")), String.valueOf(x.text("bios/type")),
                    x.text("type") == null ? "server" : x.text("type")));
            return xml(201, vmXml(vms.get(vmId)));
        }
        if (!collection.equals("vms") || id == null || sub == null) {
            return null;
        }
        if (!vms.containsKey(id)) {
            return notFound();
        }
        if (sub.equals("diskattachments")) {
            if (subId == null && method.equals("GET")) {
                return xml(200, list("disk_attachments", attachments(id).stream().filter(this::stillShown)
                        .map(this::attachmentXml).toList()));
            }
            if (subId == null && method.equals("POST")) {
                FakeXml x = FakeXml.parse(body, "disk_attachment");
                String diskId = x.attr("disk", "id");
                if (diskId == null || x.text("interface") == null) {
                    return fault(400, "Incomplete parameters", "DiskAttachment [disk.id, interface] required");
                }
                if (!disks.containsKey(diskId)) {
                    return fault(404, "Operation Failed", "Entity not found: disk " + diskId);
                }
                if (attachments.stream().anyMatch(a -> a.diskId.equals(diskId))) {
                    return fault(409, "Operation Failed", "[Cannot attach Virtual Disk. The disk is already attached to a VM.]");
                }
                DiskAttachment a = new DiskAttachment(id, diskId, x.text("interface"),
                        Boolean.parseBoolean(x.text("bootable")), Boolean.parseBoolean(x.text("active")));
                attachments.add(a);
                linkDevice(id, disks.get(diskId));
                return xml(201, attachmentXml(a));
            }
            DiskAttachment a = attachments(id).stream().filter(at -> at.diskId.equals(subId)).findFirst().orElse(null);
            if (a == null) {
                return notFound();
            }
            if (method.equals("GET")) {
                return stillShown(a) ? xml(200, attachmentXml(a)) : notFound();
            }
            if (method.equals("DELETE")) {
                if (a.detachGetsLeft >= 0) {
                    return fault(409, "Operation Failed", "[Cannot detach Virtual Disk. Related operation is currently in progress.]");
                }
                a.detachGetsLeft = detachAfterGets;
                unlinkDevice(id, a.diskId);
                if (detachAfterGets == 0) {
                    attachments.remove(a);
                }
                return new Reply(200, null, "");
            }
        }
        if (sub.equals("nics")) {
            if (subId == null && method.equals("GET")) {
                return xml(200, list("nics", nics(id).stream().map(this::nicXml).toList()));
            }
            if (subId == null && method.equals("POST")) {
                FakeXml x = FakeXml.parse(body, "nic");
                String profile = x.attr("vnic_profile", "id");
                if (x.text("name") == null) {
                    return fault(400, "Incomplete parameters", "Nic [name] required");
                }
                if (profile != null && !vnicProfiles.containsKey(profile)) {
                    return fault(404, "Operation Failed", "Entity not found: vnic profile " + profile);
                }
                Nic n = new Nic(UUID.randomUUID().toString(), id, x.text("name"),
                        x.text("interface") == null ? "virtio" : x.text("interface"), x.text("mac/address"), profile);
                nics.put(n.id(), n);
                return xml(201, nicXml(n));
            }
        }
        return null;
    }

    /** Counts a read of an attachment being detached; false once it is gone. */
    private boolean stillShown(DiskAttachment a) {
        synchronized (a) {
            if (a.detachGetsLeft < 0) {
                return true;
            }
            if (a.detachGetsLeft == 0) {
                attachments.remove(a);
                return false;
            }
            a.detachGetsLeft--;
            return true;
        }
    }

    private String attachmentXml(DiskAttachment a) {
        return "<disk_attachment href=\"" + API + "/vms/" + a.vmId + "/diskattachments/" + a.diskId + "\" id=\""
                + a.diskId + "\">\n  <active>" + a.active + "</active>\n  <bootable>" + a.bootable
                + "</bootable>\n  <interface>" + esc(a.iface) + "</interface>\n  <pass_discard>false</pass_discard>\n"
                + "  <read_only>false</read_only>\n  <uses_scsi_reservation>false</uses_scsi_reservation>\n"
                + "  <disk href=\"" + href("disks", a.diskId) + "\" id=\"" + a.diskId + "\"/>\n"
                + "  <vm href=\"" + href("vms", a.vmId) + "\" id=\"" + a.vmId + "\"/>\n</disk_attachment>\n";
    }

    private String nicXml(Nic n) {
        return "<nic href=\"" + API + "/vms/" + n.vmId() + "/nics/" + n.id() + "\" id=\"" + n.id() + "\">\n"
                + "  <name>" + esc(n.name()) + "</name>\n  <interface>" + esc(n.iface()) + "</interface>\n"
                + "  <linked>true</linked>\n"
                + (n.mac() == null ? "" : "  <mac>\n    <address>" + esc(n.mac()) + "</address>\n  </mac>\n")
                + "  <plugged>true</plugged>\n"
                + (n.vnicProfileId() == null ? "" : "  <vnic_profile href=\"" + href("vnicprofiles", n.vnicProfileId())
                        + "\" id=\"" + n.vnicProfileId() + "\"/>\n")
                + "  <vm href=\"" + href("vms", n.vmId()) + "\" id=\"" + n.vmId() + "\"/>\n</nic>\n";
    }

    private static <T> List<T> snapshot(Map<String, T> map) {
        synchronized (map) {
            return new ArrayList<>(map.values());
        }
    }

    private Reply notFound() {
        if (emptyNotFoundBody) {
            return new Reply(404, null, "");
        }
        return fault(404, "Operation Failed", "Entity not found: null");
    }

    // ----- search -----

    /** A search's fields; a null value (an unset attribute) matches nothing. */
    private static Map<String, String> fields(String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put(kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    private static final Pattern TERM = Pattern.compile("^\\s*(\\w+)\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|(\\S+))\\s*$");

    /** The engine's search, as far as the fake understands it: one {@code field=value} term. */
    public static Predicate<Map<String, String>> searchPredicate(String search, boolean caseSensitive) {
        if (search == null || search.isBlank()) {
            return m -> true;
        }
        Matcher m = TERM.matcher(search);
        if (!m.matches()) {
            throw new IllegalArgumentException("the fake engine does not understand the search '" + search + "'");
        }
        String field = m.group(1).toLowerCase(Locale.ROOT);
        String value = m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1") : m.group(3);
        String regex = java.util.Arrays.stream(value.split("\\*", -1)).map(Pattern::quote)
                .collect(java.util.stream.Collectors.joining(".*"));
        Pattern p = Pattern.compile(regex, caseSensitive ? 0 : Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        return fields -> fields.get(field) != null && p.matcher(fields.get(field)).matches();
    }

    // ----- XML, shaped like the engine's (see docs/ovirt.md) -----

    private static String href(String collection, String id) {
        return API + "/" + collection + "/" + id;
    }

    private static String list(String root, List<String> items) {
        StringBuilder sb = new StringBuilder("<").append(root).append(">\n");
        items.forEach(sb::append);
        return sb.append("</").append(root).append(">\n").toString();
    }

    private String vmXml(Vm vm) {
        StringBuilder sb = new StringBuilder();
        VmSpec spec = vmSpecs.get(vm.id());
        sb.append("<vm href=\"").append(href("vms", vm.id())).append("\" id=\"").append(vm.id()).append("\">\n")
                .append("  <name>").append(esc(vm.name())).append("</name>\n");
        if (spec != null) {
            sb.append("  <bios>\n    <type>").append(esc(spec.biosType())).append("</type>\n  </bios>\n")
                    .append("  <cpu>\n    <architecture>x86_64</architecture>\n    <topology>\n      <cores>")
                    .append(spec.cores()).append("</cores>\n      <sockets>").append(spec.sockets())
                    .append("</sockets>\n      <threads>").append(spec.threads())
                    .append("</threads>\n    </topology>\n  </cpu>\n")
                    .append("  <memory>").append(spec.memory()).append("</memory>\n")
                    .append("  <os>\n    <type>").append(esc(spec.osType())).append("</type>\n  </os>\n");
        }
        sb.append("  <status>").append(vm.status()).append("</status>\n")
                .append("  <type>").append(spec == null ? "server" : esc(spec.type())).append("</type>\n");
        if (vm.clusterId() != null) {
            sb.append("  <cluster href=\"").append(href("clusters", vm.clusterId())).append("\" id=\"")
                    .append(vm.clusterId()).append("\"/>\n");
        }
        return sb.append("</vm>\n").toString();
    }

    private String storageDomainXml(StorageDomain sd) {
        return "<storage_domain href=\"" + href("storagedomains", sd.id()) + "\" id=\"" + sd.id() + "\">\n"
                + "  <name>" + esc(sd.name()) + "</name>\n"
                + "  <available>38654705664</available>\n"
                + "  <committed>1073741824</committed>\n"
                + "  <external_status>ok</external_status>\n"
                + "  <master>true</master>\n"
                + "  <storage>\n"
                + "    <type>" + sd.storageType() + "</type>\n"
                + "  </storage>\n"
                + "  <storage_format>v5</storage_format>\n"
                + "  <type>" + sd.type() + "</type>\n"
                + "  <used>13958643712</used>\n"
                + "  <data_centers>\n"
                + "    <data_center href=\"" + API + "/datacenters/dc0\" id=\"dc0\"/>\n"
                + "  </data_centers>\n"
                + "</storage_domain>\n";
    }

    private String clusterXml(Cluster c) {
        return "<cluster href=\"" + href("clusters", c.id()) + "\" id=\"" + c.id() + "\">\n"
                + "  <name>" + esc(c.name()) + "</name>\n"
                + "  <data_center href=\"" + API + "/datacenters/dc0\" id=\"dc0\"/>\n"
                + "</cluster>\n";
    }

    private String diskXml(Disk d) {
        return diskXml(d, d.status, false);
    }

    /**
     * With {@code allContent} (the engine's {@code All-Content}, the SDK's {@code all_content=true}) the VMs the
     * disk is attached to, as {@code BackendDiskResource.doPopulate} adds them.
     */
    private String diskXml(Disk d, String status, boolean allContent) {
        List<String> vmIds = allContent ? attachments.stream().filter(a -> a.diskId.equals(d.id))
                .map(a -> a.vmId).distinct().toList() : List.of();
        return "<disk href=\"" + href("disks", d.id) + "\" id=\"" + d.id + "\">\n"
                + "  <name>" + esc(d.alias) + "</name>\n"
                + (d.description == null ? "" : "  <description>" + esc(d.description) + "</description>\n")
                + "  <alias>" + esc(d.alias) + "</alias>\n"
                + "  <content_type>data</content_type>\n"
                + "  <format>" + d.format + "</format>\n"
                + "  <provisioned_size>" + d.provisionedSize + "</provisioned_size>\n"
                + "  <shareable>false</shareable>\n"
                + "  <sparse>" + d.sparse + "</sparse>\n"
                + "  <status>" + status + "</status>\n"
                + "  <storage_type>image</storage_type>\n"
                + (d.storageDomainId == null ? "" : "  <storage_domains>\n    <storage_domain href=\""
                        + href("storagedomains", d.storageDomainId) + "\" id=\"" + d.storageDomainId
                        + "\"/>\n  </storage_domains>\n")
                + (vmIds.isEmpty() ? "" : "  <vms>\n" + vmIds.stream().map(v -> "    <vm href=\"" + href("vms", v)
                        + "\" id=\"" + v + "\"/>\n").collect(java.util.stream.Collectors.joining()) + "  </vms>\n")
                + "</disk>\n";
    }

    private String transferXml(ImageTransfer t) {
        return "<image_transfer href=\"" + href("imagetransfers", t.id) + "\" id=\"" + t.id + "\">\n"
                + "  <active>" + (t.session != null ? t.session && ACTIVE_PHASES.contains(t.phase)
                        : ACTIVE_PHASES.contains(t.phase)) + "</active>\n"
                + "  <direction>upload</direction>\n"
                + "  <format>raw</format>\n"
                + "  <phase>" + t.phase + "</phase>\n"
                + "  <transferred>0</transferred>\n"
                + "  <disk href=\"" + href("disks", t.diskId) + "\" id=\"" + t.diskId + "\"/>\n"
                + "  <image id=\"" + t.imageId + "\"/>\n"
                + "</image_transfer>\n";
    }

    private static Reply fault(int status, String reason, String detail) {
        return xml(status, "<fault>\n  <detail>" + esc(detail) + "</detail>\n  <reason>" + esc(reason)
                + "</reason>\n</fault>\n");
    }

    private static Reply xml(int status, String body) {
        return new Reply(status, "application/xml;charset=UTF-8",
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" + body);
    }

    private static Reply json(int status, String body) {
        return new Reply(status, "application/json", body);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String jsonEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    static Map<String, String> parseForm(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq >= 0 ? pair.substring(0, eq) : pair, StandardCharsets.UTF_8);
            String v = eq >= 0 ? URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8) : "";
            out.put(k, v);
        }
        return out;
    }
}
