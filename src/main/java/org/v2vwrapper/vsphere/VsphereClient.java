package org.v2vwrapper.vsphere;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.request.Secret;
import org.w3c.dom.Element;

import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The vim25 calls of the pre-copy, over one {@link SoapConnection}. Not thread-safe for concurrent use of one
 * session beyond what vSphere itself allows (calls are independent requests; the cookie is shared).
 *
 * <p>Typical use: {@link #connect} → {@link #login} → {@link #findVmByName} → … → {@link #close} (Logout).
 */
public final class VsphereClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VsphereClient.class);
    private static final ManagedObjectRef SERVICE_INSTANCE = new ManagedObjectRef("ServiceInstance", "ServiceInstance");
    /** Page size asked of RetrievePropertiesEx; the server may answer fewer and a token for the rest. */
    private static final int MAX_OBJECTS = 100;

    /** Timeouts: each SOAP call, each task as a whole, and the pause between two polls of a task. */
    public record Options(Duration callTimeout, Duration taskTimeout, Duration taskPollInterval) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(60), Duration.ofMinutes(30),
                Duration.ofSeconds(1));

        public Options {
            Objects.requireNonNull(callTimeout, "callTimeout");
            Objects.requireNonNull(taskTimeout, "taskTimeout");
            Objects.requireNonNull(taskPollInterval, "taskPollInterval");
        }
    }

    /** The snapshot {@code CreateSnapshot_Task} made, and whether the guest was quiesced for it. */
    public record CreatedSnapshot(ManagedObjectRef snapshot, boolean quiesced) {
    }

    private final VsphereEndpoint endpoint;
    private final Options options;
    private final SoapConnection soap;
    private final ServiceContent content;

    private VsphereClient(VsphereEndpoint endpoint, Options options, SoapConnection soap, ServiceContent content) {
        this.endpoint = endpoint;
        this.options = options;
        this.soap = soap;
        this.content = content;
    }

    /**
     * Opens the TLS connection (pinned unless {@code no_verify}) and reads the service content; no session yet.
     *
     * @throws VsphereException naming {@code RetrieveServiceContent}, e.g. on a thumbprint mismatch
     */
    public static VsphereClient connect(VsphereEndpoint endpoint, Options options) throws VsphereException {
        HttpClient http = HttpClient.newBuilder()
                .sslContext(ThumbprintTrustManager.sslContext(endpoint.noVerify() ? null : endpoint.thumbprint()))
                .connectTimeout(options.callTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        SoapConnection soap = new SoapConnection(http, endpoint.sdkUri(), options.callTimeout());
        Element r = soap.call("RetrieveServiceContent", mor("_this", SERVICE_INSTANCE));
        Element rv = returnval(r, "RetrieveServiceContent");
        ServiceContent content = new ServiceContent(ref(rv, "rootFolder"), ref(rv, "propertyCollector"),
                ref(rv, "viewManager"), ref(rv, "sessionManager"), Xml.text(rv, "about", "apiType"),
                Xml.text(rv, "about", "apiVersion"));
        if (content.rootFolder() == null || content.propertyCollector() == null || content.viewManager() == null
                || content.sessionManager() == null) {
            throw new VsphereException("RetrieveServiceContent", null,
                    "vSphere RetrieveServiceContent failed: the answer lacks the root folder or a manager");
        }
        return new VsphereClient(endpoint, options, soap, content);
    }

    public ServiceContent serviceContent() {
        return content;
    }

    public VsphereEndpoint endpoint() {
        return endpoint;
    }

    /** {@code Login} as the endpoint's user; the password goes into this one request body and nowhere else. */
    public void login(Secret password) throws VsphereException {
        soap.redact(password.reveal());
        soap.call("Login", mor("_this", content.sessionManager()) + el("userName", endpoint.user())
                + el("password", password.reveal()));
        if (!soap.hasSession()) {
            throw new VsphereException("Login", null, "vSphere Login failed: no " + SoapConnection.SESSION_COOKIE
                    + " cookie in the answer");
        }
    }

    public void logout() throws VsphereException {
        try {
            soap.call("Logout", mor("_this", content.sessionManager()));
        } finally {
            soap.forgetSession();
        }
    }

    /** {@code Logout} if logged in; a failure is only logged (the session expires on its own). */
    @Override
    public void close() {
        if (soap.hasSession()) {
            try {
                logout();
            } catch (VsphereException e) {
                LOG.warn("{}", e.getMessage());
            }
        }
    }

    /** {@code CurrentTime}: the keep-alive while the wrapper waits between iterations. */
    public Instant currentTime() throws VsphereException {
        Element r = soap.call("CurrentTime", mor("_this", SERVICE_INSTANCE));
        String t = Xml.text(r, "returnval");
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException | NullPointerException e) {
            throw new VsphereException("CurrentTime", null, "vSphere CurrentTime failed: not a time in the answer");
        }
    }

    /**
     * The one VM called {@code name}, searched through a container view of the whole inventory.
     *
     * @throws VsphereException when no VM or more than one has this name (the message says how many)
     */
    public ManagedObjectRef findVmByName(String name) throws VsphereException {
        Element r = soap.call("CreateContainerView", mor("_this", content.viewManager())
                + mor("container", content.rootFolder()) + el("type", "VirtualMachine") + el("recursive", "true"));
        ManagedObjectRef view = ref(r, "returnval");
        if (view == null) {
            throw new VsphereException("CreateContainerView", null,
                    "vSphere CreateContainerView failed: no view in the answer");
        }
        List<ManagedObjectRef> matches = new ArrayList<>();
        try {
            String spec = "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet>"
                    + "<objectSet>" + mor("obj", view) + "<skip>true</skip>"
                    + "<selectSet xsi:type=\"TraversalSpec\"><name>traverseView</name><type>ContainerView</type>"
                    + "<path>view</path><skip>false</skip></selectSet></objectSet></specSet>";
            for (ObjectContent oc : retrieve(spec)) {
                Element val = oc.props().get("name");
                if (val != null && name.equals(val.getTextContent())) {
                    matches.add(oc.obj());
                }
            }
        } finally {
            try {
                soap.call("DestroyView", mor("_this", view));
            } catch (VsphereException e) {
                LOG.warn("{}", e.getMessage());
            }
        }
        if (matches.size() != 1) {
            throw new VsphereException("RetrievePropertiesEx", null, matches.isEmpty()
                    ? "vSphere has no VM named \"" + name + "\""
                    : "vSphere has " + matches.size() + " VMs named \"" + name + "\"; the name must be unique");
        }
        return matches.get(0);
    }

    /** The VM's name, power state, change tracking, firmware, memory, vCPUs, disks, NICs and snapshots. */
    public VmInfo vmInfo(ManagedObjectRef vm) throws VsphereException {
        Map<String, Element> p = properties(vm, "name", "runtime.powerState", "config.changeTrackingEnabled",
                "config.firmware", "config.hardware.memoryMB", "config.hardware.numCPU", "config.hardware.device",
                "snapshot");
        List<VirtualDiskInfo> disks = new ArrayList<>();
        List<NicInfo> nics = new ArrayList<>();
        devices(p.get("config.hardware.device"), disks, nics);
        return new VmInfo(vm, textOf(p.get("name")), textOf(p.get("runtime.powerState")),
                "true".equals(textOf(p.get("config.changeTrackingEnabled"))), textOf(p.get("config.firmware")),
                intOf(p.get("config.hardware.memoryMB")), intOf(p.get("config.hardware.numCPU")), disks, nics,
                snapshotInfo(p.get("snapshot")));
    }

    /** {@code runtime.powerState} alone: what the power-off wait polls. */
    public String powerState(ManagedObjectRef vm) throws VsphereException {
        return textOf(properties(vm, "runtime.powerState").get("runtime.powerState"));
    }

    /** The disks as a snapshot froze them: the file names and changeIds of that point in time. */
    public List<VirtualDiskInfo> snapshotDisks(ManagedObjectRef snapshot) throws VsphereException {
        List<VirtualDiskInfo> disks = new ArrayList<>();
        devices(properties(snapshot, "config.hardware.device").get("config.hardware.device"), disks,
                new ArrayList<>());
        return disks;
    }

    /** {@code ReconfigVM_Task} with {@code changeTrackingEnabled=true}, waited for. */
    public void enableChangeTracking(ManagedObjectRef vm) throws VsphereException {
        Element r = soap.call("ReconfigVM_Task", mor("_this", vm)
                + "<spec><changeTrackingEnabled>true</changeTrackingEnabled></spec>");
        waitForTask(ref(r, "returnval"), "ReconfigVM_Task");
    }

    /**
     * {@code CreateSnapshot_Task} without memory, quiesced; when quiescing fails (no VMware Tools, a guest that
     * cannot freeze) it is tried once more without quiescing and a warning is logged.
     */
    public CreatedSnapshot createSnapshot(ManagedObjectRef vm, String name, String description)
            throws VsphereException {
        try {
            return new CreatedSnapshot(createSnapshot(vm, name, description, true), true);
        } catch (VsphereException e) {
            if (!isQuiesceFault(e)) {
                throw e;
            }
            LOG.warn("{}; taking the snapshot without quiescing the guest", e.getMessage());
            return new CreatedSnapshot(createSnapshot(vm, name, description, false), false);
        }
    }

    private ManagedObjectRef createSnapshot(ManagedObjectRef vm, String name, String description, boolean quiesce)
            throws VsphereException {
        Element r = soap.call("CreateSnapshot_Task", mor("_this", vm) + el("name", name)
                + el("description", description) + el("memory", "false") + el("quiesce", Boolean.toString(quiesce)));
        TaskInfo info = waitForTask(ref(r, "returnval"), "CreateSnapshot_Task");
        if (info.result() == null) {
            throw new VsphereException("CreateSnapshot_Task", null,
                    "vSphere CreateSnapshot_Task failed: the task named no snapshot");
        }
        return info.result();
    }

    static boolean isQuiesceFault(VsphereException e) {
        String t = e.faultType() == null ? "" : e.faultType();
        String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        return t.contains("Quiesce") || t.equals("ToolsUnavailable") || m.contains("quiesc");
    }

    /** {@code RemoveSnapshot_Task} (children kept, disks consolidated), waited for. */
    public void removeSnapshot(ManagedObjectRef snapshot) throws VsphereException {
        Element r = soap.call("RemoveSnapshot_Task", mor("_this", snapshot) + el("removeChildren", "false")
                + el("consolidate", "true"));
        waitForTask(ref(r, "returnval"), "RemoveSnapshot_Task");
    }

    /**
     * One {@code QueryChangedDiskAreas} call: the areas of disk {@code diskKey} changed since {@code changeId}
     * ({@code "*"}: every allocated area) as of {@code snapshot}, from {@code startOffset}. One call covers only
     * part of a disk; {@link ChangedAreas} pages through all of it.
     */
    public DiskChangeInfo queryChangedDiskAreas(ManagedObjectRef vm, ManagedObjectRef snapshot, int diskKey,
                                                long startOffset, String changeId) throws VsphereException {
        Element r = soap.call("QueryChangedDiskAreas", mor("_this", vm)
                + (snapshot == null ? "" : mor("snapshot", snapshot)) + el("deviceKey", Integer.toString(diskKey))
                + el("startOffset", Long.toString(startOffset)) + el("changeId", changeId));
        Element rv = returnval(r, "QueryChangedDiskAreas");
        List<ChangedArea> areas = new ArrayList<>();
        for (Element a : Xml.children(rv, "changedArea")) {
            areas.add(new ChangedArea(longOf(a, "start", "QueryChangedDiskAreas"),
                    longOf(a, "length", "QueryChangedDiskAreas")));
        }
        return new DiskChangeInfo(longOf(rv, "startOffset", "QueryChangedDiskAreas"),
                longOf(rv, "length", "QueryChangedDiskAreas"), areas);
    }

    /** {@code ShutdownGuest}: asks VMware Tools to shut the guest down and returns at once. */
    public void shutdownGuest(ManagedObjectRef vm) throws VsphereException {
        soap.call("ShutdownGuest", mor("_this", vm));
    }

    /** {@code PowerOffVM_Task}, waited for. */
    public void powerOff(ManagedObjectRef vm) throws VsphereException {
        Element r = soap.call("PowerOffVM_Task", mor("_this", vm));
        waitForTask(ref(r, "returnval"), "PowerOffVM_Task");
    }

    /** A task's {@code info}. */
    public TaskInfo taskInfo(ManagedObjectRef task) throws VsphereException {
        Element info = properties(task, "info").get("info");
        if (info == null) {
            throw new VsphereException("RetrievePropertiesEx", null,
                    "vSphere RetrievePropertiesEx failed: task " + task.value() + " has no info");
        }
        Element error = Xml.child(info, "error");
        String errorType = null;
        String errorMessage = null;
        if (error != null) {
            Element fault = Xml.child(error, "fault");
            errorType = fault == null ? null : Xml.xsiType(fault);
            errorMessage = Xml.text(error, "localizedMessage");
        }
        Element result = Xml.child(info, "result");
        ManagedObjectRef resultRef = result != null && result.hasAttribute("type")
                ? new ManagedObjectRef(result.getAttribute("type"), result.getTextContent().trim()) : null;
        return new TaskInfo(Xml.text(info, "state"), errorType, errorMessage, resultRef);
    }

    /**
     * Polls the task's {@code info.state} until {@code success} or {@code error} (then a one-line
     * {@link VsphereException} naming {@code call} and the fault), within the task timeout.
     */
    public TaskInfo waitForTask(ManagedObjectRef task, String call) throws VsphereException {
        if (task == null) {
            throw new VsphereException(call, null, "vSphere " + call + " failed: no task in the answer");
        }
        long deadline = System.nanoTime() + options.taskTimeout().toNanos();
        while (true) {
            TaskInfo info = taskInfo(task);
            if ("success".equals(info.state())) {
                return info;
            }
            if ("error".equals(info.state())) {
                String type = info.errorType();
                String msg = info.errorMessage() == null || info.errorMessage().isEmpty()
                        ? "(no message)" : info.errorMessage();
                throw new VsphereException(call, type, Xml.firstLine("vSphere " + call + " failed: "
                        + (type == null ? "" : type + ": ") + msg));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new VsphereException(call, null, "vSphere " + call + " failed: task " + task.value()
                        + " still " + info.state() + " after " + options.taskTimeout().toSeconds() + " s");
            }
            try {
                Thread.sleep(options.taskPollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VsphereException(call, null, "vSphere " + call + " failed: interrupted while waiting");
            }
        }
    }

    // ---- property collector ----

    private record ObjectContent(ManagedObjectRef obj, Map<String, Element> props) {
    }

    private Map<String, Element> properties(ManagedObjectRef obj, String... paths) throws VsphereException {
        StringBuilder spec = new StringBuilder("<specSet><propSet>").append(el("type", obj.type()));
        for (String p : paths) {
            spec.append(el("pathSet", p));
        }
        spec.append("</propSet><objectSet>").append(mor("obj", obj)).append("<skip>false</skip></objectSet>")
                .append("</specSet>");
        Map<String, Element> out = new HashMap<>();
        for (ObjectContent oc : retrieve(spec.toString())) {
            if (oc.obj().equals(obj)) {
                out.putAll(oc.props());
            }
        }
        return out;
    }

    /** RetrievePropertiesEx and, while the answer carries a token, ContinueRetrievePropertiesEx. */
    private List<ObjectContent> retrieve(String specSet) throws VsphereException {
        List<ObjectContent> out = new ArrayList<>();
        Element r = soap.call("RetrievePropertiesEx", mor("_this", content.propertyCollector()) + specSet
                + "<options><maxObjects>" + MAX_OBJECTS + "</maxObjects></options>");
        Element result = Xml.child(r, "returnval");
        String call = "RetrievePropertiesEx";
        while (result != null) {
            for (Element oc : Xml.children(result, "objects")) {
                ManagedObjectRef obj = ref(oc, "obj");
                for (Element missing : Xml.children(oc, "missingSet")) {
                    Element fault = Xml.path(missing, "fault", "fault");
                    String type = fault == null ? null : Xml.xsiType(fault);
                    throw new VsphereException(call, type, "vSphere " + call + " failed: cannot read "
                            + Xml.text(missing, "path") + " of " + (obj == null ? "?" : obj.value())
                            + (type == null ? "" : ": " + type));
                }
                Map<String, Element> props = new HashMap<>();
                for (Element ps : Xml.children(oc, "propSet")) {
                    props.put(Xml.text(ps, "name"), Xml.child(ps, "val"));
                }
                if (obj != null) {
                    out.add(new ObjectContent(obj, props));
                }
            }
            String token = Xml.text(result, "token");
            if (token == null || token.isEmpty()) {
                break;
            }
            call = "ContinueRetrievePropertiesEx";
            r = soap.call(call, mor("_this", content.propertyCollector()) + el("token", token));
            result = Xml.child(r, "returnval");
        }
        return out;
    }

    // ---- answers ----

    private static void devices(Element array, List<VirtualDiskInfo> disks, List<NicInfo> nics) {
        if (array == null) {
            return;
        }
        for (Element d : Xml.children(array)) {
            String type = Xml.xsiType(d);
            int key = parseInt(Xml.text(d, "key"));
            String label = Xml.text(d, "deviceInfo", "label");
            Element backing = Xml.child(d, "backing");
            if ("VirtualDisk".equals(type)) {
                String bytes = Xml.text(d, "capacityInBytes");
                String kb = Xml.text(d, "capacityInKB");
                long capacity = bytes != null ? Long.parseLong(bytes) : kb != null ? Long.parseLong(kb) * 1024 : 0;
                String changeId = Xml.text(backing, "changeId");
                disks.add(new VirtualDiskInfo(key, label, capacity, Xml.text(backing, "fileName"),
                        changeId == null || changeId.isEmpty() ? null : changeId));
            } else if (Xml.child(d, "macAddress") != null) {
                // every VirtualEthernetCard subtype (VirtualVmxnet3, VirtualE1000e, …) has a macAddress
                nics.add(new NicInfo(key, label, type, Xml.text(d, "macAddress"), Xml.text(backing, "deviceName"),
                        Xml.text(backing, "port", "portgroupKey")));
            }
        }
    }

    private static SnapshotInfo snapshotInfo(Element val) {
        if (val == null) {
            return SnapshotInfo.NONE;
        }
        List<SnapshotInfo.Entry> entries = new ArrayList<>();
        for (Element tree : Xml.children(val, "rootSnapshotList")) {
            walk(tree, null, entries);
        }
        return new SnapshotInfo(ref(val, "currentSnapshot"), entries);
    }

    private static void walk(Element tree, ManagedObjectRef parent, List<SnapshotInfo.Entry> out) {
        ManagedObjectRef self = ref(tree, "snapshot");
        out.add(new SnapshotInfo.Entry(self, Xml.text(tree, "name"), Xml.text(tree, "description"), parent));
        for (Element child : Xml.children(tree, "childSnapshotList")) {
            walk(child, self, out);
        }
    }

    private static Element returnval(Element response, String call) throws VsphereException {
        Element rv = Xml.child(response, "returnval");
        if (rv == null) {
            throw new VsphereException(call, null, "vSphere " + call + " failed: no returnval in the answer");
        }
        return rv;
    }

    private static ManagedObjectRef ref(Element parent, String name) {
        Element e = Xml.child(parent, name);
        if (e == null || !e.hasAttribute("type")) {
            return null;
        }
        return new ManagedObjectRef(e.getAttribute("type"), e.getTextContent().trim());
    }

    private static long longOf(Element parent, String name, String call) throws VsphereException {
        String t = Xml.text(parent, name);
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new VsphereException(call, null, "vSphere " + call + " failed: " + name + " is not a number");
        }
    }

    private static String textOf(Element val) {
        return val == null ? null : val.getTextContent().trim();
    }

    private static int intOf(Element val) {
        return parseInt(textOf(val));
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ---- request fragments ----

    private static String mor(String tag, ManagedObjectRef r) {
        return "<" + tag + " type=\"" + Xml.esc(r.type()) + "\">" + Xml.esc(r.value()) + "</" + tag + ">";
    }

    private static String el(String tag, String value) {
        return "<" + tag + ">" + Xml.esc(value) + "</" + tag + ">";
    }
}
