package org.v2vwrapper.output.osp;

import java.util.Map;

import org.openstack4j.api.exceptions.ResponseException;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.request.OspSourceEnvironment;

/**
 * What an OpenStack to OpenStack run makes or changes on the SOURCE cloud, mirrored to the run's
 * {@link RemoteLedger} so that a SIGKILLed run's next run ({@link SourceReplay}) can put the source back: the root
 * volume's snapshot, the image of an image-booted VM, the {@code rhosp-migration-*} root copy, each volume's
 * attachment to the source conversion host, and each data volume detached from the VM.
 *
 * <p>Objects with an id only once created (snapshot, image, copy) get an intent before the create call and their
 * id right after it; an attachment or a detachment is listed with the volume's id before the call (the id is
 * known, the call may or may not have happened: the replay checks). Each is marked done once undone. The
 * {@code where} names the source cloud and project ({@link #where}), never the destination's. No secret is
 * written: ids, names, the auth URL and the project name only.
 */
public final class SourceLedger {
    /** The ledger's system type of the source cloud (the destination is {@code openstack}). */
    public static final String TYPE = "openstack-source";
    /** Attributes. */
    public static final String NAME = "name";
    public static final String VOLUME = "volume";
    public static final String SERVER = "server";
    public static final String VM = "vm";
    public static final String DEVICE = "device";
    /** On a copy volume: {@code root-copy}; the replay deletes only such volumes. */
    public static final String ROLE = "role";
    public static final String ROOT_COPY = "root-copy";

    private final RemoteLedger remote;
    private final String where;

    public SourceLedger(RemoteLedger remote, String where) {
        this.remote = remote;
        this.where = where;
    }

    /** A ledger that writes nothing (before {@code persistTo}, tests). */
    public static SourceLedger inMemory() {
        return new SourceLedger(RemoteLedger.inMemory(), TYPE + ":unknown");
    }

    /** {@code openstack-source:<auth url>#<project name>}: the source cloud and project the request names. */
    public static String where(OspSourceEnvironment src) {
        return RemoteLedger.where(TYPE, SourceCloud.credentials(src).authUrl() + "#" + src.projectName().orElse("")
                + "@" + src.projectDomainName().orElse("Default"));
    }

    /** Whether an entry is on a source cloud: never a run's result (ConversionRun keeps it listed on success). */
    public static boolean isSourceSide(RemoteLedger.Entry e) {
        return e.where().startsWith(TYPE + ":");
    }

    public String where() {
        return where;
    }

    /** Before {@code snapshots().create}: returns the key for {@link #made}. */
    public String intendSnapshot(String volumeId, String name) {
        return remote.intend(Kinds.OSP_SNAPSHOT, where, Map.of(VOLUME, volumeId, NAME, name));
    }

    /** Before Nova's createImage of the VM. */
    public String intendImage(String vmId, String name) {
        return remote.intend(Kinds.OSP_IMAGE, where, Map.of(VM, vmId, NAME, name));
    }

    /** Before creating the root copy volume. */
    public String intendRootCopy(String name) {
        return remote.intend(Kinds.OSP_VOLUME, where, Map.of(NAME, name, ROLE, ROOT_COPY));
    }

    /** The object intended under {@code key} exists with {@code id}. */
    public void made(String key, String id) {
        remote.record(key, id);
    }

    /**
     * The create call under {@code key} failed: when OpenStack refused it (HTTP 4xx) nothing was made and the intent
     * goes; after a timeout, a transport failure or a 5xx it may exist, so the intent stays listed (the replay
     * warns about it: it has no id to delete).
     */
    public void createFailed(String key, ConversionException e) {
        if (e.getCause() instanceof ResponseException re && re.getStatus() >= 400 && re.getStatus() < 500) {
            remote.doneKey(key);
        }
    }

    /** Deleted, or found gone. */
    public void deleted(String kind, String id) {
        remote.done(kind, id);
    }

    /** Before attaching {@code volumeId} to the conversion host {@code serverId}. */
    public void attaching(String volumeId, String serverId) {
        remote.record(Kinds.OSP_ATTACHMENT, where, volumeId, Map.of(SERVER, serverId));
    }

    /** Detached from the conversion host (or found not attached). */
    public void detached(String volumeId) {
        remote.done(Kinds.OSP_ATTACHMENT, volumeId);
    }

    /** Before detaching the data volume {@code volumeId} from the VM {@code vmId}, where it is {@code device}. */
    public void detachingFromVm(String volumeId, String vmId, String device) {
        remote.record(Kinds.OSP_DETACHED_VOLUME, where, volumeId, Map.of(VM, vmId, DEVICE, device));
    }

    /** Back on the VM (or it need not be: gone, or never detached). */
    public void backOnVm(String volumeId) {
        remote.done(Kinds.OSP_DETACHED_VOLUME, volumeId);
    }
}
