package org.v2vwrapper.plan;

import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.secrets.SecretStore;

/**
 * What transports and targets may use while they build their part of the virt-v2v command: the request, the
 * host settings, where secrets go, what this virt-v2v can do, and where to register undo actions.
 * In a dry run the secret store writes nothing and nothing may start or touch a remote system.
 */
public record PlanContext(ConversionRequest request, WrapperSettings settings, SecretStore secrets,
                          V2vCapabilities capabilities, Cleanup cleanup, boolean dryRun) {
}
