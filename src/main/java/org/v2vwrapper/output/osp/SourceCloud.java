package org.v2vwrapper.output.osp;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import org.openstack4j.api.Builders;
import org.openstack4j.api.types.Facing;
import org.openstack4j.model.common.ActionResponse;
import org.openstack4j.model.compute.Action;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.image.v2.Image;
import org.openstack4j.model.storage.block.Volume;
import org.openstack4j.model.storage.block.VolumeAttachment;
import org.openstack4j.model.storage.block.VolumeSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.OspSourceEnvironment;

/**
 * The calls of an OpenStack to OpenStack migration in one cloud (the source cloud, or the destination
 * conversion host's project): servers stopped, volumes listed, snapshots, images and volumes made and awaited,
 * attachments made and awaited. Every wait is bounded; every failure names what it was doing.
 */
public final class SourceCloud implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SourceCloud.class);

    private final OspSession session;
    private final OspTimeouts timeouts;
    private final Duration poll;

    public SourceCloud(OspSession session, OspTimeouts timeouts, Duration poll) {
        this.session = session;
        this.timeouts = timeouts;
        this.poll = poll;
    }

    /** The source cloud's credentials: Keystone v3 password auth scoped by project name and domains. */
    public static OspCredentials credentials(OspSourceEnvironment env) {
        return new OspCredentials(env.authUrl(),
                new OspCredentials.Ref(Optional.empty(), Optional.of(env.username()), Optional.empty(),
                        Optional.of(env.userDomainName().orElse("Default"))),
                env.password(),
                new OspCredentials.Ref(Optional.empty(), env.projectName(), Optional.empty(),
                        Optional.of(env.projectDomainName().orElse("Default"))),
                Optional.empty(), Facing.PUBLIC, Optional.empty(), !env.verify());
    }

    public OspSession session() {
        return session;
    }

    public Server server(String id, String what) throws ConversionException {
        Server s = session.call("looking up " + what + " " + id, c -> c.compute().servers().get(id));
        if (s == null) {
            throw new ConversionException(what + " " + id + " does not exist in " + session.label());
        }
        return s;
    }

    public Optional<Volume> volume(String id) throws ConversionException {
        return Optional.ofNullable(session.call("checking volume " + id, c -> c.blockStorage().volumes().get(id)));
    }

    /** os-stop unless already SHUTOFF, then waits for SHUTOFF. */
    public void stop(String serverId, Duration limit) throws ConversionException {
        Server s = server(serverId, "the source VM");
        if (s.getStatus() == Server.Status.SHUTOFF) {
            LOG.info("the source VM {} is already shut off", serverId);
            return;
        }
        ActionResponse r = session.call("stopping the source VM " + serverId,
                c -> c.compute().servers().action(serverId, Action.STOP));
        if (r != null && !r.isSuccess()) {
            throw new ConversionException("stopping the source VM " + serverId + ": " + OspErrors.text(r.getFault()));
        }
        await("the source VM " + serverId + " to shut off", limit,
                () -> server(serverId, "the source VM"), x -> x.getStatus() == Server.Status.SHUTOFF,
                x -> x.getStatus() == Server.Status.ERROR ? "is in status ERROR" : null);
    }

    /** Volumes attached to the server, in the order Nova lists them. */
    public List<String> attachedVolumeIds(Server s) {
        List<String> ids = s.getOsExtendedVolumesAttached();
        return ids == null ? List.of() : new ArrayList<>(ids);
    }

    /** The device of {@code volume}'s attachment to {@code serverId}, if any. */
    public static Optional<String> deviceOn(Volume volume, String serverId) {
        if (volume.getAttachments() == null) {
            return Optional.empty();
        }
        return volume.getAttachments().stream().filter(a -> serverId.equals(a.getServerId()))
                .map(VolumeAttachment::getDevice).filter(d -> d != null && d.startsWith("/dev/")).findFirst();
    }

    public VolumeSnapshot snapshot(String volumeId, String name) throws ConversionException {
        VolumeSnapshot created = session.call("creating snapshot " + name, c -> c.blockStorage().snapshots().create(
                Builders.volumeSnapshot().name(name).volume(volumeId).force(true).build()));
        if (created == null || created.getId() == null) {
            throw new ConversionException("creating snapshot " + name + ": Cinder returned no snapshot");
        }
        return created;
    }

    public VolumeSnapshot awaitSnapshot(String id) throws ConversionException {
        return await("snapshot " + id, timeouts.volumeReady(),
                () -> Optional.ofNullable(session.call("checking snapshot " + id,
                        c -> c.blockStorage().snapshots().get(id)))
                        .orElseThrow(() -> new ConversionException("snapshot " + id + " disappeared")),
                s -> s.getStatus() == Volume.Status.AVAILABLE,
                s -> s.getStatus() == Volume.Status.ERROR ? "is in status error" : null);
    }

    public Optional<VolumeSnapshot> findSnapshot(String id) throws ConversionException {
        return Optional.ofNullable(session.call("checking snapshot " + id, c -> c.blockStorage().snapshots().get(id)));
    }

    public Optional<Image> findImage(String id) throws ConversionException {
        return Optional.ofNullable(session.call("checking image " + id, c -> c.imagesV2().get(id)));
    }

    /** Waits until a snapshot is no longer being created (Cinder refuses to delete it before). */
    public void awaitSnapshotSettled(String id) throws ConversionException {
        await("snapshot " + id + " to settle", timeouts.volumeReady(),
                () -> Optional.ofNullable(session.call("checking snapshot " + id,
                        c -> c.blockStorage().snapshots().get(id))),
                s -> s.isEmpty() || s.get().getStatus() != Volume.Status.CREATING, s -> null);
    }

    public String createImage(String serverId, String name) throws ConversionException {
        String id = session.call("creating image " + name, c -> c.compute().servers().createSnapshot(serverId, name));
        if (id == null) {
            throw new ConversionException("creating image " + name + ": Nova returned no image id");
        }
        return id;
    }

    public Image awaitImage(String id) throws ConversionException {
        return await("image " + id, timeouts.volumeReady(),
                () -> Optional.ofNullable(session.call("checking image " + id, c -> c.imagesV2().get(id)))
                        .orElseThrow(() -> new ConversionException("image " + id + " disappeared")),
                i -> i.getStatus() == Image.ImageStatus.ACTIVE,
                i -> i.getStatus() == Image.ImageStatus.KILLED || i.getStatus() == Image.ImageStatus.DELETED
                        ? "is in status " + i.getStatus().name().toLowerCase(java.util.Locale.ROOT) : null);
    }

    /** Creates a volume (from a snapshot or an image when given) and returns its id, not waiting. */
    public String createVolume(String name, int size, Optional<String> snapshotId, Optional<String> imageId,
                               String description, Optional<String> volumeType, boolean bootable,
                               java.util.Map<String, String> metadata) throws ConversionException {
        var b = Builders.volume().name(name).size(size).description(description == null ? "" : description);
        snapshotId.ifPresent(b::snapshot);
        imageId.ifPresent(b::imageRef);
        volumeType.ifPresent(b::volumeType);
        if (!metadata.isEmpty()) {
            b.metadata(metadata);
        }
        if (bootable) {
            b.bootable(true);
        }
        Volume v = session.call("creating volume " + name, c -> c.blockStorage().volumes().create(b.build()));
        if (v == null || v.getId() == null) {
            throw new ConversionException("creating volume " + name + ": Cinder returned no volume");
        }
        return v.getId();
    }

    public Volume awaitVolume(String id, Volume.Status wanted) throws ConversionException {
        return await("volume " + id, timeouts.volumeReady(),
                () -> volume(id).orElseThrow(() -> new ConversionException("volume " + id + " does not exist in "
                        + session.label())),
                v -> v.getStatus() == wanted,
                v -> v.getStatus() == Volume.Status.ERROR || v.getStatus() == Volume.Status.ERROR_DELETING
                        || v.getStatus() == Volume.Status.ERROR_RESTORING
                        ? "is in status " + VolumeMover.status(v) : null);
    }

    /** Attaches and waits until the attachment has a device. */
    public void attach(String serverId, String volumeId, Duration limit) throws ConversionException {
        session.call("attaching volume " + volumeId + " to server " + serverId,
                c -> c.compute().servers().attachVolume(serverId, volumeId, null));
        await("volume " + volumeId + " to be attached to " + serverId, limit,
                () -> volume(volumeId).orElseThrow(() -> new ConversionException("volume " + volumeId + " disappeared")),
                v -> v.getStatus() == Volume.Status.IN_USE && deviceOn(v, serverId).isPresent(),
                v -> v.getStatus() == Volume.Status.ERROR ? "is in status error" : null);
    }

    /** Detaches (if attached to {@code serverId}) and waits until it is not. */
    public void detach(String serverId, String volumeId, Duration limit) throws ConversionException {
        Optional<Volume> v = volume(volumeId);
        boolean attached = v.isPresent() && v.get().getAttachments() != null
                && v.get().getAttachments().stream().anyMatch(a -> serverId.equals(a.getServerId()));
        // An attach of ours that never completed leaves the volume reserved ("attaching") with no attachment yet:
        // deleting the attachment rolls the reservation back.
        boolean stuck = v.isPresent() && !attached && v.get().getStatus() == Volume.Status.ATTACHING;
        if (!attached && !stuck) {
            return;
        }
        ActionResponse r = session.call("detaching volume " + volumeId + " from server " + serverId,
                c -> c.compute().servers().detachVolume(serverId, volumeId));
        if (r != null && !r.isSuccess()) {
            throw new ConversionException("detaching volume " + volumeId + " from server " + serverId + ": "
                    + OspErrors.text(r.getFault()));
        }
        await("volume " + volumeId + " to be detached from " + serverId, limit,
                () -> volume(volumeId).orElseThrow(() -> new ConversionException("volume " + volumeId + " disappeared")),
                x -> x.getStatus() == Volume.Status.AVAILABLE,
                x -> x.getStatus() == Volume.Status.ERROR ? "is in status error" : null);
    }

    public void deleteVolume(String id) throws ConversionException {
        if (volume(id).isEmpty()) {
            return;
        }
        ActionResponse r = session.call("deleting volume " + id, c -> c.blockStorage().volumes().delete(id));
        if (r != null && !r.isSuccess()) {
            throw new ConversionException("deleting volume " + id + ": " + OspErrors.text(r.getFault()));
        }
        awaitGone("volume " + id, () -> volume(id).isEmpty());
    }

    public void deleteSnapshot(String id) throws ConversionException {
        ActionResponse r = session.call("deleting snapshot " + id, c -> c.blockStorage().snapshots().delete(id));
        if (r != null && !r.isSuccess()) {
            throw new ConversionException("deleting snapshot " + id + ": " + OspErrors.text(r.getFault()));
        }
    }

    public void deleteImage(String id) throws ConversionException {
        ActionResponse r = session.call("deleting image " + id, c -> c.imagesV2().delete(id));
        if (r != null && !r.isSuccess()) {
            throw new ConversionException("deleting image " + id + ": " + OspErrors.text(r.getFault()));
        }
    }

    @FunctionalInterface
    interface Get<T> {
        T get() throws ConversionException;
    }

    @FunctionalInterface
    interface Hopeless<T> {
        /** Why waiting longer is pointless, or null. */
        String why(T t);
    }

    private void awaitGone(String what, Get<Boolean> gone) throws ConversionException {
        await(what + " to be deleted", timeouts.volumeReady(), gone, b -> b, b -> null);
    }

    private <T> T await(String what, Duration limit, Get<T> get, Predicate<T> done, Hopeless<T> hopeless)
            throws ConversionException {
        Instant deadline = timeouts.clock().instant().plus(limit);
        while (true) {
            T t = get.get();
            if (done.test(t)) {
                return t;
            }
            String why = hopeless.why(t);
            if (why != null) {
                throw new ConversionException(what + " " + why);
            }
            if (!timeouts.clock().instant().isBefore(deadline)) {
                throw new ConversionException("timed out after " + limit.toSeconds() + " s waiting for " + what);
            }
            try {
                timeouts.sleeper().sleep(poll);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConversionException("interrupted while waiting for " + what);
            }
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
