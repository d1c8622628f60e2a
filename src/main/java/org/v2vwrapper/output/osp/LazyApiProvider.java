package org.v2vwrapper.output.osp;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.openstack4j.api.APIProvider;
import org.openstack4j.api.exceptions.ApiNotFoundException;
import org.openstack4j.openstack.provider.DefaultAPIProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * openstack4j's service registry without loading all of openstack4j: its {@code DefaultAPIProvider} binds some
 * 200 service interfaces to their implementations with class literals at start, which loads ~600 classes (Senlin,
 * Sahara, GBP, Manila, …) and costs the wrapper several MB of resident memory; a conversion uses a dozen of them.
 * This provider names the implementations of those dozen as strings and loads one when it is first asked for;
 * anything else goes to a {@code DefaultAPIProvider}, made on first need, so every API still works (only
 * heavier). openstack4j's {@code Apis} takes the first provider {@link java.util.ServiceLoader} finds, and the
 * wrapper's jar, with its {@code META-INF/services} entry, comes before openstack4j's on the class path.
 *
 * <p>Instances are shared, as in {@code DefaultAPIProvider} (the implementations hold no per-call state).
 */
public final class LazyApiProvider implements APIProvider {
    private static final Logger LOG = LoggerFactory.getLogger(LazyApiProvider.class);
    private static final String API = "org.openstack4j.api.";
    private static final String IMPL = "org.openstack4j.openstack.";

    /** Interface (after {@code org.openstack4j.api.}) → implementation (after {@code org.openstack4j.openstack.}). */
    static final Map<String, String> BINDINGS = Map.ofEntries(
            Map.entry("identity.v3.IdentityService", "identity.v3.internal.IdentityServiceImpl"),
            Map.entry("identity.v3.TokenService", "identity.v3.internal.TokenServiceImpl"),
            Map.entry("identity.v3.ProjectService", "identity.v3.internal.ProjectServiceImpl"),
            Map.entry("compute.ComputeService", "compute.internal.ComputeServiceImpl"),
            Map.entry("compute.ServerService", "compute.internal.ServerServiceImpl"),
            Map.entry("compute.FlavorService", "compute.internal.FlavorServiceImpl"),
            Map.entry("compute.ext.InterfaceService", "compute.internal.ext.InterfaceServiceImpl"),
            Map.entry("compute.ServerTagService", "compute.internal.ServerTagServiceImpl"),
            Map.entry("storage.BlockStorageService", "storage.block.internal.BlockStorageServiceImpl"),
            Map.entry("storage.BlockVolumeService", "storage.block.internal.BlockVolumeServiceImpl"),
            Map.entry("storage.BlockVolumeTransferService", "storage.block.internal.BlockVolumeTransferServiceImpl"),
            Map.entry("networking.NetworkingService", "networking.internal.NetworkingServiceImpl"),
            Map.entry("networking.NetworkService", "networking.internal.NetworkServiceImpl"),
            Map.entry("networking.SubnetService", "networking.internal.SubnetServiceImpl"),
            Map.entry("networking.PortService", "networking.internal.PortServiceImpl"),
            Map.entry("networking.SecurityGroupService", "networking.internal.SecurityGroupServiceImpl"));

    private final Map<Class<?>, Object> instances = new ConcurrentHashMap<>();
    private volatile APIProvider fallback;

    @Override
    public void initialize() {
        // Nothing to bind up front: that is the point.
    }

    @Override
    public <T> T get(Class<T> api) {
        return api.cast(instances.computeIfAbsent(api, this::create));
    }

    private Object create(Class<?> api) {
        String name = api.getName();
        String impl = name.startsWith(API) ? BINDINGS.get(name.substring(API.length())) : null;
        if (impl == null) {
            LOG.debug("openstack4j API {} is not in the lazy table; using openstack4j's own registry", name);
            return fallback().get(api);
        }
        try {
            Class<?> type = Class.forName(IMPL + impl, true, api.getClassLoader());
            return api.cast(type.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new ApiNotFoundException("API Not found for: " + name, e);
        }
    }

    private APIProvider fallback() {
        APIProvider f = fallback;
        if (f == null) {
            synchronized (this) {
                f = fallback;
                if (f == null) {
                    DefaultAPIProvider d = new DefaultAPIProvider();
                    d.initialize();
                    fallback = f = d;
                }
            }
        }
        return f;
    }
}
