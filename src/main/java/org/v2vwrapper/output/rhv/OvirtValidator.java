package org.v2vwrapper.output.rhv;

import org.ovirt.engine.sdk4.types.Cluster;
import org.ovirt.engine.sdk4.types.StorageDomain;
import org.ovirt.engine.sdk4.types.StorageDomainType;
import org.ovirt.engine.sdk4.types.StorageType;
import org.ovirt.engine.sdk4.types.Vm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.Allocation;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The checks before virt-v2v starts: the VM name is free, the storage domain and the cluster each name exactly one
 * object, and, when the request left it open, the allocation that suits the storage domain.
 */
public final class OvirtValidator {
    private static final Logger LOG = LoggerFactory.getLogger(OvirtValidator.class);

    /** Storage types whose disks are preallocated when the request does not say. */
    static final Set<StorageType> PREALLOCATED_TYPES = EnumSet.of(StorageType.CINDER, StorageType.FCP,
            StorageType.GLUSTERFS, StorageType.ISCSI, StorageType.POSIXFS);

    /** What validation found out. */
    public record Result(String storageDomainId, Optional<StorageType> storageType, String clusterId,
                         Allocation allocation) {
    }

    private OvirtValidator() {
    }

    public static Result validate(OvirtSession session, String vmName, String storageName, String clusterName,
                                  Optional<Allocation> requested) throws ConversionException {
        String engine = session.endpoint().apiUrl();
        try {
            List<Vm> clash = session.vmsNamed(vmName);
            if (!clash.isEmpty()) {
                throw new ConversionException("a VM named '" + vmName + "' already exists on the oVirt engine at "
                        + engine + " (id " + clash.get(0).id() + ")");
            }
            LOG.info("no VM named '{}' on {}", vmName, engine);

            List<StorageDomain> domains = session.storageDomainsNamed(storageName);
            if (domains.isEmpty()) {
                throw new ConversionException("no storage domain named '" + storageName + "' on the oVirt engine at "
                        + engine);
            }
            if (domains.size() > 1) {
                throw new ConversionException("the storage domain name '" + storageName + "' matches "
                        + domains.size() + " storage domains on the oVirt engine at " + engine);
            }
            StorageDomain domain = domains.get(0);
            if (domain.typePresent() && domain.type() != null && domain.type() != StorageDomainType.DATA) {
                throw new ConversionException("the storage domain '" + storageName + "' on the oVirt engine at "
                        + engine + " is a " + domain.type().value() + " domain, not a data domain");
            }
            Optional<StorageType> storageType = Optional.ofNullable(domain.storage())
                    .filter(s -> s.typePresent()).map(s -> s.type());
            LOG.info("storage domain '{}' is {} (storage type {})", storageName, domain.id(),
                    storageType.map(StorageType::value).orElse("unknown"));

            List<Cluster> clusters = session.clustersNamed(clusterName);
            if (clusters.isEmpty()) {
                throw new ConversionException("no cluster named '" + clusterName + "' on the oVirt engine at " + engine);
            }
            if (clusters.size() > 1) {
                throw new ConversionException("the cluster name '" + clusterName + "' matches " + clusters.size()
                        + " clusters on the oVirt engine at " + engine);
            }
            LOG.info("cluster '{}' is {}", clusterName, clusters.get(0).id());

            Allocation allocation = requested.orElseGet(() -> allocationFor(storageType));
            LOG.info("allocation {} ({})", allocation.v2vName(), requested.isPresent() ? "from the request"
                    : "chosen for storage type " + storageType.map(StorageType::value).orElse("unknown"));
            return new Result(domain.id(), storageType, clusters.get(0).id(), allocation);
        } catch (OvirtCallException e) {
            throw new ConversionException(e.getMessage(), e);
        }
    }

    /** {@code preallocated} for cinder, fcp, glusterfs, iscsi and posixfs; {@code sparse} otherwise. */
    public static Allocation allocationFor(Optional<StorageType> storageType) {
        return storageType.filter(PREALLOCATED_TYPES::contains).isPresent() ? Allocation.PREALLOCATED
                : Allocation.SPARSE;
    }
}
