package org.v2vwrapper.output.rhv;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.RequestParser;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.secrets.SecretStore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/** Requests and plan contexts for the oVirt tests. */
final class RhvFixture {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Short bounds so that failure tests stay fast. */
    static final OvirtTimeouts FAST = new OvirtTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMillis(20));

    private RhvFixture() {
    }

    /** A valid ssh-transport request to {@code url}; {@code edit} may change or add keys. */
    static ConversionRequest request(String url, String password, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode n = JSON.createObjectNode();
        n.put("vm_name", "My_Machine");
        n.put("transport_method", "ssh");
        n.put("vmware_uri", "ssh://root@10.2.0.20/vmfs/volumes/ds1/My_Machine/My_Machine.vmx");
        n.put("rhv_url", url);
        n.put("rhv_password", password);
        n.put("rhv_cluster", "Default");
        n.put("rhv_storage", "data");
        edit.accept(n);
        return RequestParser.parse(JSON.writeValueAsString(n).getBytes(StandardCharsets.UTF_8)).request();
    }

    static WrapperSettings settings(Path tmp, Path caBundle) {
        return new WrapperSettings(Path.of("/usr/bin/virt-v2v"), tmp.resolve("run"), tmp.resolve("log"),
                Path.of("/opt/vmware-vix-disklib-distrib"), caBundle);
    }

    static PlanContext context(ConversionRequest request, WrapperSettings settings, Path tmp, boolean dryRun)
            throws Exception {
        SecretStore secrets = dryRun ? SecretStore.dryRun() : SecretStore.create(tmp.resolve("secrets"));
        return new PlanContext(request, settings, secrets, V2vCapabilities.parse("virt-v2v\nmac-option"),
                new Cleanup(), dryRun);
    }
}
