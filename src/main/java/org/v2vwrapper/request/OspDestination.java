package org.v2vwrapper.request;

import java.util.List;
import java.util.Optional;

/** OpenStack output, chosen by {@code osp_environment}. */
public record OspDestination(OspEnvironment environment, String destinationProjectId, String flavorId,
                             List<String> securityGroupIds, String serverId, Optional<String> volumeTypeId,
                             Optional<String> guestId) {
    public OspDestination {
        securityGroupIds = List.copyOf(securityGroupIds);
    }
}
