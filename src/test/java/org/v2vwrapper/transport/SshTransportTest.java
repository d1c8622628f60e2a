package org.v2vwrapper.transport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.output.Targets;
import org.v2vwrapper.transport.Transports;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.plan.PlanBuilder;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.plan.VirtV2vCommand;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.RequestFixtures;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.secrets.SecretStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ssh transport for real: a private ssh-agent is started, the request's key is added to it, virt-v2v gets
 * only SSH_AUTH_SOCK, and Cleanup stops the agent and removes its socket. Needs openssh-client.
 */
class SshTransportTest {
    static final String V2V = "/usr/bin/virt-v2v";
    static final String CA = "/etc/pki/ca-trust/source/anchors/v2v-conversion-host-ca-bundle.pem";
    static final V2vCapabilities CAPS = V2vCapabilities.parse("virt-v2v\nvirt-v2v-2.0\nmac-option\n");
    static final List<String> COMMON = List.of(V2V, "-v", "-x", "--root", "first",
            "--machine-readable=file:/var/log/uci/virt-v2v-mr.log");
    static final List<String> SSH_INPUT = List.of(RequestFixtures.SSH_URI, "-i", "vmx", "-it", "ssh");

    @TempDir
    Path tmp;
    SecretStore secrets;
    Cleanup cleanup;
    Set<Long> agentsBefore;

    @BeforeEach
    void setUp() throws IOException {
        secrets = SecretStore.create(tmp.resolve("run"));
        cleanup = new Cleanup();
        agentsBefore = sshAgentChildren().stream().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    @AfterEach
    void tearDown() throws IOException {
        cleanup.close();
        secrets.close();
    }

    private VirtV2vCommand command(ObjectNode request, boolean dryRun) throws Exception {
        ConversionRequest r = RequestFixtures.parse(request);
        WrapperSettings s = new WrapperSettings(Path.of(V2V), tmp.resolve("run"), Path.of("/var/log/uci"),
                Path.of("/opt/vmware-vix-disklib-distrib"), Path.of(CA));
        PlanContext ctx = new PlanContext(r, s, dryRun ? SecretStore.dryRun() : secrets, CAPS, cleanup, dryRun);
        return PlanBuilder.command(ctx, Transports.forInput(r.transportMethod()), Targets.forDestination(r.destination()).offline(ctx),
                Optional.of(tmp.toString()));
    }

    /** A throwaway key pair made by ssh-keygen; returns the private key file. */
    private Path throwawayKey() throws Exception {
        Path key = tmp.resolve("id_ed25519");
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "v2v-wrapper-test",
                "-f", key.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "ssh-keygen failed");
        return key;
    }

