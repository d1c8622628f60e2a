package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.itinerary.Slot;
import org.v2vwrapper.itinerary.Step;
import org.v2vwrapper.output.osp.OspMigration;
import org.v2vwrapper.output.osp.OspTimeouts;
import org.v2vwrapper.remote.SshOptions;
import org.v2vwrapper.remote.SshRunner;
import org.v2vwrapper.request.Mode;
import org.v2vwrapper.request.OspSourceEnvironment;
import org.v2vwrapper.secrets.SshAgent;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The OpenStack to OpenStack itinerary: no virt-v2v. Each step's name is the state's {@code status}; the copy
 * step reports {@code Copying disk N/M} itself. The source is put back on every exit path (cleanup), the
 * destination's volumes, transfers, ports and instance are removed when the run fails (failure undo).
 */
final class OspToOspSteps {
    private static final Logger LOG = LoggerFactory.getLogger(OspToOspSteps.class);
    static final Slot<OspMigration> MIGRATION = new Slot<>("OpenStack migration", OspMigration.class);

    /** The longest one OpenStack wait (stop, snapshot, volume, attach) may take: the reference's 600 s. */
    static final String WAIT_ENV = "V2V_WRAPPER_OSP_WAIT";
    /** Where the source conversion host shows attached volumes (only tests change it). */
    static final String SOURCE_BY_ID_ENV = "V2V_WRAPPER_SOURCE_DEV_DISK_BY_ID";

    static final Duration VALIDATE = Duration.ofMinutes(10);
    static final Duration SHORT = Duration.ofMinutes(15);
    static final Duration LONG = Duration.ofMinutes(40);

    private OspToOspSteps() {
    }

    static List<Step> steps(Mode.OpenstackToOpenstack mode) {
        OspSourceEnvironment src = mode.source();
        return List.of(
                Step.of("Checking the clouds", VALIDATE, OspToOspSteps::validate)
                        .withPreview(ctx -> "log in to " + src.authUrl() + " and the destination; source VM "
                                + src.vmId() + ", conversion hosts " + src.conversionVmId() + " and "
                                + mode.destination().osp().serverId() + "; ssh echo to the source conversion host"),
                Step.of("Shutting down the source VM", SHORT.plus(ospWait()), ctx -> m(ctx).shutDown(ospWait()))
                        .withPreview(ctx -> "os-stop, wait for SHUTOFF (" + ospWait().toSeconds() + " s)"),
                Step.of("Listing the source volumes", SHORT, OspToOspSteps::listVolumes)
                        .withPreview(ctx -> ctx.request().sourceDisks().isEmpty() ? "every attached volume"
                                : "source_disks " + ctx.request().sourceDisks()),
                Step.of("Copying the root volume", LONG, ctx -> m(ctx).copyRoot())
                        .withPreview(ctx -> "snapshot and volume " + OspMigration.SNAPSHOT_PREFIX + "<volume id> "
                                + "(boot from volume) or image and volume " + OspMigration.IMAGE_PREFIX
                                + "<vm name> (image-booted)"),
                Step.of("Detaching the data volumes", LONG, ctx -> m(ctx).detachDataVolumes()),
                Step.of("Attaching volumes to the source conversion host", LONG,
                        ctx -> m(ctx).attachToSourceHost())
                        .withPreview(ctx -> "under " + ctx.settings().lockDir().resolve("v2v-source-volume-lock")),
                Step.of("Exporting", SHORT, ctx -> m(ctx).export())
                        .withPreview(ctx -> ("nbdkit".equals(src.export())
                                ? "nbdkit --readonly -U <socket> over ssh"
                                : "sudo podman run … " + src.containerImage() + " (nbd_export_only)")
                                + ", ssh -L tunnels from 127.0.0.1 only"),
                Step.of("Creating the destination volumes", SHORT.plus(ospWait()),
                        ctx -> m(ctx).createDestinationVolumes())
                        .withPreview(ctx -> "same names, sizes, bootable flags and descriptions"),
                Step.of("Attaching volumes to the destination conversion host", LONG,
                        ctx -> m(ctx).attachToDestinationHost())
                        .withPreview(ctx -> "to " + mode.destination().osp().serverId() + " under "
                                + ctx.settings().lockDir().resolve("v2v-destination-volume-lock")),
                // Bounded by the disks' size, not by us; SIGTERM stops it.
                new Step("Copying disks", Optional.empty(), OspToOspSteps::copy,
                        Optional.of(ctx -> "Copying disk N/M: NBD through the tunnel → the attached device")),
                Step.of("Detaching volumes from the destination conversion host", LONG,
                        ctx -> m(ctx).detachFromDestinationHost()),
                Step.of("Restoring the source VM", LONG, ctx -> m(ctx).restoreSource())
                        .withPreview(ctx -> "exports stopped, volumes detached, root copy deleted, data volumes "
                                + "re-attached (the VM stays off)"),
                Step.of("Creating instance", LONG, ctx -> m(ctx).createInstance(ctx.state()))
                        .withPreview(ctx -> "transfer to " + mode.destination().osp().destinationProjectId()
                                + ", ports, instance with flavor " + mode.destination().osp().flavorId()));
    }

