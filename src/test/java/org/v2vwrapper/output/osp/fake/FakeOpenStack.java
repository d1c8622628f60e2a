package org.v2vwrapper.output.osp.fake;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A small, stateful OpenStack cloud on 127.0.0.1 for tests: Keystone v3 password authentication with project
 * scoped tokens and a service catalog that points compute, volumev3, network and image at this server, plus the
 * parts of Nova, Cinder v3, Neutron and Glance v2 an OpenStack conversion and an OpenStack → OpenStack migration use. JSON is shaped like the real APIs (api-ref), so
 * openstack4j parses it as it would a real cloud's.
 *
 * <p>Every request is recorded ({@link #calls()}) with the project of the token that made it. Resources are
 * per project: a transferred volume changes project, a port exists until deleted, a server boots from volumes
 * of its own project only. Failures can be injected ({@link #failOn}, {@link #delayOn}, {@link #nextServerFault}).
 *
 * <p>The source side of an OpenStack → OpenStack migration: Nova {@code os-stop} (the server is SHUTOFF after
 * {@link Server#stopPolls} GETs, or never), {@code createImage} (a Glance image in the server's project, id in the
 * Location header and in the 2.45+ body), {@code os-volume_attachments} GET/POST/DELETE with the {@code device}
 * field (next free {@code /dev/vdX}; {@code vda} is taken on image-booted servers), Cinder snapshots
 * (create with {@code force}, status, delete), volumes from snapshots ({@code snapshot_id}) and from images
 * ({@code imageRef}; bootable), {@code os-set_bootable}, the {@code in-use} state (deleting an attached volume, or
 * one with snapshots, is refused as Cinder does), Glance v2 images with {@code status} (queued → saving → active)
 * and {@code min_disk}. With {@link #storage} every volume, snapshot and image has a sparse backing file (copies
 * stay sparse), and with {@link #devDiskById} an attachment to that server creates
 * {@code virtio-<volume id[:20]>} there, a symlink to the volume's file. Faults: {@link #failNextVolume},
 * {@link #failNextSnapshot}, {@link #failNextImage}, {@link #stuckAttaching}, besides the HTTP ones.
 *
 * <p>JSON field names checked against openstack4j 3.12's model classes (javap of their Jackson annotations):
 * {@code NovaServer} ({@code image}, {@code accessIPv4}, {@code os-extended-volumes:volumes_attached}, {@code status}),
 * {@code NovaVolumeAttachment} ({@code volumeAttachment}: {@code id}, {@code serverId}, {@code volumeId},
 * {@code device}), {@code CinderVolume} ({@code snapshot_id}, {@code imageRef}, {@code bootable},
 * {@code description}, {@code volume_type}, {@code volume_image_metadata}, {@code attachments}),
 * Cinder's {@code os-set_image_metadata} volume action ({@code {"os-set_image_metadata": {"metadata": {…}}}},
 * shown back in {@code volume_image_metadata}; openstack4j has no call for it),
 * {@code CinderVolumeSnapshot} ({@code snapshot}: {@code volume_id}, {@code status}, {@code size}, {@code force}),
 * {@code GlanceImage} (unwrapped: {@code status}, {@code min_disk}, {@code size}, {@code disk_format}); and they
 * are driven through openstack4j in {@code FakeOpenStackSourceTest}.
 *
 * <p>Typical use: {@code start()}, {@code project(…)}, {@code user(…)}, seed servers/flavors/networks, point
 * {@code OS_AUTH_URL} at {@link #authUrl()}, run, assert on {@link #calls()} and the state, {@code close()}.
 */
public final class FakeOpenStack implements AutoCloseable {

    /** One HTTP request: method, path (no query), decoded query, the token's project (or null), and the body. */
    public record Call(String method, String path, String query, String project, String body) {
        @Override
        public String toString() {
            return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " [" + project + "]";
        }
    }

    public static final String REGION = "RegionOne";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter KEYSTONE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(java.time.ZoneOffset.UTC);
    private static final DateTimeFormatter CINDER_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS")
            .withZone(java.time.ZoneOffset.UTC);
    private static final DateTimeFormatter NOVA_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(java.time.ZoneOffset.UTC);

    // ----- model -----

    public static final class Project {
        public final String id;
        public final String name;
        public final String domainId;
        public final String domainName;

        Project(String id, String name, String domainId, String domainName) {
            this.id = id;
            this.name = name;
            this.domainId = domainId;
            this.domainName = domainName;
        }
    }

    public static final class User {
        public final String id;
        public final String name;
        public final String domainId;
        public final String domainName;
        final String password;
        public final List<String> projects = new ArrayList<>();

        User(String id, String name, String domainId, String domainName, String password) {
            this.id = id;
            this.name = name;
            this.domainId = domainId;
            this.domainName = domainName;
            this.password = password;
        }
    }

    record Token(String id, String userId, String projectId, Instant expires) {
    }

    public static final class Server {
        public final String id;
        public String name;
        public String project;
        public String status = "ACTIVE";
        public String faultMessage;
        public String flavorId;
        public final List<Map<String, Object>> blockDevices = new ArrayList<>();
        public final List<String> ports = new ArrayList<>();
        public final List<String> securityGroups = new ArrayList<>();
        /** Glance image id the server booted from, or null (boot from volume). */
        public String image;
        /** What openstacksdk/ssh would use to reach it (the source conversion host's address). */
        public String accessIPv4 = "";
        /** Image-booted servers: the file behind the root disk, copied by createImage (null: no data). */
        public java.nio.file.Path rootDisk;
        /** Size (GiB) of an image-booted server's root disk: the min_disk of its createImage images. */
        public int rootDiskGib = 1;
        /** GETs after os-stop before the server is SHUTOFF; &lt; 0: it never stops (shutdown timeout). */
        public int stopPolls = 1;
        int stopPollsLeft;
        boolean stopping;
        String pendingFault;
        boolean building;

        Server(String id, String name, String project) {
            this.id = id;
            this.name = name;
            this.project = project;
        }
    }

    public static final class Volume {
        public final String id;
        public String name;
        public String project;
        public String status = "available";
        public int size = 1;
        public final Map<String, String> metadata = new LinkedHashMap<>();
        /** server id → device */
        public final Map<String, String> attachments = new LinkedHashMap<>();
        public boolean bootable;
        public String description = "";
        public String snapshotId;
        public String imageId;
        public String volumeType;
        /** What {@code os-set_image_metadata} set (shown as {@code volume_image_metadata}). */
        public final Map<String, String> imageMetadata = new LinkedHashMap<>();
        /** The file holding the volume's bytes when {@link #storage} is set. */
        public java.nio.file.Path backingFile;
        int creatingPolls;
        String finalStatus = "available";
        boolean detachingOnce;

        Volume(String id, String name, String project) {
            this.id = id;
            this.name = name;
            this.project = project;
        }
    }

    public static final class Transfer {
        public final String id;
        public final String volumeId;
        public final String name;
        public final String project;
        final String authKey;

        Transfer(String id, String volumeId, String name, String project, String authKey) {
            this.id = id;
            this.volumeId = volumeId;
            this.name = name;
            this.project = project;
            this.authKey = authKey;
        }
    }

    public static final class Network {
        public final String id;
        public final String name;
        public final String project;
        public final boolean shared;
        public final List<String> subnets = new ArrayList<>();

        Network(String id, String name, String project, boolean shared) {
            this.id = id;
            this.name = name;
            this.project = project;
            this.shared = shared;
        }
    }

    public record Subnet(String id, String networkId, String cidr, String project) {
    }

    public static final class Port {
        public final String id;
        public final String name;
        public final String networkId;
        public final String project;
        public final String mac;
        /** subnet id → ip */
        public final Map<String, String> fixedIps = new LinkedHashMap<>();
        public final List<String> securityGroups = new ArrayList<>();
        public String deviceId = "";

        Port(String id, String name, String networkId, String project, String mac) {
            this.id = id;
            this.name = name;
            this.networkId = networkId;
            this.project = project;
            this.mac = mac;
        }
    }

    public record SecurityGroup(String id, String name, String project) {
    }

    /** A Cinder snapshot. */
    public static final class VolumeSnapshot {
        public final String id;
        public final String name;
        public final String volumeId;
        public final String project;
        public final int size;
        public String status = "creating";
        public String description = "";
        public java.nio.file.Path backingFile;
        int creatingPolls;
        String finalStatus = "available";

        VolumeSnapshot(String id, String name, String volumeId, String project, int size) {
            this.id = id;
            this.name = name;
            this.volumeId = volumeId;
            this.project = project;
            this.size = size;
        }
    }

    /** A Glance v2 image. */
    public static final class Image {
        public final String id;
        public final String name;
        public final String project;
        public String status = "queued";
        public int minDisk;
        public long size;
        public java.nio.file.Path backingFile;
        int savingPolls;
        String finalStatus = "active";

        Image(String id, String name, String project) {
            this.id = id;
            this.name = name;
            this.project = project;
        }
    }

    public record Flavor(String id, String name) {
    }

    private record Rule(String method, Pattern path, int status, String message, Duration delay, int[] remaining) {
    }

    private final HttpServer http;
    private final ExecutorService executor;
    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Project> projects = new LinkedHashMap<>();
    private final Map<String, User> users = new LinkedHashMap<>();
    private final Map<String, Token> tokens = new LinkedHashMap<>();
    private final Map<String, Server> servers = new LinkedHashMap<>();
    private final Map<String, Volume> volumes = new LinkedHashMap<>();
    private final Map<String, Transfer> transfers = new LinkedHashMap<>();
    private final Map<String, Network> networks = new LinkedHashMap<>();
    private final Map<String, Subnet> subnets = new LinkedHashMap<>();
    private final Map<String, Port> ports = new LinkedHashMap<>();
    private final Map<String, SecurityGroup> securityGroups = new LinkedHashMap<>();
    private final Map<String, Flavor> flavors = new LinkedHashMap<>();
    private final Map<String, String> volumeTypes = new LinkedHashMap<>();
    private final Map<String, VolumeSnapshot> snapshots = new LinkedHashMap<>();
    private final Map<String, Image> images = new LinkedHashMap<>();
    private final Map<String, java.nio.file.Path> devDiskById = new LinkedHashMap<>();
    private final java.util.Set<String> stuckAttaching = new java.util.HashSet<>();
    private java.nio.file.Path storage;
    private long bytesPerGib = 1L << 30;
    private int creationPolls = 1;
    private boolean nextVolumeError;
    private boolean nextSnapshotError;
    private boolean nextImageError;
    private final List<Rule> rules = new ArrayList<>();
    private Duration tokenLifetime = Duration.ofHours(1);
    private String nextServerFault;
    private int serverBuildPolls = 1;

    private FakeOpenStack(HttpServer http, ExecutorService executor) {
        this.http = http;
        this.executor = executor;
    }

    /** Starts a fake cloud on 127.0.0.1 and a free port. */
    /** {@code POST /fake-control/volumes?id=&project=&guest_id=&index=}: a volume as virt-v2v would make it. */
    public static final String CONTROL = "/fake-control/";

    public static FakeOpenStack start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-openstack");
            t.setDaemon(true);
            return t;
        });
        FakeOpenStack fake = new FakeOpenStack(server, executor);
        server.createContext("/", fake::handle);
        server.setExecutor(executor);
        server.start();
        return fake;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    /** {@code OS_AUTH_URL}: the Keystone v3 URL. */
    public String authUrl() {
        return baseUrl() + "/identity/v3";
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    // ----- seeding -----

    public synchronized Project project(String id, String name, String domainName) {
        Project p = new Project(id, name, domainName.toLowerCase(java.util.Locale.ROOT), domainName);
        projects.put(id, p);
        return p;
    }

    /** A user with a password and a role in each of {@code projectIds}. */
    public synchronized User user(String name, String domainName, String password, String... projectIds) {
        User u = new User("u-" + name, name, domainName.toLowerCase(java.util.Locale.ROOT), domainName, password);
        u.projects.addAll(List.of(projectIds));
        users.put(u.id, u);
        return u;
    }

    public synchronized Server addServer(String id, String project, String name) {
        Server s = new Server(id, name, project);
        servers.put(id, s);
        return s;
    }

    public synchronized Flavor addFlavor(String id, String name) {
        Flavor f = new Flavor(id, name);
        flavors.put(id, f);
        return f;
    }

    public synchronized void addVolumeType(String id, String name) {
        volumeTypes.put(id, name);
    }

    /** A volume as virt-v2v would leave it: in {@code project}, with the given status and metadata. */
    public synchronized Volume addVolume(String id, String project, String name, Map<String, String> metadata) {
        Volume v = new Volume(id, name, project);
        v.metadata.putAll(metadata);
        volumes.put(id, v);
        return v;
    }

    /** Attaches a volume to a server (e.g. virt-v2v's volume still on the conversion host). */
    public synchronized void attach(String volumeId, String serverId, String device) {
        Volume v = volumes.get(volumeId);
        v.attachments.put(serverId, device);
        v.status = "in-use";
    }

    public synchronized Network addNetwork(String id, String project, String name, boolean shared) {
        Network n = new Network(id, name, project, shared);
        networks.put(id, n);
        return n;
    }

    public synchronized Subnet addSubnet(String id, String networkId, String cidr) {
        Network n = networks.get(networkId);
        Subnet s = new Subnet(id, networkId, cidr, n.project);
        subnets.put(id, s);
        n.subnets.add(id);
        return s;
    }

    public synchronized Port addPort(String id, String project, String networkId, String mac) {
        Port p = new Port(id, "existing", networkId, project, mac);
        ports.put(id, p);
        return p;
    }

    public synchronized SecurityGroup addSecurityGroup(String id, String project, String name) {
        SecurityGroup g = new SecurityGroup(id, name, project);
        securityGroups.put(id, g);
        return g;
    }

    public synchronized void tokenLifetime(Duration d) {
        tokenLifetime = d;
    }

    /** The next server created goes to ERROR with this fault message (instead of ACTIVE). */
    public synchronized void nextServerFault(String message) {
        nextServerFault = message;
    }

    /** How many status polls a new server stays in BUILD (default 1). */
    public synchronized void serverBuildPolls(int n) {
        serverBuildPolls = n;
    }

    /**
     * Answers the next {@code times} requests matching {@code method} and the path regex (matched against the path
     * without the query) with an error of this status and message; {@code times} &lt; 0 means always.
     */
    public synchronized void failOn(String method, String pathRegex, int status, String message, int times) {
        rules.add(new Rule(method, Pattern.compile(pathRegex), status, message, Duration.ZERO, new int[] {times}));
    }

    /** Delays matching requests (to exercise timeouts). */
    public synchronized void delayOn(String method, String pathRegex, Duration delay, int times) {
        rules.add(new Rule(method, Pattern.compile(pathRegex), 0, null, delay, new int[] {times}));
    }

    // ----- inspection -----

    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** Forgets the calls so far (to assert on what a later part of a test does). */
    public void clearCalls() {
        synchronized (calls) {
            calls.clear();
        }
    }

    /** Calls whose "METHOD path" matches the regex. */
    public List<Call> calls(String methodAndPathRegex) {
        Pattern p = Pattern.compile(methodAndPathRegex);
        return calls().stream().filter(c -> p.matcher(c.method() + " " + c.path()).find()).toList();
    }

    public synchronized Optional<Volume> volume(String id) {
        return Optional.ofNullable(volumes.get(id));
    }

    public synchronized Optional<Server> server(String id) {
        return Optional.ofNullable(servers.get(id));
    }

    public synchronized List<Server> servers(String project) {
        return servers.values().stream().filter(s -> s.project.equals(project)).toList();
    }

    public synchronized List<Port> ports(String project) {
        return ports.values().stream().filter(p -> p.project.equals(project)).toList();
    }

    public synchronized List<Volume> volumes(String project) {
        return volumes.values().stream().filter(v -> v.project.equals(project)).toList();
    }

    public synchronized List<Transfer> transfers() {
        return List.copyOf(transfers.values());
    }

    // ----- HTTP -----

    private static final class Reply extends RuntimeException {
        final int status;
        final transient Object body;

        Reply(int status, Object body) {
            super(null, null, false, false);
            this.status = status;
            this.body = body;
        }
    }

    private record Request(String method, String path, Map<String, String> query, JsonNode body, Token token,
                           HttpExchange exchange) {
        String q(String name) {
            return query.get(name);
        }

        String project() {
            return token.projectId();
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getRawPath();
            String rawQuery = ex.getRequestURI().getRawQuery();
            Map<String, String> query = parseQuery(rawQuery);
            byte[] bodyBytes;
            try (InputStream in = ex.getRequestBody()) {
                bodyBytes = in.readAllBytes();
            }
            String bodyText = new String(bodyBytes, StandardCharsets.UTF_8);
            if (path.equals(CONTROL + "volumes") && method.equals("POST")) {
                // The fake virt-v2v "creates" a volume, as -o openstack does (not recorded as a call).
                addVolume(query.get("id"), query.get("project"), query.getOrDefault("name", "v2v"),
                        Map.of("virt_v2v_guest_id", query.get("guest_id"), "virt_v2v_disk_index",
                                query.getOrDefault("index", "0")));
                send(ex, 200, JSON.createObjectNode().put("id", query.get("id")));
                return;
            }
            Token token = token(ex.getRequestHeaders().getFirst("X-Auth-Token"));
            boolean isAuth = path.startsWith("/identity/v3/auth/tokens") && method.equals("POST");
            calls.add(new Call(method, path, rawQuery == null ? "" : decode(rawQuery),
                    token == null ? null : token.projectId(), isAuth ? "<credentials>" : bodyText));

            Rule rule = matchRule(method, path);
            if (rule != null && !rule.delay().isZero()) {
                try {
                    Thread.sleep(rule.delay().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } else if (rule != null) {
                send(ex, rule.status(), error(path, rule.status(), rule.message()));
                return;
            }
            JsonNode body = bodyBytes.length == 0 ? MissingNode.getInstance() : JSON.readTree(bodyBytes);
            Object result;
            int status;
            try {
                if (isAuth) {
                    authenticate(ex, body);
                    return;
                }
                if (token == null) {
                    throw new Reply(401, Map.of("error", Map.of("code", 401, "title", "Unauthorized",
                            "message", "The request you have made requires authentication.")));
                }
                Request r = new Request(method, path, query, body, token, ex);
                synchronized (this) {
                    result = route(r);
                }
                status = defaultStatus(method, path);
            } catch (Reply reply) {
                result = reply.body;
                status = reply.status;
            }
            send(ex, status, result);
        } catch (RuntimeException e) {
            send(ex, 500, Map.of("error", Map.of("code", 500, "message", String.valueOf(e))));
        }
    }

    private synchronized Rule matchRule(String method, String path) {
        for (Rule r : rules) {
            if (r.method().equalsIgnoreCase(method) && r.path().matcher(path).find() && r.remaining()[0] != 0) {
                if (r.remaining()[0] > 0) {
                    r.remaining()[0]--;
                }
                return r;
            }
        }
        return null;
    }

    private static int defaultStatus(String method, String path) {
        return switch (method) {
            case "POST" -> path.startsWith("/network/") ? 201 : 202;
            case "DELETE" -> path.startsWith("/network/") || path.startsWith("/compute/") && !path.contains("os-volume_attachments") ? 204 : 202;
            default -> 200;
        };
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        if (bytes.length > 0) {
            ex.getResponseHeaders().set("Content-Type", "application/json");
        }
        if (status == 204 || bytes.length == 0) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> parseQuery(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = decode(eq < 0 ? part : part.substring(0, eq));
            String v = eq < 0 ? "" : decode(part.substring(eq + 1));
            out.put(k, v);
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private synchronized Token token(String id) {
        if (id == null) {
            return null;
        }
        Token t = tokens.get(id);
        if (t == null || t.expires().isBefore(Instant.now())) {
            return null;
        }
        return t;
    }

    /** The error body each service uses. */
    private static Map<String, Object> error(String path, int status, String message) {
        if (path.startsWith("/network/")) {
            return Map.of("NeutronError", Map.of("type", status == 404 ? "NotFound" : "BadRequest",
                    "message", message, "detail", ""));
        }
        if (path.startsWith("/identity/")) {
            return Map.of("error", Map.of("code", status, "message", message, "title", "Error"));
        }
        String kind = switch (status) {
            case 400 -> "badRequest";
            case 403 -> "forbidden";
            case 404 -> "itemNotFound";
            case 409 -> "conflictingRequest";
            default -> "computeFault";
        };
        return Map.of(kind, Map.of("code", status, "message", message));
    }

    private static Reply fail(String path, int status, String message) {
        return new Reply(status, error(path, status, message));
    }

    // ----- Keystone -----

    private void authenticate(HttpExchange ex, JsonNode body) throws IOException {
        JsonNode auth = body.path("auth");
        JsonNode pw = auth.path("identity").path("password").path("user");
        User user;
        synchronized (this) {
            user = findUser(pw);
        }
        String password = pw.path("password").asText(null);
        if (user == null || !Objects.equals(user.password, password)) {
            send(ex, 401, error("/identity/", 401, "The request you have made requires authentication."));
            return;
        }
        JsonNode scope = auth.path("scope").path("project");
        Project project;
        synchronized (this) {
            project = findProject(scope);
        }
        if (project == null || !user.projects.contains(project.id)) {
            send(ex, 401, error("/identity/", 401, "The request you have made requires authentication."));
            return;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Token token;
        synchronized (this) {
            token = new Token("tok-" + UUID.randomUUID(), user.id, project.id, now.plus(tokenLifetime));
            tokens.put(token.id(), token);
        }
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("methods", List.of("password"));
        t.put("user", Map.of("id", user.id, "name", user.name,
                "domain", Map.of("id", user.domainId, "name", user.domainName)));
        t.put("audit_ids", List.of(UUID.randomUUID().toString().substring(0, 22)));
        t.put("expires_at", KEYSTONE_TIME.format(token.expires()));
        t.put("issued_at", KEYSTONE_TIME.format(now));
        t.put("project", Map.of("id", project.id, "name", project.name,
                "domain", Map.of("id", project.domainId, "name", project.domainName)));
        t.put("is_domain", false);
        t.put("roles", List.of(Map.of("id", "r-member", "name", "member"), Map.of("id", "r-reader", "name", "reader")));
        t.put("catalog", catalog(project.id));
        ex.getResponseHeaders().set("X-Subject-Token", token.id());
        send(ex, 201, Map.of("token", t));
    }

    private List<Map<String, Object>> catalog(String projectId) {
        String base = baseUrl();
        return List.of(
                service("nova", "compute", base + "/compute/v2.1"),
                service("cinderv3", "volumev3", base + "/volume/v3/" + projectId),
                service("neutron", "network", base + "/network"),
                service("glance", "image", base + "/image"),
                service("keystone", "identity", base + "/identity"));
    }

    private static Map<String, Object> service(String name, String type, String url) {
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (String iface : List.of("public", "internal", "admin")) {
            endpoints.add(Map.of("id", name + "-" + iface, "interface", iface, "region", REGION, "region_id", REGION,
                    "url", url));
        }
        return Map.of("id", "svc-" + name, "name", name, "type", type, "endpoints", endpoints);
    }

    private User findUser(JsonNode u) {
        String id = u.path("id").asText(null);
        if (id != null) {
            return users.get(id);
        }
        String name = u.path("name").asText(null);
        JsonNode d = u.path("domain");
        for (User user : users.values()) {
            if (user.name.equals(name) && domainMatches(d, user.domainId, user.domainName)) {
                return user;
            }
        }
        return null;
    }

    private Project findProject(JsonNode p) {
        String id = p.path("id").asText(null);
        if (id != null) {
            return projects.get(id);
        }
        String name = p.path("name").asText(null);
        for (Project project : projects.values()) {
            if (project.name.equals(name) && domainMatches(p.path("domain"), project.domainId, project.domainName)) {
                return project;
            }
        }
        return null;
    }

    private static boolean domainMatches(JsonNode d, String id, String name) {
        if (d.hasNonNull("id")) {
            return d.get("id").asText().equals(id);
        }
        return d.hasNonNull("name") && d.get("name").asText().equals(name);
    }

    // ----- routing -----

    private Object route(Request r) {
        String p = r.path();
        if (p.startsWith("/identity/v3/")) {
            return identity(r, p.substring("/identity/v3".length()));
        }
        if (p.startsWith("/compute/v2.1/")) {
            return compute(r, p.substring("/compute/v2.1".length()));
        }
        Matcher m = Pattern.compile("^/volume/v3/([^/]+)(/.*)$").matcher(p);
        if (m.matches()) {
            if (!m.group(1).equals(r.project())) {
                throw fail(p, 400, "Malformed request url");
            }
            return volume(r, m.group(2));
        }
        if (p.startsWith("/network/v2.0/")) {
            return network(r, p.substring("/network/v2.0".length()));
        }
        if (p.startsWith("/image/v2/")) {
            return image(r, p.substring("/image/v2".length()));
        }
        throw fail(p, 404, "The resource could not be found.");
    }

    private Object identity(Request r, String p) {
        if (p.equals("/auth/tokens") && r.method().equals("DELETE")) {
            String subject = r.exchange().getRequestHeaders().getFirst("X-Subject-Token");
            if (subject == null || tokens.remove(subject) == null) {
                throw fail(r.path(), 404, "Could not find token.");
            }
            r.exchange().getResponseHeaders().set("X-Revoked", "1");
            throw new Reply(204, null);
        }
        throw fail(r.path(), 404, "The resource could not be found.");
    }

    // ----- Nova -----

    private Object compute(Request r, String p) {
        String m = r.method();
        Matcher mm;
        if (m.equals("GET") && (p.equals("/servers/detail") || p.equals("/servers"))) {
            String nameFilter = r.q("name");
            Pattern re = nameFilter == null ? null : Pattern.compile(nameFilter);
            List<Object> out = new ArrayList<>();
            for (Server s : servers.values()) {
                if (s.project.equals(r.project()) && (re == null || re.matcher(s.name).find())) {
                    out.add(serverJson(s, false));
                }
            }
            return Map.of("servers", out);
        }
        if (m.equals("POST") && p.equals("/servers")) {
            return createServer(r);
        }
        if ((mm = Pattern.compile("^/servers/([^/]+)$").matcher(p)).matches()) {
            Server s = servers.get(mm.group(1));
            if (s == null || !s.project.equals(r.project())) {
                throw fail(r.path(), 404, "Instance " + mm.group(1) + " could not be found.");
            }
            if (m.equals("GET")) {
                advanceStop(s);
                return Map.of("server", serverJson(s, true));
            }
            if (m.equals("DELETE")) {
                deleteServer(s);
                return null;
            }
        }
        if (m.equals("POST") && (mm = Pattern.compile("^/servers/([^/]+)/action$").matcher(p)).matches()) {
            Server s = servers.get(mm.group(1));
            if (s == null || !s.project.equals(r.project())) {
                throw fail(r.path(), 404, "Instance " + mm.group(1) + " could not be found.");
            }
            return serverAction(r, s);
        }
        if (m.equals("POST") && (mm = Pattern.compile("^/servers/([^/]+)/os-volume_attachments$").matcher(p)).matches()) {
            Server s = servers.get(mm.group(1));
            if (s == null || !s.project.equals(r.project())) {
                throw fail(r.path(), 404, "Instance " + mm.group(1) + " could not be found.");
            }
            return Map.of("volumeAttachment", attachVolume(r, s));
        }
        if ((mm = Pattern.compile("^/servers/([^/]+)/os-volume_attachments(?:/([^/]+))?$").matcher(p)).matches()) {
            Server s = servers.get(mm.group(1));
            if (s == null || !s.project.equals(r.project())) {
                throw fail(r.path(), 404, "Instance " + mm.group(1) + " could not be found.");
            }
            if (m.equals("GET") && mm.group(2) == null) {
                List<Object> out = new ArrayList<>();
                for (Volume v : volumes.values()) {
                    if (v.attachments.containsKey(s.id)) {
                        out.add(Map.of("id", v.id, "volumeId", v.id, "serverId", s.id, "device", v.attachments.get(s.id)));
                    }
                }
                return Map.of("volumeAttachments", out);
            }
            if (m.equals("GET") && mm.group(2) != null) {
                Volume v = volumes.get(mm.group(2));
                if (v == null || !v.attachments.containsKey(s.id)) {
                    throw fail(r.path(), 404, "Instance " + s.id + " is not attached.");
                }
                return Map.of("volumeAttachment", Map.of("id", v.id, "volumeId", v.id, "serverId", s.id,
                        "device", v.attachments.get(s.id)));
            }
            if (m.equals("DELETE") && mm.group(2) != null) {
                Volume v = volumes.get(mm.group(2));
                if (v != null && "attaching".equals(v.status) && v.attachments.isEmpty()) {
                    // An attach that never completed: deleting the attachment rolls the reservation back.
                    stuckAttaching.remove(v.id);
                    v.status = "available";
                    return null;
                }
                if (v == null || !v.attachments.containsKey(s.id)) {
                    throw fail(r.path(), 404, "volume_id not found: " + mm.group(2));
                }
                v.attachments.remove(s.id);
                v.status = v.attachments.isEmpty() ? "detaching" : "in-use";
                v.detachingOnce = true;
                removeDevLink(s.id, v);
                return null;
            }
        }
        if (m.equals("GET") && (mm = Pattern.compile("^/flavors/([^/]+)$").matcher(p)).matches()) {
            Flavor f = flavors.get(mm.group(1));
            if (f == null) {
                throw fail(r.path(), 404, "Flavor " + mm.group(1) + " could not be found.");
            }
            return Map.of("flavor", Map.of("id", f.id(), "name", f.name(), "ram", 2048, "vcpus", 2, "disk", 20,
                    "OS-FLV-EXT-DATA:ephemeral", 0, "swap", "", "rxtx_factor", 1.0, "os-flavor-access:is_public", true,
                    "links", List.of()));
        }
        throw fail(r.path(), 404, "The resource could not be found.");
    }

    private Map<String, Object> serverJson(Server s, boolean advance) {
        if (advance && s.building) {
            if (--serverBuildPollsLeft(s)[0] <= 0) {
                s.building = false;
                if (s.pendingFault != null) {
                    s.status = "ERROR";
                    s.faultMessage = s.pendingFault;
                } else {
                    s.status = "ACTIVE";
                }
            }
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", s.id);
        j.put("name", s.name);
        j.put("status", s.status);
        j.put("tenant_id", s.project);
        j.put("user_id", "u");
        j.put("flavor", Map.of("id", s.flavorId == null ? "" : s.flavorId, "links", List.of()));
        // Nova writes "" for boot-from-volume servers and {"id": …, "links": […]} for image-booted ones.
        j.put("image", s.image == null ? "" : Map.of("id", s.image, "links", List.of()));
        j.put("accessIPv4", s.accessIPv4);
        j.put("accessIPv6", "");
        j.put("OS-EXT-STS:task_state", s.stopping ? "powering-off" : null);
        j.put("OS-EXT-STS:power_state", s.status.equals("SHUTOFF") ? 4 : 1);
        j.put("addresses", Map.of());
        j.put("metadata", Map.of());
        j.put("created", NOVA_TIME.format(Instant.now()));
        j.put("updated", NOVA_TIME.format(Instant.now()));
        j.put("OS-EXT-STS:vm_state", s.status.toLowerCase(java.util.Locale.ROOT));
        List<Object> attached = new ArrayList<>();
        java.util.Set<Object> seen = new java.util.HashSet<>();
        for (Map<String, Object> b : s.blockDevices) {
            if (seen.add(b.get("uuid"))) {
                attached.add(Map.of("id", b.get("uuid")));
            }
        }
        for (Volume v : volumes.values()) {
            if (v.attachments.containsKey(s.id) && seen.add(v.id)) {
                attached.add(Map.of("id", v.id));
            }
        }
        j.put("os-extended-volumes:volumes_attached", attached);
        j.put("security_groups", s.securityGroups.stream().map(g -> Map.of("name", g)).toList());
        if (s.faultMessage != null) {
            j.put("fault", Map.of("code", 500, "message", s.faultMessage, "created", NOVA_TIME.format(Instant.now())));
        }
        j.put("links", List.of());
        return j;
    }

    private final Map<String, int[]> buildPolls = new LinkedHashMap<>();

    private int[] serverBuildPollsLeft(Server s) {
        return buildPolls.computeIfAbsent(s.id, k -> new int[] {serverBuildPolls});
    }

    private Object createServer(Request r) {
        JsonNode s = r.body().path("server");
        String name = s.path("name").asText(null);
        if (name == null) {
            throw fail(r.path(), 400, "Invalid input for field/attribute server. Value: 'name' is a required property");
        }
        String flavorRef = s.path("flavorRef").asText(null);
        if (flavorRef == null || !flavors.containsKey(flavorRef)) {
            throw fail(r.path(), 400, "Flavor " + flavorRef + " could not be found.");
        }
        List<Map<String, Object>> bdms = new ArrayList<>();
        boolean hasBoot = false;
        for (JsonNode b : s.path("block_device_mapping_v2")) {
            String uuid = b.path("uuid").asText(null);
            Volume v = volumes.get(uuid);
            if (!"volume".equals(b.path("source_type").asText()) || !"volume".equals(b.path("destination_type").asText())) {
                throw fail(r.path(), 400, "Block Device Mapping is Invalid: unsupported source/destination");
            }
            if (v == null || !v.project.equals(r.project())) {
                throw fail(r.path(), 400, "Block Device Mapping is Invalid: failed to get volume " + uuid + ".");
            }
            if (!v.status.equals("available")) {
                throw fail(r.path(), 400, "Block Device Mapping is Invalid: volume " + uuid + " status must be 'available'");
            }
            if (b.has("boot_index") && b.get("boot_index").asInt() == 0) {
                hasBoot = true;
            }
            bdms.add(JSON.convertValue(b, Map.class));
        }
        if (!hasBoot && (s.path("imageRef").asText("").isEmpty())) {
            throw fail(r.path(), 400, "Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.");
        }
        List<String> portIds = new ArrayList<>();
        for (JsonNode n : s.path("networks")) {
            String portId = n.path("port").asText(null);
            Port port = ports.get(portId);
            if (port == null || !port.project.equals(r.project())) {
                throw fail(r.path(), 400, "Port " + portId + " could not be found.");
            }
            if (!port.deviceId.isEmpty()) {
                throw fail(r.path(), 409, "Port " + portId + " is still in use.");
            }
            portIds.add(portId);
        }
        Server server = new Server(UUID.randomUUID().toString(), name, r.project());
        server.flavorId = flavorRef;
        server.status = "BUILD";
        server.building = true;
        server.pendingFault = nextServerFault;
        nextServerFault = null;
        server.blockDevices.addAll(bdms);
        server.ports.addAll(portIds);
        for (JsonNode g : s.path("security_groups")) {
            server.securityGroups.add(g.path("name").asText());
        }
        for (Map<String, Object> b : bdms) {
            Volume v = volumes.get((String) b.get("uuid"));
            v.status = "in-use";
            v.attachments.put(server.id, String.valueOf(b.getOrDefault("device_name", "")));
        }
        for (String portId : portIds) {
            ports.get(portId).deviceId = server.id;
        }
        servers.put(server.id, server);
        return Map.of("server", Map.of("id", server.id, "links", List.of(), "OS-DCF:diskConfig", "MANUAL",
                "security_groups", server.securityGroups.stream().map(g -> Map.of("name", g)).toList(),
                "adminPass", "not-a-secret"));
    }

    private void deleteServer(Server s) {
        servers.remove(s.id);
        for (Volume v : volumes.values()) {
            if (v.attachments.containsKey(s.id)) {
                removeDevLink(s.id, v);
            }
            if (v.attachments.remove(s.id) != null && v.attachments.isEmpty()) {
                v.status = "available";
            }
        }
        for (Port p : ports.values()) {
            if (p.deviceId.equals(s.id)) {
                p.deviceId = "";
            }
        }
    }

    // ----- Cinder -----

    private Object volume(Request r, String p) {
        String m = r.method();
        Matcher mm;
        if (m.equals("GET") && (p.equals("/volumes/detail") || p.equals("/volumes"))) {
            List<Object> out = new ArrayList<>();
            for (Volume v : volumes.values()) {
                if (v.project.equals(r.project())) {
                    out.add(volumeJson(v));
                }
            }
            return Map.of("volumes", out);
        }
        if (m.equals("GET") && p.equals("/types")) {
            List<Object> out = new ArrayList<>();
            volumeTypes.forEach((id, name) -> out.add(Map.of("id", id, "name", name, "is_public", true,
                    "extra_specs", Map.of(), "description", "")));
            return Map.of("volume_types", out);
        }
        if ((mm = Pattern.compile("^/volumes/([^/]+)$").matcher(p)).matches()) {
            Volume v = volumes.get(mm.group(1));
            if (v == null || !v.project.equals(r.project())) {
                throw fail(r.path(), 404, "Volume " + mm.group(1) + " could not be found.");
            }
            if (m.equals("GET")) {
                if (v.status.equals("creating") && --v.creatingPolls < 0) {
                    v.status = v.finalStatus;
                }
                if (v.status.equals("detaching") && !v.detachingOnce) {
                    v.status = "available";
                }
                Map<String, Object> json = volumeJson(v);
                v.detachingOnce = false;
                return Map.of("volume", json);
            }
            if (m.equals("DELETE")) {
                if (!(v.status.equals("available") || v.status.startsWith("error")) || !v.attachments.isEmpty()) {
                    throw fail(r.path(), 400, "Invalid volume: Volume status must be available or error or "
                            + "error_restoring or error_extending or error_managing and must not be migrating, attached, "
                            + "belong to a group, have snapshots or be disassociated from snapshots after volume transfer.");
                }
                if (snapshots.values().stream().anyMatch(sn -> sn.volumeId.equals(v.id))) {
                    throw fail(r.path(), 400, "Invalid volume: Volume status must be available or error or "
                            + "error_restoring or error_extending or error_managing and must not be migrating, attached, "
                            + "belong to a group, have snapshots or be disassociated from snapshots after volume transfer.");
                }
                volumes.remove(v.id);
                deleteQuietly(v.backingFile);
                return null;
            }
        }
        Object sourceSide = sourceVolumeRoutes(r, p);
        if (sourceSide != NO_ROUTE) {
            return sourceSide;
        }
        if (p.equals("/os-volume-transfer") && m.equals("POST")) {
            JsonNode t = r.body().path("transfer");
            String volumeId = t.path("volume_id").asText(null);
            Volume v = volumes.get(volumeId);
            if (v == null || !v.project.equals(r.project())) {
                throw fail(r.path(), 404, "Volume " + volumeId + " could not be found.");
            }
            if (!v.status.equals("available")) {
                throw fail(r.path(), 400, "Invalid volume: status must be available");
            }
            Transfer tr = new Transfer(UUID.randomUUID().toString(), volumeId, t.path("name").asText(null), r.project(),
                    UUID.randomUUID().toString().replace("-", "").substring(0, 16));
            transfers.put(tr.id, tr);
            v.status = "awaiting-transfer";
            Map<String, Object> j = transferJson(tr);
            j.put("auth_key", tr.authKey);
            return Map.of("transfer", j);
        }
        if (m.equals("GET") && (p.equals("/os-volume-transfer/detail") || p.equals("/os-volume-transfer"))) {
            List<Object> out = new ArrayList<>();
            for (Transfer tr : transfers.values()) {
                if (tr.project.equals(r.project())) {
                    out.add(transferJson(tr));
                }
            }
            return Map.of("transfers", out);
        }
        if ((mm = Pattern.compile("^/os-volume-transfer/([^/]+)(/accept)?$").matcher(p)).matches()) {
            Transfer tr = transfers.get(mm.group(1));
            if (tr == null) {
                throw fail(r.path(), 404, "Transfer " + mm.group(1) + " could not be found.");
            }
            if (mm.group(2) != null && m.equals("POST")) {
                String key = r.body().path("accept").path("auth_key").asText(null);
                if (!tr.authKey.equals(key)) {
                    throw fail(r.path(), 400, "Invalid auth key: Attempt to transfer " + tr.id + " with invalid auth key.");
                }
                Volume v = volumes.get(tr.volumeId);
                v.project = r.project();
                v.status = "available";
                transfers.remove(tr.id);
                Map<String, Object> j = transferJson(tr);
                j.remove("created_at");
                return Map.of("transfer", j);
            }
            if (mm.group(2) == null && m.equals("DELETE")) {
                if (!tr.project.equals(r.project())) {
                    throw fail(r.path(), 404, "Transfer " + tr.id + " could not be found.");
                }
                transfers.remove(tr.id);
                Volume v = volumes.get(tr.volumeId);
                if (v != null && v.status.equals("awaiting-transfer")) {
                    v.status = "available";
                }
                return null;
            }
        }
        throw fail(r.path(), 404, "The resource could not be found.");
    }

    private Map<String, Object> volumeJson(Volume v) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", v.id);
        j.put("name", v.name);
        j.put("status", v.status);
        j.put("size", v.size);
        j.put("availability_zone", "nova");
        j.put("created_at", CINDER_TIME.format(Instant.now()));
        j.put("updated_at", CINDER_TIME.format(Instant.now()));
        j.put("volume_type", v.volumeType == null ? "__DEFAULT__" : v.volumeType);
        j.put("description", v.description);
        j.put("snapshot_id", v.snapshotId);
        j.put("source_volid", null);
        if (v.imageId != null || !v.imageMetadata.isEmpty()) {
            Map<String, String> im = new LinkedHashMap<>(v.imageMetadata);
            if (v.imageId != null) {
                im.put("image_id", v.imageId);
            }
            j.put("volume_image_metadata", im);
        }
        j.put("metadata", v.metadata);
        List<Object> atts = new ArrayList<>();
        v.attachments.forEach((server, device) -> {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("id", v.id);
            a.put("attachment_id", "att-" + server.substring(0, Math.min(8, server.length())) + "-" + v.id);
            a.put("volume_id", v.id);
            a.put("server_id", server);
            a.put("host_name", null);
            a.put("device", device);
            a.put("attached_at", CINDER_TIME.format(Instant.now()));
            atts.add(a);
        });
        j.put("attachments", atts);
        j.put("bootable", Boolean.toString(v.bootable));
        j.put("encrypted", false);
        j.put("multiattach", false);
        j.put("os-vol-tenant-attr:tenant_id", v.project);
        j.put("links", List.of());
        return j;
    }

    private static Map<String, Object> transferJson(Transfer tr) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", tr.id);
        j.put("created_at", CINDER_TIME.format(Instant.now()));
        j.put("name", tr.name);
        j.put("volume_id", tr.volumeId);
        j.put("links", List.of());
        return j;
    }

    // ----- source cloud (OpenStack → OpenStack): seeding and inspection -----

    /**
     * Gives volumes, snapshots and images real bytes: a sparse file each under {@code dir}, where one "GiB" of a
     * size is {@code bytesPerGib} bytes (tests use a MiB or so to stay fast). Without it they have no data.
     */
    public synchronized void storage(java.nio.file.Path dir, long bytesPerGib) {
        this.storage = dir;
        this.bytesPerGib = bytesPerGib;
    }

    public synchronized long bytesPerGib() {
        return bytesPerGib;
    }

    /**
     * Attachments to {@code serverId} create {@code dir/virtio-<volume id[:20]>}, a symlink to the volume's backing
     * file (what udev makes under /dev/disk/by-id), and detaching removes it.
     */
    public synchronized void devDiskById(String serverId, java.nio.file.Path dir) {
        devDiskById.put(serverId, dir);
    }

    /** How many GETs a new volume, snapshot or image stays creating/saving (default 1). */
    public synchronized void creationPolls(int n) {
        creationPolls = n;
    }

    /** The next volume created ends in status {@code error}. */
    public synchronized void failNextVolume() {
        nextVolumeError = true;
    }

    /** The next snapshot created ends in status {@code error}. */
    public synchronized void failNextSnapshot() {
        nextSnapshotError = true;
    }

    /** The next image made by createImage ends in status {@code killed}. */
    public synchronized void failNextImage() {
        nextImageError = true;
    }

    /** Attaching this volume leaves it {@code attaching} for ever, with no attachment (attach timeout). */
    public synchronized void stuckAttaching(String volumeId) {
        stuckAttaching.add(volumeId);
    }

    /** A Glance image already in {@code project} (active), optionally with data. */
    public synchronized Image addImage(String id, String project, String name, int minDisk) {
        Image i = new Image(id, name, project);
        i.status = "active";
        i.minDisk = minDisk;
        images.put(id, i);
        return i;
    }

    /** Writes {@code data} at {@code offset} of the volume's backing file (created sparse at its size). */
    public synchronized void writeVolume(String volumeId, long offset, byte[] data) throws IOException {
        Volume v = volumes.get(volumeId);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(backing(v).toFile(), "rw")) {
            f.seek(offset);
            f.write(data);
        }
    }

    /** The volume's backing file (created sparse at its size if missing); needs {@link #storage}. */
    public synchronized java.nio.file.Path backing(Volume v) throws IOException {
        if (storage == null) {
            throw new IllegalStateException("call storage(dir, bytesPerGib) first");
        }
        if (v.backingFile == null) {
            v.backingFile = storage.resolve("volume-" + v.id);
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(v.backingFile.toFile(), "rw")) {
                f.setLength(v.size * bytesPerGib);
            }
        }
        return v.backingFile;
    }

    public synchronized Optional<VolumeSnapshot> snapshot(String id) {
        return Optional.ofNullable(snapshots.get(id));
    }

    public synchronized List<VolumeSnapshot> snapshots(String project) {
        return snapshots.values().stream().filter(x -> x.project.equals(project)).toList();
    }

    public synchronized Optional<Image> image(String id) {
        return Optional.ofNullable(images.get(id));
    }

    public synchronized List<Image> images(String project) {
        return images.values().stream().filter(x -> x.project.equals(project)).toList();
    }

    // ----- source cloud: Nova actions and attachments -----

    private static final Object NO_ROUTE = new Object();

    private void advanceStop(Server s) {
        if (s.stopping && s.stopPolls >= 0 && --s.stopPollsLeft < 0) {
            s.stopping = false;
            s.status = "SHUTOFF";
        }
    }

    private Object serverAction(Request r, Server s) {
        JsonNode b = r.body();
        if (b.has("os-stop")) {
            if (s.status.equals("SHUTOFF")) {
                throw fail(r.path(), 409, "Cannot 'stop' instance " + s.id + " while it is in vm_state stopped");
            }
            s.stopping = true;
            s.stopPollsLeft = s.stopPolls;
            return null;
        }
        if (b.has("os-start")) {
            if (!s.status.equals("SHUTOFF")) {
                throw fail(r.path(), 409, "Instance " + s.id + " in vm_state active. Cannot start while the instance is in this state.");
            }
            s.status = "ACTIVE";
            return null;
        }
        if (b.has("createImage")) {
            String name = b.path("createImage").path("name").asText(null);
            if (name == null || name.isEmpty()) {
                throw fail(r.path(), 400, "Invalid input for field/attribute createImage.");
            }
            Image i = new Image(UUID.randomUUID().toString(), name, s.project);
            i.minDisk = s.rootDiskGib;
            i.savingPolls = creationPolls;
            i.finalStatus = nextImageError ? "killed" : "active";
            nextImageError = false;
            if (s.rootDisk != null && storage != null) {
                i.backingFile = storage.resolve("image-" + i.id);
                copySparse(s.rootDisk, i.backingFile);
                i.size = sizeOf(i.backingFile);
            }
            images.put(i.id, i);
            // Before compute API 2.45 the id is only in the Location header; from 2.45 also in the body.
            r.exchange().getResponseHeaders().set("Location", baseUrl() + "/image/v2/images/" + i.id);
            return Map.of("image_id", i.id);
        }
        throw fail(r.path(), 400, "There is no such action: " + b.fieldNames().next());
    }

    private Map<String, Object> attachVolume(Request r, Server s) {
        JsonNode a = r.body().path("volumeAttachment");
        String volumeId = a.path("volumeId").asText(null);
        Volume v = volumes.get(volumeId);
        if (v == null || !v.project.equals(r.project())) {
            throw fail(r.path(), 404, "Volume " + volumeId + " could not be found.");
        }
        if (!v.status.equals("available") || !v.attachments.isEmpty()) {
            throw fail(r.path(), 400, "Invalid volume: volume " + v.id + " status must be 'available'. Currently in '"
                    + v.status + "'");
        }
        String device = a.path("device").asText(null);
        java.util.Set<String> used = new java.util.HashSet<>();
        if (s.image != null) {
            used.add("/dev/vda"); // an image-booted server's root disk
        }
        for (Volume other : volumes.values()) {
            String d = other.attachments.get(s.id);
            if (d != null) {
                used.add(d);
            }
        }
        if (device == null || device.isEmpty() || used.contains(device)) {
            char c = 'a';
            while (used.contains("/dev/vd" + c)) {
                c++;
            }
            device = "/dev/vd" + c;
        }
        if (stuckAttaching.contains(v.id)) {
            v.status = "attaching";
        } else {
            v.attachments.put(s.id, device);
            v.status = "in-use";
            java.nio.file.Path dir = devDiskById.get(s.id);
            if (dir != null && storage != null) {
                try {
                    java.nio.file.Path link = dir.resolve(devLinkName(v));
                    java.nio.file.Files.deleteIfExists(link);
                    java.nio.file.Files.createSymbolicLink(link, backing(v));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", v.id);
        j.put("volumeId", v.id);
        j.put("serverId", s.id);
        j.put("device", device);
        return j;
    }

    /** {@code virtio-<volume id[:20]>}, the serial Nova gives virtio disks (udev's /dev/disk/by-id name). */
    public static String devLinkName(Volume v) {
        return "virtio-" + v.id.substring(0, Math.min(20, v.id.length()));
    }

    private void removeDevLink(String serverId, Volume v) {
        java.nio.file.Path dir = devDiskById.get(serverId);
        if (dir != null) {
            deleteQuietly(dir.resolve(devLinkName(v)));
        }
    }

    // ----- source cloud: Cinder volumes from snapshots and images, snapshots -----

    private Object sourceVolumeRoutes(Request r, String p) {
        String m = r.method();
        Matcher mm;
        if (m.equals("POST") && p.equals("/volumes")) {
            return Map.of("volume", volumeJson(createVolume(r)));
        }
        if (m.equals("POST") && (mm = Pattern.compile("^/volumes/([^/]+)/action$").matcher(p)).matches()) {
            Volume v = volumes.get(mm.group(1));
            if (v == null || !v.project.equals(r.project())) {
                throw fail(r.path(), 404, "Volume " + mm.group(1) + " could not be found.");
            }
            if (r.body().has("os-set_bootable")) {
                v.bootable = r.body().path("os-set_bootable").path("bootable").asBoolean();
                return null;
            }
            if (r.body().has("os-set_image_metadata")) {
                JsonNode md = r.body().path("os-set_image_metadata").path("metadata");
                if (!md.isObject()) {
                    throw fail(r.path(), 400, "Invalid request body: os-set_image_metadata needs metadata");
                }
                md.fields().forEachRemaining(e -> v.imageMetadata.put(e.getKey(), e.getValue().asText()));
                return Map.of("metadata", v.imageMetadata);
            }
            throw fail(r.path(), 400, "Invalid request body");
        }
        if (m.equals("POST") && p.equals("/snapshots")) {
            JsonNode b = r.body().path("snapshot");
            String volumeId = b.path("volume_id").asText(null);
            Volume v = volumes.get(volumeId);
            if (v == null || !v.project.equals(r.project())) {
                throw fail(r.path(), 404, "Volume " + volumeId + " could not be found.");
            }
            boolean force = b.path("force").asBoolean(false);
            if (!(v.status.equals("available") || force && v.status.equals("in-use"))) {
                throw fail(r.path(), 400, "Invalid volume: Volume " + v.id + " status must be available, but current "
                        + "status is: " + v.status + ".");
            }
            VolumeSnapshot sn = new VolumeSnapshot(UUID.randomUUID().toString(), b.path("name").asText(""), v.id,
                    r.project(), v.size);
            sn.description = b.path("description").asText("");
            sn.creatingPolls = creationPolls;
            sn.finalStatus = nextSnapshotError ? "error" : "available";
            nextSnapshotError = false;
            if (storage != null) {
                sn.backingFile = storage.resolve("snapshot-" + sn.id);
                try {
                    copySparse(backing(v), sn.backingFile);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            snapshots.put(sn.id, sn);
            return Map.of("snapshot", snapshotJson(sn));
        }
        if (m.equals("GET") && (p.equals("/snapshots") || p.equals("/snapshots/detail"))) {
            return Map.of("snapshots", snapshots.values().stream().filter(x -> x.project.equals(r.project()))
                    .map(this::snapshotJson).toList());
        }
        if ((mm = Pattern.compile("^/snapshots/([^/]+)$").matcher(p)).matches()) {
            VolumeSnapshot sn = snapshots.get(mm.group(1));
            if (sn == null || !sn.project.equals(r.project())) {
                throw fail(r.path(), 404, "Snapshot " + mm.group(1) + " could not be found.");
            }
            if (m.equals("GET")) {
                if (sn.status.equals("creating") && --sn.creatingPolls < 0) {
                    sn.status = sn.finalStatus;
                }
                return Map.of("snapshot", snapshotJson(sn));
            }
            if (m.equals("DELETE")) {
                snapshots.remove(sn.id);
                deleteQuietly(sn.backingFile);
                return null;
            }
        }
        return NO_ROUTE;
    }

    private Volume createVolume(Request r) {
        JsonNode b = r.body().path("volume");
        String snapshotId = b.path("snapshot_id").asText(null);
        String imageId = b.path("imageRef").asText(null);
        VolumeSnapshot sn = null;
        Image img = null;
        int minimum = 1;
        if (snapshotId != null) {
            sn = snapshots.get(snapshotId);
            if (sn == null || !sn.project.equals(r.project())) {
                throw fail(r.path(), 404, "Snapshot " + snapshotId + " could not be found.");
            }
            if (!sn.status.equals("available")) {
                throw fail(r.path(), 400, "Invalid snapshot: Originating snapshot status must be one of 'available' values");
            }
            minimum = sn.size;
        }
        if (imageId != null) {
            img = images.get(imageId);
            if (img == null || !img.project.equals(r.project())) {
                throw fail(r.path(), 400, "Invalid image identifier or unable to access requested image.");
            }
            if (!img.status.equals("active")) {
                throw fail(r.path(), 400, "Image " + imageId + " is not active.");
            }
            minimum = Math.max(1, img.minDisk);
        }
        int size = b.hasNonNull("size") ? b.get("size").asInt() : (sn != null ? sn.size : 0);
        if (size < minimum) {
            throw fail(r.path(), 400, "Invalid input received: Volume size '" + size + "'GB cannot be smaller than the "
                    + (sn != null ? "snapshot size " : "image minDisk size ") + minimum + "GB.");
        }
        String typeId = b.path("volume_type").asText(null);
        if (typeId != null && !volumeTypes.containsKey(typeId) && !volumeTypes.containsValue(typeId)) {
            throw fail(r.path(), 404, "Volume type with name " + typeId + " could not be found.");
        }
        Volume v = new Volume(UUID.randomUUID().toString(), b.path("name").asText(""), r.project());
        v.size = size;
        v.status = "creating";
        v.creatingPolls = creationPolls;
        v.finalStatus = nextVolumeError ? "error" : "available";
        nextVolumeError = false;
        v.description = b.path("description").asText("");
        v.snapshotId = snapshotId;
        v.imageId = imageId;
        v.volumeType = typeId == null ? null : volumeTypes.getOrDefault(typeId, typeId);
        // Cinder marks volumes made from an image bootable; "bootable" in the body is honoured as a convenience.
        v.bootable = img != null || b.path("bootable").asBoolean(false);
        b.path("metadata").fields().forEachRemaining(e -> v.metadata.put(e.getKey(), e.getValue().asText()));
        if (storage != null) {
            v.backingFile = storage.resolve("volume-" + v.id);
            java.nio.file.Path from = sn != null ? sn.backingFile : img != null ? img.backingFile : null;
            try {
                if (from != null) {
                    copySparse(from, v.backingFile);
                }
                try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(v.backingFile.toFile(), "rw")) {
                    f.setLength(size * bytesPerGib);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        volumes.put(v.id, v);
        return v;
    }

    private Map<String, Object> snapshotJson(VolumeSnapshot sn) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", sn.id);
        j.put("name", sn.name);
        j.put("description", sn.description);
        j.put("volume_id", sn.volumeId);
        j.put("status", sn.status);
        j.put("size", sn.size);
        j.put("created_at", CINDER_TIME.format(Instant.now()));
        j.put("metadata", Map.of());
        j.put("os-extended-snapshot-attributes:project_id", sn.project);
        return j;
    }

    // ----- source cloud: Glance v2 -----

    private Object image(Request r, String p) {
        String m = r.method();
        Matcher mm;
        if (m.equals("GET") && p.equals("/images")) {
            return Map.of("images", images.values().stream().filter(i -> i.project.equals(r.project()))
                    .map(this::imageJson).toList(), "schema", "/v2/schemas/images", "first", "/v2/images");
        }
        if ((mm = Pattern.compile("^/images/([^/]+)$").matcher(p)).matches()) {
            Image i = images.get(mm.group(1));
            if (i == null || !i.project.equals(r.project())) {
                throw new Reply(404, null);
            }
            if (m.equals("GET")) {
                if (!i.status.equals("active") && !i.status.equals("killed")) {
                    i.status = --i.savingPolls < 0 ? i.finalStatus : "saving";
                }
                return imageJson(i);
            }
            if (m.equals("DELETE")) {
                images.remove(i.id);
                deleteQuietly(i.backingFile);
                throw new Reply(204, null);
            }
        }
        throw new Reply(404, null);
    }

    private Map<String, Object> imageJson(Image i) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", i.id);
        j.put("name", i.name);
        j.put("status", i.status);
        j.put("min_disk", i.minDisk);
        j.put("min_ram", 0);
        j.put("size", i.status.equals("active") ? i.size : null);
        j.put("disk_format", "raw");
        j.put("container_format", "bare");
        j.put("visibility", "private");
        j.put("protected", false);
        j.put("owner", i.project);
        j.put("tags", List.of());
        j.put("created_at", NOVA_TIME.format(Instant.now()));
        j.put("updated_at", NOVA_TIME.format(Instant.now()));
        j.put("self", "/v2/images/" + i.id);
        j.put("file", "/v2/images/" + i.id + "/file");
        j.put("schema", "/v2/schemas/image");
        return j;
    }

    // ----- source cloud: files -----

    /** A sparse copy, as Cinder backends make: holes stay holes (cp --sparse=always). */
    private static void copySparse(java.nio.file.Path from, java.nio.file.Path to) {
        try {
            Process p = new ProcessBuilder("cp", "--sparse=always", from.toString(), to.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("cp " + from + " " + to + " failed: " + out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long sizeOf(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteQuietly(java.nio.file.Path p) {
        if (p != null) {
            try {
                java.nio.file.Files.deleteIfExists(p);
            } catch (IOException e) {
                // a test fake: best effort
            }
        }
    }

    // ----- Neutron -----

    private boolean visible(Network n, String project) {
        return n.project.equals(project) || n.shared;
    }

    private Object network(Request r, String p) {
        String m = r.method();
        Matcher mm;
        if (m.equals("GET") && p.equals("/networks")) {
            List<Object> out = new ArrayList<>();
            for (Network n : networks.values()) {
                if (visible(n, r.project()) && (r.q("name") == null || r.q("name").equals(n.name))
                        && (r.q("id") == null || r.q("id").equals(n.id))) {
                    out.add(networkJson(n));
                }
            }
            return Map.of("networks", out);
        }
        if (m.equals("GET") && (mm = Pattern.compile("^/networks/([^/]+)$").matcher(p)).matches()) {
            Network n = networks.get(mm.group(1));
            if (n == null || !visible(n, r.project())) {
                throw fail(r.path(), 404, "Network " + mm.group(1) + " could not be found.");
            }
            return Map.of("network", networkJson(n));
        }
        if (m.equals("GET") && (mm = Pattern.compile("^/subnets/([^/]+)$").matcher(p)).matches()) {
            Subnet s = subnets.get(mm.group(1));
            if (s == null || !visible(networks.get(s.networkId()), r.project())) {
                throw fail(r.path(), 404, "Subnet " + mm.group(1) + " could not be found.");
            }
            return Map.of("subnet", subnetJson(s));
        }
        if (m.equals("GET") && p.equals("/ports")) {
            List<Object> out = new ArrayList<>();
            for (Port port : ports.values()) {
                if (port.project.equals(r.project())
                        && (r.q("network_id") == null || r.q("network_id").equals(port.networkId))
                        && (r.q("mac_address") == null || r.q("mac_address").equalsIgnoreCase(port.mac))
                        && (r.q("name") == null || r.q("name").equals(port.name))) {
                    out.add(portJson(port));
                }
            }
            return Map.of("ports", out);
        }
        if (m.equals("POST") && p.equals("/ports")) {
            return Map.of("port", portJson(createPort(r)));
        }
        if (m.equals("DELETE") && (mm = Pattern.compile("^/ports/([^/]+)$").matcher(p)).matches()) {
            Port port = ports.get(mm.group(1));
            if (port == null || !port.project.equals(r.project())) {
                throw fail(r.path(), 404, "Port " + mm.group(1) + " could not be found.");
            }
            ports.remove(port.id);
            for (Server s : servers.values()) {
                s.ports.remove(port.id);
            }
            return null;
        }
        if (m.equals("GET") && (mm = Pattern.compile("^/security-groups/([^/]+)$").matcher(p)).matches()) {
            SecurityGroup g = securityGroups.get(mm.group(1));
            if (g == null || !g.project().equals(r.project())) {
                throw fail(r.path(), 404, "Security group " + mm.group(1) + " does not exist");
            }
            return Map.of("security_group", Map.of("id", g.id(), "name", g.name(), "description", "",
                    "tenant_id", g.project(), "project_id", g.project(), "security_group_rules", List.of()));
        }
        throw fail(r.path(), 404, "The resource could not be found.");
    }

    private Port createPort(Request r) {
        JsonNode b = r.body().path("port");
        String networkId = b.path("network_id").asText(null);
        Network n = networks.get(networkId);
        if (n == null || !visible(n, r.project())) {
            throw fail(r.path(), 404, "Network " + networkId + " could not be found.");
        }
        String mac = b.path("mac_address").asText(null);
        if (mac == null) {
            mac = "fa:16:3e:00:00:" + String.format("%02x", ports.size() % 256);
        }
        for (Port existing : ports.values()) {
            if (existing.networkId.equals(networkId) && existing.mac.equalsIgnoreCase(mac)) {
                throw new Reply(409, Map.of("NeutronError", Map.of("type", "MacAddressInUse", "detail", "",
                        "message", "Unable to complete operation for network " + networkId + ". The mac address " + mac
                                + " is in use.")));
            }
        }
        Port port = new Port(UUID.randomUUID().toString(), b.path("name").asText(""), networkId, r.project(), mac);
        for (JsonNode ip : b.path("fixed_ips")) {
            String subnetId = ip.path("subnet_id").asText(null);
            String address = ip.path("ip_address").asText(null);
            Subnet s = subnets.get(subnetId);
            if (s == null || !s.networkId().equals(networkId)) {
                throw fail(r.path(), 400, "Invalid input for operation: Failed to create port on network " + networkId
                        + ", because fixed_ips included invalid subnet " + subnetId + ".");
            }
            if (address != null && !inCidr(address, s.cidr())) {
                throw fail(r.path(), 400, "IP address " + address + " is not a valid IP for the specified subnet.");
            }
            port.fixedIps.put(subnetId, address);
        }
        for (JsonNode g : b.path("security_groups")) {
            SecurityGroup sg = securityGroups.get(g.asText());
            if (sg == null || !sg.project().equals(r.project())) {
                throw fail(r.path(), 404, "Security group " + g.asText() + " does not exist");
            }
            port.securityGroups.add(sg.id());
        }
        ports.put(port.id, port);
        return port;
    }

    /** IPv4 only, enough for the tests' subnets. */
    private static boolean inCidr(String ip, String cidr) {
        String[] parts = cidr.split("/");
        long mask = parts[1].equals("0") ? 0 : -1L << (32 - Integer.parseInt(parts[1]));
        return (ipv4(ip) & mask & 0xffffffffL) == (ipv4(parts[0]) & mask & 0xffffffffL);
    }

    private static long ipv4(String ip) {
        long v = 0;
        for (String o : ip.split("\\.")) {
            v = v * 256 + Integer.parseInt(o);
        }
        return v;
    }

    private Map<String, Object> networkJson(Network n) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", n.id);
        j.put("name", n.name);
        j.put("status", "ACTIVE");
        j.put("subnets", n.subnets);
        j.put("tenant_id", n.project);
        j.put("project_id", n.project);
        j.put("shared", n.shared);
        j.put("admin_state_up", true);
        j.put("router:external", false);
        j.put("mtu", 1450);
        return j;
    }

    private Map<String, Object> subnetJson(Subnet s) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", s.id());
        j.put("name", "subnet-" + s.id());
        j.put("network_id", s.networkId());
        j.put("cidr", s.cidr());
        j.put("ip_version", s.cidr().contains(":") ? 6 : 4);
        j.put("enable_dhcp", true);
        j.put("tenant_id", s.project());
        j.put("project_id", s.project());
        j.put("allocation_pools", List.of());
        j.put("dns_nameservers", List.of());
        j.put("host_routes", List.of());
        return j;
    }

    private Map<String, Object> portJson(Port p) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("id", p.id);
        j.put("name", p.name);
        j.put("network_id", p.networkId);
        j.put("tenant_id", p.project);
        j.put("project_id", p.project);
        j.put("mac_address", p.mac);
        j.put("admin_state_up", true);
        j.put("status", p.deviceId.isEmpty() ? "DOWN" : "ACTIVE");
        j.put("device_id", p.deviceId);
        j.put("device_owner", p.deviceId.isEmpty() ? "" : "compute:nova");
        List<Object> ips = new ArrayList<>();
        p.fixedIps.forEach((subnet, ip) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("subnet_id", subnet);
            e.put("ip_address", ip);
            ips.add(e);
        });
        j.put("fixed_ips", ips);
        j.put("security_groups", p.securityGroups);
        return j;
    }
}
