package org.v2vwrapper.request;

import java.util.Optional;

/** {@code osp_source_environment}: the source cloud of an OpenStack to OpenStack migration. */
public record OspSourceEnvironment(String vmId, String conversionVmId, String authUrl, String username,
                                   Secret password, Optional<String> userDomainName, Optional<String> projectName,
                                   Optional<String> projectDomainName, boolean verify) {
}
