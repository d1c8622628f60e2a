package org.v2vwrapper.ledger;

/** The kinds of remote objects the ledger knows; a replay deletes only these, in this order of dependence (per system). */
public final class Kinds {
    public static final String OVIRT_TRANSFER = "ovirt-transfer";
    public static final String OVIRT_DISK = "ovirt-disk";
    /**
     * Disks virt-v2v's rhv-upload will create, named {@code attrs.disk_name_prefix-NNN} on
     * {@code attrs.storage_domain_id} (minus {@code attrs.disks_before}); found by that identity on replay.
     */
    public static final String OVIRT_UPLOAD_DISKS = "ovirt-upload-disks";
    /** Volumes virt-v2v will create, tagged with a guest id ({@code attrs.guest_id}); found by the tag on replay. */
    public static final String OSP_TAGGED_VOLUMES = "osp-tagged-volumes";
    public static final String OSP_VOLUME = "osp-volume";
    public static final String OSP_TRANSFER = "osp-transfer";
    public static final String OSP_PORT = "osp-port";
    public static final String OSP_INSTANCE = "osp-instance";
    public static final String OSP_SNAPSHOT = "osp-snapshot";
    public static final String OSP_IMAGE = "osp-image";
    /** A volume (the id) attached to a server ({@code attrs.server}) by the run: detached on replay. */
    public static final String OSP_ATTACHMENT = "osp-attachment";
    /**
     * A volume (the id) the run detached from its VM ({@code attrs.vm}, {@code attrs.device}): attached back to
     * that VM on replay, after the run's own attachments and copies are gone, if it is attached nowhere.
     */
    public static final String OSP_DETACHED_VOLUME = "osp-detached-volume";
    public static final String VSPHERE_SNAPSHOT = "vsphere-snapshot";

    private Kinds() {
    }
}
