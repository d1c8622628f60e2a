package org.v2vwrapper.transport;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.SourceTransport;
import org.v2vwrapper.secrets.SshAgent;

import java.util.List;
import java.util.Map;

/**
 * VMware ESXi over SSH: virt-v2v reads the .vmx and the disks from the datastore. The key never reaches
 * virt-v2v's arguments: a private ssh-agent holds it and virt-v2v finds it through {@code SSH_AUTH_SOCK}.
 */
public final class SshTransport implements SourceTransport {
    private String agentSocket = "<ssh-agent socket>";

    @Override
    public String name() {
        return "ssh";
    }

    @Override
    public List<String> inputArguments(PlanContext ctx) throws ConversionException {
        if (!ctx.dryRun()) {
            SshAgent agent = SshAgent.start(ctx.secrets(), ctx.cleanup());
            agent.addKey(ctx.request().sshKey(), ctx.secrets());
            agentSocket = agent.socket().toString();
        }
        return List.of(ctx.request().vmwareUri().orElseThrow(), "-i", "vmx", "-it", "ssh");
    }

    @Override
    public Map<String, String> environment(PlanContext ctx) {
        return Map.of("SSH_AUTH_SOCK", agentSocket);
    }
}
