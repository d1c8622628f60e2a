package org.v2vwrapper.transport;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.SourceTransport;
import org.v2vwrapper.request.ConversionRequest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** VMware through VDDK: virt-v2v reads the VM from libvirt's esx/vpx driver with the vddk transport. */
public final class VddkTransport implements SourceTransport {

    @Override
    public String name() {
        return "vddk";
    }

    @Override
    public Input input(PlanContext ctx) throws ConversionException {
        ConversionRequest r = ctx.request();
        Path passwordFile;
        try {
            passwordFile = ctx.secrets().write("vmware_password", r.vmwarePassword().orElseThrow());
        } catch (IOException e) {
            throw new ConversionException("cannot write the VMware password file: " + e.getMessage(), e);
        }
        return Input.of(List.of(r.vmName(),
                "-i", "libvirt",
                "-ic", r.vmwareUri().orElseThrow(),
                "-it", "vddk",
                "-io", "vddk-libdir=" + ctx.settings().vddkLibdir(),
                "-io", "vddk-thumbprint=" + r.vmwareFingerprint().orElseThrow(),
                "--password-file", passwordFile.toString()));
    }
}
