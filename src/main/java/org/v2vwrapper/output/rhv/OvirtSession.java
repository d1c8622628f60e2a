package org.v2vwrapper.output.rhv;

import org.ovirt.engine.sdk4.Connection;
import org.ovirt.engine.sdk4.services.SystemService;
import org.ovirt.engine.sdk4.types.Cluster;
import org.ovirt.engine.sdk4.types.Disk;
import org.ovirt.engine.sdk4.types.ImageTransfer;
import org.ovirt.engine.sdk4.types.StorageDomain;
import org.ovirt.engine.sdk4.types.Vm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An authenticated connection to the engine and the few calls the wrapper makes, each bounded by the
 * {@link OvirtTimeouts} of the HTTP client underneath. Failures come out as {@link OvirtCallException}s with
 * one-line messages. Safe to use from two threads (main and shutdown hook).
 */
public class OvirtSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OvirtSession.class);

    private final Connection connection;
    private final OvirtEndpoint endpoint;
    private boolean closed;

    OvirtSession(Connection connection, OvirtEndpoint endpoint) {
        this.connection = connection;
        this.endpoint = endpoint;
    }

    public OvirtEndpoint endpoint() {
        return endpoint;
    }

    /** The SDK's root service, for the calls of this package's other classes (always through {@link #call}). */
    SystemService system() {
        return connection.systemService();
    }

    /** VMs whose name is exactly {@code name} (the engine's search is only a first filter). */
    public List<Vm> vmsNamed(String name) throws OvirtCallException {
        List<Vm> found = call("search VMs named '" + name + "'", () -> system().vmsService().list()
                .search(nameQuery(name)).caseSensitive(true).send().vms());
        return found.stream().filter(vm -> name.equals(vm.name())).toList();
    }

    /** The VM with id {@code id}, or empty if the engine does not know it. */
    public Optional<Vm> vm(String id) throws OvirtCallException {
        try {
            return Optional.ofNullable(call("get VM " + id, () -> system().vmsService().vmService(id).get().send().vm()));
        } catch (OvirtCallException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Storage domains whose name is exactly {@code name}. */
    public List<StorageDomain> storageDomainsNamed(String name) throws OvirtCallException {
        List<StorageDomain> found = call("search storage domains named '" + name + "'", () -> system()
                .storageDomainsService().list().search(nameQuery(name)).caseSensitive(true).send().storageDomains());
        return found.stream().filter(sd -> name.equals(sd.name())).toList();
    }

    /** Clusters whose name is exactly {@code name}. */
    public List<Cluster> clustersNamed(String name) throws OvirtCallException {
        List<Cluster> found = call("search clusters named '" + name + "'", () -> system().clustersService().list()
                .search(nameQuery(name)).caseSensitive(true).send().clusters());
        return found.stream().filter(c -> name.equals(c.name())).toList();
    }

    public List<ImageTransfer> imageTransfers() throws OvirtCallException {
        return call("list image transfers", () -> system().imageTransfersService().list().send().imageTransfer());
    }

    public void cancelImageTransfer(String id) throws OvirtCallException {
        call("cancel image transfer " + id, () -> {
            system().imageTransfersService().imageTransferService(id).cancel().send();
            return null;
        });
    }

    /** The disk with id {@code id}, or empty if the engine does not know it (any more). */
    public Optional<Disk> disk(String id) throws OvirtCallException {
        try {
            return Optional.ofNullable(call("get disk " + id, () -> system().disksService().diskService(id).get().send().disk()));
        } catch (OvirtCallException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Disks whose alias matches {@code pattern} ({@code *} a wildcard), at most {@code max}: the engine's disk search
     * knows {@code alias}, not {@code name} (searchbackend's {@code DiskConditionFieldAutoCompleter}). Case-insensitive,
     * so that nothing the caller filters exactly afterwards is missed.
     */
    public List<Disk> disksAliased(String pattern, int max) throws OvirtCallException {
        return call("search disks with the alias '" + pattern + "'", () -> system().disksService().list()
                .search(aliasQuery(pattern)).caseSensitive(false).max(max).send().disks());
    }

    /**
     * The disk with the VMs that use it ({@code all_content=true}: the engine lists a disk's {@code vms} only then),
     * or empty if the engine does not know it.
     */
    public Optional<Disk> diskWithVms(String id) throws OvirtCallException {
        try {
            return Optional.ofNullable(call("get disk " + id, () -> system().disksService().diskService(id).get()
                    .allContent(true).send().disk()));
        } catch (OvirtCallException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public void removeDisk(String id) throws OvirtCallException {
        call("remove disk " + id, () -> {
            system().disksService().diskService(id).remove().send();
            return null;
        });
    }

    /** Runs one SDK call, turning its failure into a one-line {@link OvirtCallException} about {@code what}. */
    <T> T call(String what, Supplier<T> call) throws OvirtCallException {
        try {
            return call.get();
        } catch (RuntimeException e) {
            int status = OvirtErrors.httpStatus(e);
            throw new OvirtCallException("cannot " + what + " on the oVirt engine at " + endpoint.apiUrl() + ": "
                    + OvirtErrors.reason(endpoint, e), status, OvirtErrors.chainContains(e, endpoint) ? null : e);
        }
    }

    /**
     * The search expression for an exact name: {@code name=value}, quoted when the value has characters the
     * search language would otherwise split on. Results are filtered by exact name afterwards anyway.
     */
    static String nameQuery(String name) {
        return query("name", name, "[A-Za-z0-9_.\\-]+");
    }

    /** {@code alias=pattern}, quoted as {@link #nameQuery} does, a {@code *} left unquoted when it can be. */
    static String aliasQuery(String pattern) {
        return query("alias", pattern, "[A-Za-z0-9_.*\\-]+");
    }

    private static String query(String field, String value, String plain) {
        if (value.matches(plain)) {
            return field + "=" + value;
        }
        return field + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Logs out (revokes the SSO token) and closes the HTTP client; never throws. */
    @Override
    public void close() {
        closeQuietly(true);
    }

    synchronized void closeQuietly(boolean logout) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connection.close(logout);
            if (logout) {
                LOG.info("logged out of the oVirt engine at {}", endpoint.apiUrl());
            }
        } catch (Exception e) {
            LOG.warn("logging out of the oVirt engine at {} failed: {}", endpoint.apiUrl(),
                    OvirtErrors.reason(endpoint, e));
            try {
                connection.close(false);
            } catch (Exception again) {
                LOG.debug("closing the oVirt HTTP client failed: {}", again.toString());
            }
        }
    }
}
