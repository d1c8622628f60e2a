package org.v2vwrapper.precopy;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.lifecycle.Children;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Whether an nbdkit has a plugin: {@code nbdkit PLUGIN --dump-plugin} exits 0 (its output goes to the wrapper's
 * log, never to the wrapper's stdout). The vddk plugin is not in Debian; a run that needs it stops before it
 * touches vSphere.
 */
public final class NbdkitPlugins {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private NbdkitPlugins() {
    }

    /** @throws ConversionException a one-line reason naming {@code --nbdkit} and the plugin */
    public static void check(String nbdkit, String plugin) throws ConversionException {
        List<String> cmd = List.of(nbdkit, plugin, "--dump-plugin");
        Children.Result r;
        try {
            r = Children.run(cmd, TIMEOUT);
        } catch (Children.TimeoutException e) {
            throw new ConversionException("nbdkit: " + String.join(" ", cmd) + " did not finish within "
                    + TIMEOUT.toSeconds() + " s");
        } catch (java.io.InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("nbdkit: interrupted while checking the " + plugin + " plugin");
        } catch (IOException e) {
            throw new ConversionException("nbdkit: cannot run " + nbdkit + " (--nbdkit): " + e.getMessage());
        }
        if (r.exitCode() != 0) {
            throw new ConversionException("nbdkit: the " + plugin + " plugin is not available in " + nbdkit
                    + " (--nbdkit; " + String.join(" ", cmd) + " exited with " + r.exitCode() + ")"
                    + (plugin.equals("vddk") ? "; nbdkit-plugin-vddk is not packaged by Debian" : ""));
        }
    }
}
