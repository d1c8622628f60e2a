package org.v2vwrapper.request;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.v2vwrapper.throttle.limits.InvalidLimitsException;
import org.v2vwrapper.throttle.limits.Limits;
import org.v2vwrapper.throttle.limits.LimitsParser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns the caller's JSON document into a {@link ConversionRequest}: type checks for every key, then the
 * rules that tie keys together. The first problem found is thrown as an {@link InvalidRequestException}
 * whose message starts with the key.
 */
public final class RequestParser {
    /** Requests are a few KiB; anything bigger is a mistake (a disk image piped in by accident). */
    public static final int MAX_INPUT_BYTES = 1 << 20;

    static final String INPUT = "input";

    private static final Pattern MAC = Pattern.compile("^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$");
    private static final Pattern THUMBPRINT = Pattern.compile("^([0-9A-Fa-f]{2}:){19,31}[0-9A-Fa-f]{2}$");
    private static final Pattern UUID = Pattern.compile(
            "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$");

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** The request and the keys that were ignored (callers send extras such as {@code vm_uuid}). */
    public record Parsed(ConversionRequest request, List<String> unknownKeys) {
    }

    private RequestParser() {
    }

    public static Parsed parse(byte[] bytes) throws InvalidRequestException {
        String text = decodeUtf8(bytes);
        if (text.isBlank()) {
            throw new InvalidRequestException(INPUT, "empty; expected a JSON object");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (StreamConstraintsException e) {
            throw new InvalidRequestException(INPUT, "not accepted: nested too deeply or a value is too long");
        } catch (JsonParseException e) {
            // The parser's own message can quote the text around the error, which may be a password: only
            // key names (from the parser's position) and the location are passed on.
            if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field ")
                    && e.getProcessor() != null) {
                throw new InvalidRequestException(keyPath(e.getProcessor().getParsingContext()),
                        "given more than once");
            }
            throw new InvalidRequestException(INPUT, "not valid JSON" + location(e));
        } catch (MismatchedInputException e) {
            // FAIL_ON_TRAILING_TOKENS: a second JSON value after the object.
            throw new InvalidRequestException(INPUT, "unexpected content after the JSON object" + location(e));
        } catch (IOException e) {
            throw new InvalidRequestException(INPUT, "not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRequestException(INPUT, "must be a JSON object, not "
                    + (root == null ? "nothing" : JsonFields.describe(root.getNodeType())));
        }
        return parse((ObjectNode) root);
    }