    private static String run(Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " hangs");
        return p.exitValue() + ":" + out;
    }

    private static boolean isSocket(Path p) throws IOException {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS) && Files.readAttributes(p,
                java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
    }

    private static List<ProcessHandle> sshAgentChildren() {
        // The agent is a grandchild: ssh-agent in command mode forks, its parent becomes `cat` (SshAgent.start).
        return ProcessHandle.current().descendants()
                .filter(h -> h.info().command().map(c -> c.endsWith("ssh-agent")).orElse(false))
                .toList();
    }

    private List<ProcessHandle> newAgents() {
        List<ProcessHandle> out = new ArrayList<>(sshAgentChildren());
        out.removeIf(h -> agentsBefore.contains(h.pid()));
        return out;
    }

    @Test
    void sshToRhvStartsAnAgentWithTheKeyAndStopsItOnCleanup() throws Exception {
        Path key = throwawayKey();
        String privateKey = Files.readString(key);
        ObjectNode n = RequestFixtures.sshToRhv();
        n.put("ssh_key", privateKey);

        VirtV2vCommand c = command(n, false);

        String socket = c.environment().get("SSH_AUTH_SOCK");
        Path sock = Path.of(socket);
        assertEquals(List.of(COMMON, SSH_INPUT, List.of("--bridge", "ovirtmgmt", "-of", "raw",
                        "-o", "rhv-upload", "-oc", "https://engine.example.com/ovirt-engine/api", "-os", "data",
                        "-op", secrets.directory().resolve("rhv_password").toString(),
                        "-oo", "rhv-cafile=" + CA, "-oo", "rhv-cluster=Default", "-oo", "rhv-direct",
                        "-oo", "rhv-verifypeer=true")).stream().flatMap(List::stream).toList(),
                c.argv());
        assertEquals(Map.of("LANG", "C", "LIBGUESTFS_BACKEND", "direct", "SSH_AUTH_SOCK", socket), c.environment());
        assertTrue(isSocket(sock), "SSH_AUTH_SOCK is a socket: " + sock);
        assertEquals("rwx------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(sock.getParent(), LinkOption.NOFOLLOW_LINKS)));

        String fingerprint = run(Map.of(), "ssh-keygen", "-lf", key + ".pub").split(":", 2)[1].split(" ")[1];
        String listed = run(Map.of("SSH_AUTH_SOCK", socket), "ssh-add", "-l");
        assertTrue(listed.startsWith("0:") && listed.contains(fingerprint),
                "the agent holds the request's key " + fingerprint + ": " + listed);

        Path keyFile = secrets.directory().resolve("ssh_key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        assertEquals(privateKey, Files.readString(keyFile));
        for (String a : c.argv()) {
            assertFalse(a.contains("PRIVATE KEY"), "the key is not on argv");
        }

        List<ProcessHandle> agents = newAgents();
        assertEquals(1, agents.size(), "one ssh-agent started: " + agents);
        assertTrue(agents.get(0).info().arguments().map(a -> List.of(a).contains(socket)).orElse(true),
                "the agent serves " + socket);

        cleanup.close();

        assertFalse(agents.get(0).isAlive(), "ssh-agent stopped by Cleanup");
        assertFalse(Files.exists(sock, LinkOption.NOFOLLOW_LINKS), "socket removed");
        assertFalse(Files.exists(sock.getParent()), "socket directory removed");
        secrets.close();
        assertFalse(Files.exists(keyFile), "key file removed with the secret store");
    }

    @Test
    void aKeyWithoutTrailingNewlineIsStillAccepted() throws Exception {
        String privateKey = Files.readString(throwawayKey()).stripTrailing();
        ObjectNode n = RequestFixtures.sshToRhv();
        n.put("ssh_key", privateKey);
        VirtV2vCommand c = command(n, false);
        String listed = run(Map.of("SSH_AUTH_SOCK", c.environment().get("SSH_AUTH_SOCK")), "ssh-add", "-l");
        assertTrue(listed.startsWith("0:") && listed.contains("v2v-wrapper-test"), listed);
    }

    @Test
    void sshToOpenstackPutsOnlyTheAgentSocketAndOsVariablesInTheEnvironment() throws Exception {
        ObjectNode n = RequestFixtures.sshToOpenstack();
        n.put("ssh_key", Files.readString(throwawayKey()));
        n.put("osp_guest_id", "guest-1");
        VirtV2vCommand c = command(n, false);
        assertEquals(List.of(COMMON, SSH_INPUT, List.of("-o", "openstack",
                        "-oo", "server-id=b9ca0b1b-0eba-45c4-8c0b-4f27457b72be", "-oo", "guest-id=guest-1"))
                .stream().flatMap(List::stream).toList(), c.argv());
        assertEquals(Set.of("LANG", "LIBGUESTFS_BACKEND", "SSH_AUTH_SOCK", "OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD",
                "OS_PROJECT_NAME", "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME"), c.environment().keySet());
        assertTrue(isSocket(Path.of(c.environment().get("SSH_AUTH_SOCK"))));
    }

    @Test
    void anUnusableKeyFailsWithoutEchoingIt() throws Exception {
        ObjectNode n = RequestFixtures.sshToRhv(); // ssh_key is RequestFixtures.SSH_KEY: not a real key
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(org.v2vwrapper.ConversionException.class,
                () -> command(n, false));
        assertTrue(e.getMessage().startsWith("ssh_key: ssh-add could not load the key"), e.getMessage());
        assertFalse(e.getMessage().contains(RequestFixtures.SECRET_MARK));
        List<ProcessHandle> agents = newAgents();
        cleanup.close();
        agents.forEach(a -> assertFalse(a.isAlive(), "the agent is stopped after a failure too"));
    }

    @Test
    void withoutSshKeyTheAgentStillStartsAndTheRunGoesOn() throws Exception {
        ObjectNode n = RequestFixtures.sshToRhv();
        n.remove("ssh_key");
        VirtV2vCommand c = command(n, false);
        assertTrue(isSocket(Path.of(c.environment().get("SSH_AUTH_SOCK"))));
        assertFalse(Files.exists(secrets.directory().resolve("ssh_key")));
    }

    @Test
    void aDryRunStartsNoAgent() throws Exception {
        VirtV2vCommand c = command(RequestFixtures.sshToRhv(), true);
        assertEquals("<ssh-agent socket>", c.environment().get("SSH_AUTH_SOCK"));
        assertEquals(List.of(), newAgents());
        try (var files = Files.list(secrets.directory())) {
            assertEquals(0, files.count(), "a dry run writes no secret file");
        }
    }
}
