package org.v2vwrapper.output.osp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import org.openstack4j.model.compute.Flavor;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.network.Network;
import org.openstack4j.model.network.Port;
import org.openstack4j.model.network.SecurityGroup;
import org.openstack4j.model.network.Subnet;
import org.openstack4j.model.network.options.PortListOptions;
import org.openstack4j.model.storage.block.VolumeType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.NetworkMapping;
import org.v2vwrapper.request.OspDestination;

/**
 * Checks an OpenStack conversion before anything starts, read-only: both projects can be reached, the conversion
 * host, flavor, security groups, volume type and networks exist, no instance of the same name exists in the
 * destination project, and each network mapping can become a port (a MAC not yet in use, an IP in a subnet).
 * Returns the resolved network plan that {@link InstanceBuilder} uses.
 */
public final class OspValidator {
    private static final Logger LOG = LoggerFactory.getLogger(OspValidator.class);
    private static final Pattern UUID = Pattern.compile(
            "^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}$");

    /** One port to create: the mapping's network (resolved to an id), its MAC and, if any, its fixed IP. */
    public record PortPlan(int index, String networkId, String mac, Optional<String> subnetId,
                           Optional<String> ipAddress) {
    }

    private OspValidator() {
    }

    public static List<PortPlan> validate(ConversionRequest request, OspClients clients) throws ConversionException {
        OspDestination osp = request.osp().orElseThrow(() -> new ConversionException("not an OpenStack conversion"));
        OspSession conversion = clients.conversionProject();
        OspSession destination = clients.destinationProject();
        conversion.connect();
        destination.connect();

        checkConversionHost(conversion, osp.serverId());
        if (osp.volumeTypeId().isPresent()) {
            checkVolumeType(conversion, osp.volumeTypeId().get());
        }
        checkNameFree(destination, request.vmName(), osp.destinationProjectId());
        checkFlavor(destination, osp.flavorId());
        for (String group : osp.securityGroupIds()) {
            checkSecurityGroup(destination, group);
        }
        return planPorts(destination, request.networkMappings());
    }

    static void checkConversionHost(OspSession conversion, String serverId) throws ConversionException {
        Server server = conversion.call("looking up the conversion host (osp_server_id " + serverId + ")",
                c -> c.compute().servers().get(serverId));
        if (server == null) {
            throw new ConversionException("osp_server_id " + serverId + ": no such server in " + conversion.label());
        }
    }

    static void checkVolumeType(OspSession conversion, String type) throws ConversionException {
        List<? extends VolumeType> types = conversion.call("listing volume types",
                c -> c.blockStorage().volumes().listVolumeTypes());
        boolean found = types != null && types.stream()
                .anyMatch(t -> type.equals(t.getId()) || type.equals(t.getName()));
        if (!found) {
            throw new ConversionException("osp_volume_type_id " + type + ": no such volume type in "
                    + conversion.label());
        }
    }

    /**
     * Nova's {@code name} filter is a regular expression matched anywhere in the name, so the request asks for an
     * anchored, escaped pattern and the answer is compared exactly: "vm-10" does not clash with "vm-1".
     */
    static void checkNameFree(OspSession destination, String name, String projectId) throws ConversionException {
        List<? extends Server> servers = destination.call("looking for instances named '" + name + "'",
                c -> c.compute().servers().list(Map.of("name", "^" + nameRegex(name) + "$")));
        if (servers == null) {
            return;
        }
        for (Server s : servers) {
            if (name.equals(s.getName())) {
                throw new ConversionException("vm_name '" + name + "': an instance with this name already exists in "
                        + "destination project " + projectId + " (id " + s.getId() + ")");
            }
        }
    }

