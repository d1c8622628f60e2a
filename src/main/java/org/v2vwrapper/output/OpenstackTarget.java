package org.v2vwrapper.output;

import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.request.OspDestination;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** OpenStack through virt-v2v's {@code -o openstack}: the disks become Cinder volumes on the conversion host. */
public final class OpenstackTarget implements OutputTarget {

    @Override
    public String name() {
        return "openstack";
    }

    @Override
    public List<String> outputArguments(PlanContext ctx) {
        OspDestination osp = ctx.request().osp().orElseThrow();
        List<String> args = new ArrayList<>(List.of("-o", "openstack",
                "-oo", "server-id=" + osp.serverId(),
                "-oo", "guest-id=" + osp.guestId().orElseGet(() -> UUID.randomUUID().toString())));
        osp.volumeTypeId().ifPresent(t -> args.addAll(List.of("-os", t)));
        if (ctx.request().insecureConnection()) {
            args.addAll(List.of("-oo", "verify-server-certificate=false"));
        }
        return args;
    }

    @Override
    public Map<String, String> environment(PlanContext ctx) {
        return ctx.request().osp().orElseThrow().environment().variables();
    }
}
