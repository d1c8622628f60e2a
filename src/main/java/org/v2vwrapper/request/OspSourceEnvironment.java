package org.v2vwrapper.request;

import java.util.Optional;

/**
 * {@code osp_source_environment}: the source cloud of an OpenStack to OpenStack migration, with the top-level
 * {@code osp_source_export} ({@code uci}, the default, or {@code nbdkit}) and {@code uci_container_image}
 * (default {@value #DEFAULT_IMAGE}) that say how the source conversion host exports the volumes.
 */
public record OspSourceEnvironment(String vmId, String conversionVmId, String authUrl, String username,
                                   Secret password, Optional<String> userDomainName, Optional<String> projectName,
                                   Optional<String> projectDomainName, boolean verify, String export,
                                   String containerImage) {
    public static final String DEFAULT_EXPORT = "uci";
    public static final String DEFAULT_IMAGE = "v2v-conversion-host";

    public OspSourceEnvironment(String vmId, String conversionVmId, String authUrl, String username,
                                Secret password, Optional<String> userDomainName, Optional<String> projectName,
                                Optional<String> projectDomainName, boolean verify) {
        this(vmId, conversionVmId, authUrl, username, password, userDomainName, projectName, projectDomainName,
                verify, DEFAULT_EXPORT, DEFAULT_IMAGE);
    }
}
