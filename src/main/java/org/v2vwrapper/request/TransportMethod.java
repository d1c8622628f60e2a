package org.v2vwrapper.request;

public enum TransportMethod {
    /** VMware through VDDK (virt-v2v {@code -it vddk}). */
    VDDK,
    /**
     * VMware ESXi datastore files over SSH (virt-v2v {@code -i vmx -it ssh}). With {@code osp_source_environment}
     * the request uses the same word for the volume copy between conversion hosts: {@link Mode#OpenstackToOpenstack}
     * then stands for it and no virt-v2v input is chosen.
     */
    SSH,
    /** Local disk images (virt-v2v {@code -i disk}): an extension for smoke tests and demos. */
    DISK;

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