    /**
     * Escapes regular expression syntax for Nova's filter (Python {@code re} or the database's REGEXP). Braces become
     * "any character" because the HTTP layer would read them as URI template variables; the exact comparison
     * afterwards keeps the result exact.
     */
    static String nameRegex(String name) {
        StringBuilder out = new StringBuilder();
        for (char ch : name.toCharArray()) {
            if (ch == '{' || ch == '}') {
                out.append('.');
            } else if (".^$*+?()[]|\\".indexOf(ch) >= 0) {
                out.append('\\').append(ch);
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    static void checkFlavor(OspSession destination, String flavorId) throws ConversionException {
        Flavor flavor = destination.call("looking up flavor " + flavorId, c -> c.compute().flavors().get(flavorId));
        if (flavor == null) {
            throw new ConversionException("osp_flavor_id " + flavorId + ": no such flavor for " + destination.label());
        }
    }

    static void checkSecurityGroup(OspSession destination, String groupId) throws ConversionException {
        SecurityGroup group = destination.call("looking up security group " + groupId,
                c -> c.networking().securitygroup().get(groupId));
        if (group == null) {
            throw new ConversionException("osp_security_groups_ids: security group " + groupId + " does not exist in "
                    + destination.label());
        }
    }

    static List<PortPlan> planPorts(OspSession destination, List<NetworkMapping> mappings)
            throws ConversionException {
        List<PortPlan> plans = new ArrayList<>();
        Map<String, Integer> macs = new HashMap<>();
        for (int i = 0; i < mappings.size(); i++) {
            NetworkMapping m = mappings.get(i);
            String where = "network_mappings[" + i + "]";
            String mac = m.macAddress().orElseThrow(() -> new ConversionException(
                    "network_mappings: each mapping needs a mac_address with OpenStack output"));
            Integer earlier = macs.put(mac.toLowerCase(java.util.Locale.ROOT), i);
            if (earlier != null) {
                throw new ConversionException(where + ".mac_address " + mac + " is also in network_mappings[" + earlier + "]");
            }
            Network network = findNetwork(destination, m.destination(), where);
            Optional<String> subnetId = Optional.empty();
            if (m.ipAddress().isPresent()) {
                subnetId = Optional.of(subnetFor(destination, network, m.ipAddress().get(), where));
            }
            checkMacFree(destination, network, mac, where);
            plans.add(new PortPlan(i, network.getId(), mac, subnetId, m.ipAddress()));
        }
        return plans;
    }

    /** The mapping's destination is a network id or an exact network name visible to the destination project. */
    static Network findNetwork(OspSession destination, String wanted, String where) throws ConversionException {
        OspIds.requireQueryValue(where + ".destination", wanted);
        if (UUID.matcher(wanted).matches()) {
            Network byId = destination.call("looking up network " + wanted, c -> c.networking().network().get(wanted));
            if (byId != null) {
                return byId;
            }
        }
        List<? extends Network> byName = destination.call("looking up networks named '" + wanted + "'",
                c -> c.networking().network().list(Map.of("name", wanted)));
        List<? extends Network> exact = byName == null ? List.of()
                : byName.stream().filter(n -> wanted.equals(n.getName())).toList();
        if (exact.isEmpty()) {
            throw new ConversionException(where + ".destination '" + wanted + "': no such network in "
                    + destination.label());
        }
        if (exact.size() > 1) {
            throw new ConversionException(where + ".destination '" + wanted + "': " + exact.size()
                    + " networks have this name; give the network id");
        }
        return exact.get(0);
    }

    static String subnetFor(OspSession destination, Network network, String ip, String where)
            throws ConversionException {
        List<String> cidrs = new ArrayList<>();
        List<String> subnetIds = network.getSubnets() == null ? List.of() : network.getSubnets();
        for (String subnetId : subnetIds) {
            Subnet subnet = destination.call("looking up subnet " + subnetId, c -> c.networking().subnet().get(subnetId));
            if (subnet == null || subnet.getCidr() == null) {
                continue;
            }
            cidrs.add(subnet.getCidr());
            Optional<Cidr> cidr = Cidr.parse(subnet.getCidr());
            if (cidr.isPresent() && cidr.get().contains(ip)) {
                LOG.debug("{}: {} is in subnet {} ({})", where, ip, subnetId, subnet.getCidr());
                return subnetId;
            }
        }
        throw new ConversionException(where + ".ip_address " + ip + " is in no subnet of network " + network.getId()
                + (cidrs.isEmpty() ? " (it has no subnet)" : " (" + String.join(", ", cidrs) + ")"));
    }

    static void checkMacFree(OspSession destination, Network network, String mac, String where)
            throws ConversionException {
        List<? extends Port> ports = destination.call("looking for ports with MAC " + mac,
                c -> c.networking().port().list(PortListOptions.create().networkId(network.getId()).macAddress(mac)));
        if (ports != null) {
            for (Port p : ports) {
                if (mac.equalsIgnoreCase(p.getMacAddress())) {
                    throw new ConversionException(where + ".mac_address " + mac + " is already used by port " + p.getId()
                            + " on network " + network.getId());
                }
            }
        }
    }
}
