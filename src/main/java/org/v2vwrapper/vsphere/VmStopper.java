package org.v2vwrapper.vsphere;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Stops the source VM for the final copy: {@code ShutdownGuest}, then {@code PowerOffVM_Task} if the guest is still
 * on after the grace period (5 minutes in the flow) or cannot be asked (no VMware Tools). Each step is logged and
 * passed to {@code status} (for the state file's {@code last_message}).
 */
public final class VmStopper {
    private static final Logger LOG = LoggerFactory.getLogger(VmStopper.class);
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);

    /** How the VM ended up off. */
    public enum Outcome { ALREADY_OFF, GUEST_SHUT_DOWN, POWERED_OFF }

    private final VsphereClient client;
    private final Duration grace;
    private final Duration pollInterval;

    public VmStopper(VsphereClient client, Duration grace, Duration pollInterval) {
        this.client = Objects.requireNonNull(client, "client");
        this.grace = grace;
        this.pollInterval = pollInterval;
    }

    public Outcome stop(ManagedObjectRef vm, String vmName, Consumer<String> status) throws VsphereException {
        if ("poweredOff".equals(client.powerState(vm))) {
            return Outcome.ALREADY_OFF;
        }
        try {
            client.shutdownGuest(vm);
            report(status, "Shutting down the guest of " + vmName + " (powered off after "
                    + grace.toSeconds() + " s if it is still on)");
            long deadline = System.nanoTime() + grace.toNanos();
            while (System.nanoTime() - deadline < 0) {
                if ("poweredOff".equals(client.powerState(vm))) {
                    report(status, "The guest of " + vmName + " shut down");
                    return Outcome.GUEST_SHUT_DOWN;
                }
                sleep();
            }
            report(status, "The guest of " + vmName + " is still on after " + grace.toSeconds()
                    + " s: powering it off");
        } catch (VsphereException e) {
            if (!"ShutdownGuest".equals(e.call())) {
                throw e;
            }
            report(status, "Cannot shut the guest of " + vmName + " down (" + e.getMessage() + "): powering it off");
        }
        try {
            client.powerOff(vm);
        } catch (VsphereException e) {
            // the guest may have gone off between the last poll and the power-off
            if (!"poweredOff".equals(client.powerState(vm))) {
                throw e;
            }
        }
        report(status, vmName + " is powered off");
        return Outcome.POWERED_OFF;
    }

    private static void report(Consumer<String> status, String message) {
        LOG.info("{}", message);
        status.accept(message);
    }

    private void sleep() throws VsphereException {
        try {
            Thread.sleep(pollInterval.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VsphereException("ShutdownGuest", null, "vSphere ShutdownGuest failed: interrupted while"
                    + " waiting for the guest to shut down");
        }
    }
}