    private static String location(com.fasterxml.jackson.core.JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    /** The position of the parser as a key path in the style of the other errors: {@code network_mappings[0].source}. */
    private static String keyPath(JsonStreamContext ctx) {
        List<JsonStreamContext> chain = new ArrayList<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            chain.add(0, c);
        }
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext c : chain) {
            if (c.inArray()) {
                path.append('[').append(c.getCurrentIndex()).append(']');
            } else if (c.getCurrentName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(c.getCurrentName());
            }
        }
        return path.length() == 0 ? INPUT : path.toString();
    }

    private static String decodeUtf8(byte[] bytes) throws InvalidRequestException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException(INPUT, "not valid UTF-8");
        }
    }

    static Parsed parse(ObjectNode root) throws InvalidRequestException {
        RequestText.check(root, "");
        if (root.has(ExportMap.KEY)) {
            return new Parsed(exportOnly(root), List.of());
        }
        JsonFields f = new JsonFields(root, "");
        String vmName = f.requiredString("vm_name");
        if (vmName.startsWith("-")) {
            // With vddk the name is a positional argument of virt-v2v, which would read it as an option.
            throw new InvalidRequestException("vm_name", "must not start with '-'");
        }
        if (vmName.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("vm_name", "must not contain control characters (newline, tab...)");
        }
        OutputFormat outputFormat = enumValue(f, "output_format", OutputFormat.class).orElse(OutputFormat.RAW);
        TransportMethod transport = enumValue(f, "transport_method", TransportMethod.class)
                .orElseThrow(() -> f.missing("transport_method"));

        Optional<String> vmwareUri = f.nonBlankString("vmware_uri");
        Optional<Secret> vmwarePassword = f.secret("vmware_password");
        Optional<String> fingerprint = f.nonBlankString("vmware_fingerprint");
        Optional<Secret> sshKey = f.secret("ssh_key");

        Optional<Boolean> twoPhaseKey = f.bool("two_phase");
        boolean warm = f.bool("warm", false);
        Optional<String> conversionHostUuid = f.nonBlankString("conversion_host_uuid");
        Optional<Integer> iterationSeconds = f.nonNegativeInt("iteration_seconds");

        List<String> sourceDisks = f.stringList("source_disks").orElse(List.of());
        List<NetworkMapping> mappings = networkMappings(f);
        boolean installDrivers = f.bool("install_drivers", false);
        Optional<Allocation> allocation = enumValue(f, "allocation", Allocation.class);
        Optional<Path> luksVault = f.filePath("luks_keys_vault");
        boolean rhvDebug = f.bool("rhv_debug", false);
        boolean insecure = f.bool("insecure_connection", false);
        boolean daemonize = f.bool("daemonize", false);
        Limits throttling = throttling(f);

        Optional<RhvDestination> rhv = rhvDestination(f, rhvDebug);
        Optional<OspDestination> osp = ospDestination(f);
        Optional<Path> localDir = f.filePath("local_output_dir");
        Optional<OspSourceEnvironment> ospSource = ospSource(f);

        // --- rules that tie keys together ---
        int outputs = (rhv.isPresent() ? 1 : 0) + (osp.isPresent() ? 1 : 0) + (localDir.isPresent() ? 1 : 0);
        if (outputs == 0) {
            throw new InvalidRequestException("rhv_url",
                    "no output chosen: give rhv_url (oVirt), osp_environment (OpenStack) or local_output_dir");
        }
        if (outputs > 1) {
            throw new InvalidRequestException(rhv.isPresent() ? "rhv_url" : "osp_environment",
                    "only one output may be chosen among rhv_url, osp_environment and local_output_dir");
        }
        if (rhvDebug && rhv.isEmpty()) {
            throw new InvalidRequestException("rhv_debug", "only applies with rhv_url");
        }
        if (localDir.isPresent() && !localDir.get().isAbsolute()) {
            throw new InvalidRequestException("local_output_dir", "must be an absolute path");
        }

        if (warm && twoPhaseKey.isPresent() && !twoPhaseKey.get()) {
            throw new InvalidRequestException("warm", "requires two_phase; two_phase is false");
        }
        boolean twoPhase = twoPhaseKey.orElse(false) || warm;
        if (twoPhase) {
            if (rhv.isPresent() && conversionHostUuid.isEmpty()) {
                throw new InvalidRequestException("conversion_host_uuid",
                        "required for a two-phase conversion to oVirt (the conversion host's own VM)");
            }
            if (warm && transport != TransportMethod.VDDK) {
                throw new InvalidRequestException("warm", "is supported only with transport_method vddk");
            }
            if (transport != TransportMethod.VDDK && transport != TransportMethod.SSH) {
                throw new InvalidRequestException("two_phase", "is supported only with transport_method vddk or ssh");
            }
        }
        if (conversionHostUuid.isPresent() && !UUID.matcher(conversionHostUuid.get()).matches()) {
            throw new InvalidRequestException("conversion_host_uuid", "must be a UUID");
        }
        if (iterationSeconds.isPresent() && !warm) {
            throw new InvalidRequestException("iteration_seconds", "only applies with warm");
        }
        if (fingerprint.isPresent() && !THUMBPRINT.matcher(fingerprint.get()).matches()) {
            throw new InvalidRequestException("vmware_fingerprint",
                    "must be colon-separated hex bytes, e.g. 1A:3F:26:…:5C");
        }

        if (ospSource.isPresent()) {
            if (osp.isEmpty()) {
                throw new InvalidRequestException("osp_source_environment", "requires osp_environment (OpenStack output)");
            }
            if (transport != TransportMethod.SSH) {
                throw new InvalidRequestException("transport_method",
                        "must be ssh for an OpenStack to OpenStack migration");
            }
        } else {
            switch (transport) {
                case VDDK -> {
                    requirePresent(vmwareUri, "vmware_uri", "required with transport_method vddk");
                    requirePresent(vmwarePassword, "vmware_password", "required with transport_method vddk");
                    requirePresent(fingerprint, "vmware_fingerprint", "required with transport_method vddk");
                }
                case SSH -> {
                    requirePresent(vmwareUri, "vmware_uri", "required with transport_method ssh");
                    if (!vmwareUri.get().startsWith("ssh://")) {
                        throw new InvalidRequestException("vmware_uri",
                                "must be an ssh:// URI to the .vmx file with transport_method ssh");
                    }
                }
                case DISK -> {
                    if (sourceDisks.isEmpty()) {
                        throw new InvalidRequestException("source_disks",
                                "must list the disk image files with transport_method disk");
                    }
                    for (int i = 0; i < sourceDisks.size(); i++) {
                        if (!RequestText.path("source_disks[" + i + "]", sourceDisks.get(i)).isAbsolute()) {
                            throw new InvalidRequestException("source_disks[" + i + "]",
                                    "must be an absolute path with transport_method disk");
                        }
                    }
                }
            }
        }
        if (transport == TransportMethod.VDDK && vmwareUri.isPresent()) {
            String scheme = vmwareUri.get().split(":", 2)[0];
            if (!(scheme.equals("esx") || scheme.equals("vpx"))) {
                throw new InvalidRequestException("vmware_uri", "must be an esx:// or vpx:// libvirt URI with transport_method vddk");
            }
        }
        if (osp.isPresent()) {
            for (int i = 0; i < mappings.size(); i++) {
                if (mappings.get(i).macAddress().isEmpty()) {
                    throw new InvalidRequestException("network_mappings[" + i + "].mac_address",
                            "required with OpenStack output");
                }
            }
        }

        ConversionRequest request = new ConversionRequest(vmName, outputFormat, transport, vmwareUri, vmwarePassword,
                fingerprint, sshKey, twoPhase, warm, conversionHostUuid, iterationSeconds, sourceDisks, mappings,
                installDrivers, allocation, luksVault, rhv, osp, localDir, insecure, ospSource, Optional.empty(),
                daemonize, throttling);
        return new Parsed(request, f.unreadKeys());
    }

    /** The initial limits: {@code throttling} in the shape of the throttling file (docs/throttling.md). */
    private static Limits throttling(JsonFields f) throws InvalidRequestException {
        Optional<JsonNode> value = f.raw("throttling");
        if (value.isEmpty()) {
            return Limits.UNLIMITED;
        }
        try {
            return LimitsParser.parseRequestValue(value.get(), f.path("throttling")).applyTo(Limits.UNLIMITED);
        } catch (InvalidLimitsException e) {
            throw new InvalidRequestException(e.keyPath(), e.reason());
        }
    }

    private static void requirePresent(Optional<?> value, String key, String why) throws InvalidRequestException {
        if (value.isEmpty()) {
            throw new InvalidRequestException(key, why);
        }
    }

    private static <E extends Enum<E>> Optional<E> enumValue(JsonFields f, String key, Class<E> type)
            throws InvalidRequestException {
        Optional<String> s = f.string(key);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        List<String> allowed = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            String name = e.name().toLowerCase(Locale.ROOT);
            if (name.equals(s.get())) {
                return Optional.of(e);
            }
            allowed.add(name);
        }
        throw new InvalidRequestException(key, "must be one of " + String.join(", ", allowed));
    }

    private static List<NetworkMapping> networkMappings(JsonFields f) throws InvalidRequestException {
        List<NetworkMapping> out = new ArrayList<>();
        for (JsonFields m : f.objectList("network_mappings").orElse(List.of())) {
            String source = m.requiredString("source");
            String destination = m.requiredString("destination");
            Optional<String> mac = m.nonBlankString("mac_address");
            if (mac.isPresent() && !MAC.matcher(mac.get()).matches()) {
                throw new InvalidRequestException(m.path("mac_address"), "must be a MAC address like 00:50:56:a6:ee:58");
            }
            Optional<String> ip = m.nonBlankString("ip_address");
            if (ip.isPresent() && !IpAddresses.isLiteral(ip.get())) {
                throw new InvalidRequestException(m.path("ip_address"), "must be an IPv4 or IPv6 address");
            }
            out.add(new NetworkMapping(source, destination, mac.map(s -> s.toLowerCase(Locale.ROOT)), ip));
        }
        return out;
    }

    private static Optional<RhvDestination> rhvDestination(JsonFields f, boolean debug) throws InvalidRequestException {
        Optional<String> url = f.nonBlankString("rhv_url");
        Optional<Secret> password = f.secret("rhv_password");
        Optional<String> cluster = f.nonBlankString("rhv_cluster");
        Optional<String> storage = f.nonBlankString("rhv_storage");
        if (url.isEmpty()) {
            for (String key : List.of("rhv_password", "rhv_cluster", "rhv_storage")) {
                if (f.has(key)) {
                    throw new InvalidRequestException(key, "only applies with rhv_url");
                }
            }
            return Optional.empty();
        }
        if (!(url.get().startsWith("https://") || url.get().startsWith("http://"))) {
            throw new InvalidRequestException("rhv_url", "must be an https:// (or http://) URL of the oVirt engine API");
        }
        try {
            java.net.URI uri = new java.net.URI(url.get());
            if (uri.getHost() == null) {
                throw new InvalidRequestException("rhv_url", "has no host name");
            }
        } catch (java.net.URISyntaxException e) {
            throw new InvalidRequestException("rhv_url", "is not a valid URL");
        }
        return Optional.of(new RhvDestination(url.get(),
                password.orElseThrow(() -> new InvalidRequestException("rhv_password", "required with rhv_url")),
                cluster.orElseThrow(() -> new InvalidRequestException("rhv_cluster", "required with rhv_url")),
                storage.orElseThrow(() -> new InvalidRequestException("rhv_storage", "required with rhv_url")),
                debug));
    }

    private static Optional<OspDestination> ospDestination(JsonFields f) throws InvalidRequestException {
        Optional<JsonFields> envObject = f.object("osp_environment");
        Optional<String> project = f.nonBlankString("osp_destination_project_id");
        Optional<String> flavor = f.nonBlankString("osp_flavor_id");
        Optional<List<String>> groups = f.stringList("osp_security_groups_ids");
        // The spec spells it both ways; accept either, refuse two different lists.
        Optional<List<String>> groupsAlt = f.stringList("osp_security_group_ids");
        Optional<String> server = f.nonBlankString("osp_server_id");
        Optional<String> volumeType = f.nonBlankString("osp_volume_type_id");
        Optional<String> guestId = f.nonBlankString("osp_guest_id");
        if (envObject.isEmpty()) {
            for (String key : List.of("osp_destination_project_id", "osp_flavor_id", "osp_security_groups_ids",
                    "osp_security_group_ids", "osp_server_id", "osp_volume_type_id", "osp_guest_id")) {
                if (f.has(key)) {
                    throw new InvalidRequestException(key, "only applies with osp_environment");
                }
            }
            return Optional.empty();
        }
        Map<String, String> raw = envObject.get().scalarEntries();
        if (raw.isEmpty()) {
            throw new InvalidRequestException("osp_environment", "must not be empty");
        }
        java.util.LinkedHashMap<String, String> variables = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String prefix = e.getKey().length() > 3 ? e.getKey().substring(0, 3).toLowerCase(Locale.ROOT) : "";
            if (!prefix.equals("os-") && !prefix.equals("os_")) {
                throw new InvalidRequestException("osp_environment." + e.getKey(), "keys must start with os- or os_");
            }
            String name = OspEnvironment.variableName(e.getKey());
            // The settings become virt-v2v's environment: refuse here what ProcessBuilder would refuse later
            // with the value in its exception's message.
            RequestText.checkEnvironment("osp_environment." + e.getKey(), e.getKey().substring(3), e.getValue());
            if (variables.put(name, e.getValue()) != null) {
                throw new InvalidRequestException("osp_environment." + e.getKey(), "given twice (as " + name + ")");
            }
        }
        OspEnvironment env = new OspEnvironment(variables);
        if (env.get("AUTH_URL").isEmpty()) {
            throw new InvalidRequestException("osp_environment.os-auth_url", "missing required key");
        }
        if (groups.isPresent() && groupsAlt.isPresent() && !groups.get().equals(groupsAlt.get())) {
            throw new InvalidRequestException("osp_security_group_ids",
                    "differs from osp_security_groups_ids; give only one");
        }
        List<String> securityGroups = groups.or(() -> groupsAlt)
                .orElseThrow(() -> new InvalidRequestException("osp_security_groups_ids", "required with osp_environment"));
        return Optional.of(new OspDestination(env,
                project.orElseThrow(() -> new InvalidRequestException("osp_destination_project_id", "required with osp_environment")),
                flavor.orElseThrow(() -> new InvalidRequestException("osp_flavor_id", "required with osp_environment")),
                securityGroups,
                server.orElseThrow(() -> new InvalidRequestException("osp_server_id", "required with osp_environment")),
                volumeType, guestId));
    }

    /**
     * {@code {"nbd_export_only": {…}}}: the whole request of the export mode (what the destination's wrapper sends
     * to the source host's UCI container); any other key is refused, after the map itself.
     */
    private static ConversionRequest exportOnly(ObjectNode root) throws InvalidRequestException {
        ExportMap map = ExportMap.validate(root.get(ExportMap.KEY));
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals(ExportMap.KEY)) {
                throw new InvalidRequestException(key, "not used with nbd_export_only (it takes no other key)");
            }
        }
        return new ConversionRequest(ExportMap.KEY, OutputFormat.RAW, TransportMethod.SSH, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), false, false, Optional.empty(), Optional.empty(),
                List.of(), List.of(), false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), false, Optional.empty(), Optional.of(map), false,
                org.v2vwrapper.throttle.limits.Limits.UNLIMITED);
    }

    private static Optional<OspSourceEnvironment> ospSource(JsonFields f) throws InvalidRequestException {
        Optional<JsonFields> o = f.object("osp_source_environment");
        Optional<String> export = f.nonBlankString("osp_source_export");
        Optional<String> image = f.nonBlankString("uci_container_image");
        if (o.isEmpty()) {
            if (export.isPresent()) {
                throw new InvalidRequestException("osp_source_export", "only applies with osp_source_environment");
            }
            if (image.isPresent()) {
                throw new InvalidRequestException("uci_container_image", "only applies with osp_source_environment");
            }
            return Optional.empty();
        }
        if (export.isPresent() && !export.get().equals("uci") && !export.get().equals("nbdkit")) {
            throw new InvalidRequestException("osp_source_export", "must be \"uci\" or \"nbdkit\"");
        }
        if (image.isPresent() && !image.get().matches("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}")) {
            throw new InvalidRequestException("uci_container_image",
                    "must be a container image reference (letters, digits and . _ / : @ -)");
        }
        JsonFields s = o.get();
        OspSourceEnvironment env = new OspSourceEnvironment(
                s.requiredString("vm_id"),
                s.requiredString("conversion_vm_id"),
                s.requiredString("auth_url"),
                s.requiredString("username"),
                s.secret("password").orElseThrow(() -> s.missing("password")),
                s.nonBlankString("user_domain_name"),
                s.nonBlankString("project_name"),
                s.nonBlankString("project_domain_name"),
                s.bool("verify", true),
                export.orElse(OspSourceEnvironment.DEFAULT_EXPORT),
                image.orElse(OspSourceEnvironment.DEFAULT_IMAGE));
        List<String> unknown = s.unreadKeys();
        if (!unknown.isEmpty()) {
            throw new InvalidRequestException(unknown.get(0), "unknown key");
        }
        return Optional.of(env);
    }
}
