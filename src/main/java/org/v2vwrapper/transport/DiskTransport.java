package org.v2vwrapper.transport;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.SourceTransport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Local disk images ({@code transport_method: "disk"}, an extension for smoke tests and demos): virt-v2v
 * {@code -i disk}, with the output named after {@code vm_name}.
 */
public final class DiskTransport implements SourceTransport {

    @Override
    public String name() {
        return "disk";
    }

    @Override
    public Input input(PlanContext ctx) throws ConversionException {
        List<String> disks = ctx.request().sourceDisks();
        for (int i = 0; i < disks.size(); i++) {
            if (!Files.isReadable(Path.of(disks.get(i)))) {
                throw new ConversionException("source_disks[" + i + "]: " + disks.get(i) + " is not a readable file");
            }
        }
        List<String> args = new ArrayList<>(List.of("-i", "disk"));
        args.addAll(disks);
        args.addAll(List.of("-on", ctx.request().vmName()));
        return Input.of(args);
    }
}
