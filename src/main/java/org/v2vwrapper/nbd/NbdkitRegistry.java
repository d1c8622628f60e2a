package org.v2vwrapper.nbd;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nbdkit processes alive in this JVM, stopped by a shutdown hook, so that SIGTERM/SIGINT of the wrapper
 * (which run shutdown hooks) leave neither nbdkit nor its password file behind. (SIGKILL runs no hook: then
 * nbdkit's --exit-with-parent still ends it.)
 */
final class NbdkitRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(NbdkitRegistry.class);
    private static final Set<NbdkitProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile boolean hookInstalled;

    private NbdkitRegistry() {
    }

    static void register(NbdkitProcess process) {
        installHookOnce();
        LIVE.add(process);
    }

    static void unregister(NbdkitProcess process) {
        LIVE.remove(process);
    }

    static List<NbdkitProcess> live() {
        return List.copyOf(LIVE);
    }

    private static synchronized void installHookOnce() {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(NbdkitRegistry::stopAll, "nbdkit-shutdown"));
            hookInstalled = true;
        }
    }

    private static void stopAll() {
        for (NbdkitProcess process : live()) {
            LOG.info("shutting down: stopping {}", process);
            process.stop();
        }
    }
}
