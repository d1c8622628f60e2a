package org.v2vwrapper.plan;

import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.secrets.SecretStore;

/**
 * What transports and targets may use while they build their part of the virt-v2v command: the request, the
 * host settings, where secrets go, what this virt-v2v can do, and where to register undo actions.
 * {@code ledger} lists what the run makes remotely (see {@link RemoteLedger}).
 * In a dry run the secret store writes nothing and nothing may start or touch a remote system.
 */
public record PlanContext(ConversionRequest request, WrapperSettings settings, SecretStore secrets,
                          V2vCapabilities capabilities, Cleanup cleanup, boolean dryRun, RemoteLedger ledger) {

    /** Without a run directory ledger (dry runs, tests): what is recorded is kept in memory only. */
    public PlanContext(ConversionRequest request, WrapperSettings settings, SecretStore secrets,
                       V2vCapabilities capabilities, Cleanup cleanup, boolean dryRun) {
        this(request, settings, secrets, capabilities, cleanup, dryRun, RemoteLedger.inMemory());
    }
}
