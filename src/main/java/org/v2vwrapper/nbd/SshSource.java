package org.v2vwrapper.nbd;

import org.v2vwrapper.request.Secret;

import java.util.List;
import java.util.Map;

/**
 * One VMware disk read over SFTP from an ESXi host through nbdkit's ssh plugin.
 *
 * @param host     the ESXi host
 * @param flatPath the {@code -flat.vmdk} holding the raw data, e.g. /vmfs/volumes/ds1/vm/vm-flat.vmdk
 * @param user     ssh user
 * @param password ssh password, or null to authenticate through ssh-agent (SSH_AUTH_SOCK)
 */
public record SshSource(String host, String flatPath, String user, Secret password) {

    /** With the password as text (tests, callers that hold no {@link Secret} yet); null for ssh-agent. */
    public SshSource(String host, String flatPath, String user, String password) {
        this(host, flatPath, user, password == null ? null : new Secret(password));
    }


    public NbdkitConfig toNbdkitConfig() {
        List<String> args = List.of("host=" + host, "path=" + flatPath, "user=" + user);
        // retry: reconnects when the ssh session drops in the middle of a long copy.
        return new NbdkitConfig("ssh", args, List.of(), List.of("retry"), Map.of(), password, "password");
    }

    @Override
    public String toString() {
        return "SshSource[host=" + host + ", flatPath=" + flatPath + ", user=" + user + ", password="
            + (password == null ? "none" : "<redacted>") + "]";
    }
}
