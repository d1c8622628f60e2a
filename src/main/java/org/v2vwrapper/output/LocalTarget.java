package org.v2vwrapper.output;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.plan.PlanContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A local directory ({@code local_output_dir}, an extension for conversion-host smoke tests and demos):
 * virt-v2v {@code -o local} writes the disks and a libvirt XML there. No VM id exists, so none is reported.
 */
public final class LocalTarget implements OutputTarget {

    @Override
    public String name() {
        return "local";
    }

    @Override
    public void validate(PlanContext ctx, org.v2vwrapper.state.ConversionState state) throws ConversionException {
        Path dir = ctx.request().localOutputDir().orElseThrow();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConversionException("local_output_dir: cannot create " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(dir)) {
            throw new ConversionException("local_output_dir: " + dir + " is not writable");
        }
    }

    @Override
    public List<String> outputArguments(PlanContext ctx) {
        return List.of("-o", "local",
                "-os", ctx.request().localOutputDir().orElseThrow().toString(),
                "-of", ctx.request().outputFormat().v2vName());
    }
}
