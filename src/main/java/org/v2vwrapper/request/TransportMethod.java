package org.v2vwrapper.request;

public enum TransportMethod {
    /** VMware through VDDK (virt-v2v {@code -it vddk}). */
    VDDK,
    /** VMware ESXi datastore files over SSH (virt-v2v {@code -i vmx -it ssh}), or OpenStack to OpenStack. */
    SSH,
    /** Local disk images (virt-v2v {@code -i disk}): an extension for smoke tests and demos. */
    DISK;

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
