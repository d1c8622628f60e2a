package org.v2vwrapper.nbd;

import org.v2vwrapper.request.Secret;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One VMware disk read through nbdkit's vddk plugin.
 *
 * @param vmMoref    the VM's managed object reference (vm-123), for {@code vm=moref=...}
 * @param server     vCenter or ESXi host
 * @param thumbprint the server's SHA-1 TLS thumbprint
 * @param libdir     the VDDK directory (its lib64 goes on LD_LIBRARY_PATH)
 * @param file       the disk, e.g. {@code [datastore1] vm/vm.vmdk} (a snapshot's disk for warm copies)
 * @param user       the vSphere user
 * @param password   the vSphere password
 */
public record VddkSource(String vmMoref, String server, String thumbprint, Path libdir, String file, String user,
                         Secret password) {

    /** With the password as text (tests, callers that hold no {@link Secret} yet). */
    public VddkSource(String vmMoref, String server, String thumbprint, Path libdir, String file, String user,
                      String password) {
        this(vmMoref, server, thumbprint, libdir, file, user, new Secret(password));
    }

    public NbdkitConfig toNbdkitConfig() {
        List<String> args = new ArrayList<>(List.of(
            "vm=moref=" + vmMoref,
            "server=" + server,
            "thumbprint=" + thumbprint,
            "libdir=" + libdir,
            "file=" + file,
            "user=" + user));
        // cacheextents: VDDK's QueryAllocatedBlocks is slow; retry: VDDK sessions drop on long copies.
        return new NbdkitConfig("vddk", args, List.of(), List.of("cacheextents", "retry"),
            Map.of("LD_LIBRARY_PATH", libdir.resolve("lib64").toString()), password, "password");
    }

    @Override
    public String toString() {
        return "VddkSource[vmMoref=" + vmMoref + ", server=" + server + ", thumbprint=" + thumbprint + ", libdir="
            + libdir + ", file=" + file + ", user=" + user + ", password=<redacted>]";
    }
}
