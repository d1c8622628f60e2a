package org.v2vwrapper.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.SourceTransport;
import org.v2vwrapper.secrets.SshAgent;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * VMware ESXi over SSH: virt-v2v reads the .vmx and the disks from the datastore. The key never reaches
 * virt-v2v's arguments: a private ssh-agent holds it and virt-v2v finds it through {@code SSH_AUTH_SOCK}.
 */
public final class SshTransport implements SourceTransport {
    private static final Logger LOG = LoggerFactory.getLogger(SshTransport.class);
    /** What a dry run shows for the socket of the agent it does not start. */
    static final String DRY_RUN_SOCKET = "<ssh-agent socket>";

    @Override
    public String name() {
        return "ssh";
    }

    @Override
    public Input input(PlanContext ctx) throws ConversionException {
        String agentSocket = DRY_RUN_SOCKET;
        if (!ctx.dryRun()) {
            SshAgent agent = SshAgent.start(ctx.cleanup(), ctx.secrets().directory());
            agentSocket = agent.socket().toString();
            if (ctx.request().sshKey().isPresent()) {
                agent.addKey(ctx.request().sshKey(), ctx.secrets());
            } else {
                try {
                    agent.addKey(Optional.empty(), ctx.secrets());
                } catch (ConversionException e) {
                    // Without ssh_key the spec says "keys in ~/.ssh are used": ssh still reads its own identity
                    // files and ~/.ssh/config, so an agent that could not preload them is not fatal.
                    LOG.warn("no ssh_key given and ssh-add loaded no default key ({}); ssh will use ~/.ssh itself",
                            e.getMessage());
                }
            }
        }
        return new Input(List.of(ctx.request().vmwareUri().orElseThrow(), "-i", "vmx", "-it", "ssh"),
                Map.of("SSH_AUTH_SOCK", agentSocket));
    }
}
