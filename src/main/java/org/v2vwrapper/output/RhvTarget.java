package org.v2vwrapper.output;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.RhvDestination;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** oVirt/RHV through virt-v2v's {@code -o rhv-upload}. */
public final class RhvTarget implements OutputTarget {

    @Override
    public String name() {
        return "rhv";
    }

    @Override
    public List<String> outputArguments(PlanContext ctx) throws ConversionException {
        ConversionRequest r = ctx.request();
        RhvDestination rhv = r.rhv().orElseThrow();
        List<String> args = new ArrayList<>(List.of("--bridge", "ovirtmgmt", "-of", r.outputFormat().v2vName()));
        r.allocation().ifPresent(a -> args.addAll(List.of("-oa", a.v2vName())));
        try {
            args.addAll(List.of("-o", "rhv-upload", "-oc", rhv.url(), "-os", rhv.storage(),
                    "-op", ctx.secrets().write("rhv_password", rhv.password()).toString(),
                    "-oo", "rhv-cafile=" + ctx.settings().caBundle(),
                    "-oo", "rhv-cluster=" + rhv.cluster(),
                    "-oo", "rhv-direct",
                    "-oo", "rhv-verifypeer=" + !r.insecureConnection()));
        } catch (IOException e) {
            throw new ConversionException("cannot write the oVirt password file: " + e.getMessage(), e);
        }
        return args;
    }
}
