package org.v2vwrapper.nbd;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Run in a child JVM by NbdkitProcessTest: starts nbdkit (with a password file and slow reads), prints
 * "@ nbdkit PID DIR" and "@ copying", then copies until killed.
 */
public final class NbdkitChildMain {
    private NbdkitChildMain() {
    }

    public static void main(String[] args) throws Exception {
        StandaloneLogging.configureIfUnconfigured();
        NbdkitConfig config = new NbdkitConfig("pattern", java.util.List.of("size=1G"), java.util.List.of("delay"),
            java.util.List.of(), java.util.Map.of(), null, "password").withArgs("delay-read=200ms");
        NbdkitProcess nbdkit = NbdkitProcess.start("child-disk", config, Duration.ofSeconds(30));
        System.out.println("@ nbdkit " + nbdkit.pid() + " " + nbdkit.directory());
        try (NbdClient client = NbdClient.connect(nbdkit.uri(), NbdClientOptions.DEFAULTS)) {
            System.out.println("@ copying");
            System.out.flush();
            new DiskCopier(client, new CopyOptions(4, 65536, false), CopyProgress.NONE).copyAll(Path.of(args[0]));
        }
    }
}