    static Duration ospWait() {
        String v = System.getenv(WAIT_ENV);
        if (v != null && v.matches("[0-9]{1,6}") && Integer.parseInt(v) > 0) {
            return Duration.ofSeconds(Integer.parseInt(v));
        }
        return Duration.ofSeconds(600);
    }

    private static OspMigration m(RunContext ctx) {
        return ctx.get(MIGRATION);
    }

    private static void validate(RunContext ctx) throws ConversionException {
        OspSourceEnvironment src = ctx.request().ospSource().orElseThrow();
        OspTimeouts d = OspTimeouts.defaults();
        OspTimeouts timeouts = new OspTimeouts(d.connect(), d.read(), d.call(), ospWait(), d.serverActive(),
                d.serverDeleted(), Duration.ofSeconds(1), d.tokenMargin(), d.clock(), d.sleeper());
        String sourceById = Optional.ofNullable(System.getenv(SOURCE_BY_ID_ENV)).filter(s -> s.startsWith("/"))
                .orElse("/dev/disk/by-id");
        OspMigration.Places places = new OspMigration.Places(ctx.settings().devDiskById(), sourceById,
                ctx.settings().lockDir(), ctx.settings().logDir(), ctx.settings().runDir(),
                OspMigration.Export.of(src.export()), src.containerImage(), ospWait(), Duration.ofMinutes(2));
        OspMigration m = new OspMigration(ctx.request(), places, timeouts, ctx.cleanup()).persistTo(ctx.ledger());
        // Cleanup runs newest first: the source is restored (over ssh, with the agent) before the agent stops and
        // the connections close.
        ctx.cleanup().register("OpenStack connections", m::close);
        SshAgent agent = SshAgent.start(ctx.cleanup(), ctx.secrets().directory());
        agent.addKey(ctx.request().sshKey(), ctx.secrets());
        ctx.cleanup().register("the source VM and conversion host", m::restoreSource);
        ctx.onFailure("the destination's volumes, transfers, ports and instance", m::undoDestination);
        ctx.put(MIGRATION, m);
        String address = m.validate();
        SshRunner ssh = new SshRunner(address, SshOptions.defaults(Optional.of(agent.socket())));
        m.checkSsh(ssh);
    }

    private static void listVolumes(RunContext ctx) throws ConversionException {
        List<String> paths = m(ctx).listVolumes();
        if (ctx.request().sourceDisks().isEmpty()) {
            ctx.state().initDisks(paths);
        }
        LOG.info("{} disk(s) to copy", paths.size());
    }

    private static void copy(RunContext ctx) throws ConversionException {
        ctx.passPointOfNoReturn();
        // A SIGTERM stops the copy by closing the tunnels under it.
        OspMigration m = m(ctx);
        try {
            ctx.startChild(() -> m, OspMigration::closeTunnels);
        } catch (java.io.IOException e) {
            throw new ConversionException(e.getMessage(), e);
        }
        m.copy(ctx.state());
        ctx.checkNotStopped();
    }
}
