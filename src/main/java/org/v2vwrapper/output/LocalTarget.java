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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LocalTarget.class);

    @Override
    public String name() {
        return "local";
    }

    @Override
    public Validated validate(PlanContext ctx, org.v2vwrapper.state.ConversionState state) throws ConversionException {
        Path dir = ctx.request().localOutputDir().orElseThrow();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConversionException("local_output_dir: cannot create " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(dir)) {
            throw new ConversionException("local_output_dir: " + dir + " is not writable");
        }
        return new Checked(ctx, outputsOf(ctx));
    }

    @Override
    public Validated offline(PlanContext ctx) {
        return new Checked(ctx, null);
    }

    /**
     * The checked directory and what it held before the run ({@code null} offline: nothing to clean up), so
     * that cleanup after a failure removes only what this run wrote.
     */
    private record Checked(PlanContext ctx, java.util.Set<Path> before) implements Validated {
        @Override
        public List<String> outputArguments() {
            return LocalTarget.outputArguments(ctx);
        }

        @Override
        public void cleanupAfterFailure(org.v2vwrapper.state.ConversionState state,
                                        org.v2vwrapper.state.LogFacts facts) {
            if (before != null) {
                LocalTarget.cleanupAfterFailure(ctx, before);
            }
        }
    }

    /** The files virt-v2v -o local writes for this VM: {@code NAME-sd*} disks and {@code NAME.xml}. */
    private static java.util.Set<Path> outputsOf(PlanContext ctx) {
        Path dir = ctx.request().localOutputDir().orElseThrow();
        String name = ctx.request().vmName();
        try (var files = Files.list(dir)) {
            return files.filter(p -> {
                String f = p.getFileName().toString();
                return f.equals(name + ".xml") || (f.startsWith(name + "-sd") && f.length() > name.length() + 3);
            }).collect(java.util.stream.Collectors.toSet());
        } catch (IOException e) {
            return java.util.Set.of();
        }
    }

    /** A failed or stopped run leaves half-written disks: remove the ones this run created. */
    private static void cleanupAfterFailure(PlanContext ctx, java.util.Set<Path> before) {
        for (Path p : outputsOf(ctx)) {
            if (!before.contains(p)) {
                try {
                    Files.deleteIfExists(p);
                    LOG.info("local cleanup: removed partial output {}", p);
                } catch (IOException e) {
                    LOG.warn("local cleanup: cannot remove {}: {}", p, e.toString());
                }
            }
        }
    }

    private static List<String> outputArguments(PlanContext ctx) {
        return List.of("-o", "local",
                "-os", ctx.request().localOutputDir().orElseThrow().toString(),
                "-of", ctx.request().outputFormat().v2vName());
    }
}
