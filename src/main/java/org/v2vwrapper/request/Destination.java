package org.v2vwrapper.request;

import java.nio.file.Path;

/** Where the converted VM goes: exactly one of the three, chosen by the key the request names. */
public sealed interface Destination {

    /** A short name for logs and {@code --dry-run}: {@code rhv}, {@code openstack}, {@code local}. */
    String name();

    /** oVirt/RHV through the upload API ({@code rhv_url}). */
    record Ovirt(RhvDestination rhv) implements Destination {
        @Override
        public String name() {
            return "rhv";
        }
    }

    /** OpenStack volumes and an instance ({@code osp_environment}). */
    record Openstack(OspDestination osp) implements Destination {
        @Override
        public String name() {
            return "openstack";
        }
    }

    /** Disk images and metadata in a local directory ({@code local_output_dir}: an extension for demos). */
    record Local(Path directory) implements Destination {
        @Override
        public String name() {
            return "local";
        }
    }
}
