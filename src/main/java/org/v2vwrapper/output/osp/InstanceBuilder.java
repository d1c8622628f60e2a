package org.v2vwrapper.output.osp;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.openstack4j.api.Builders;
import org.openstack4j.model.compute.BDMDestType;
import org.openstack4j.model.compute.BDMSourceType;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.compute.builder.ServerCreateBuilder;
import org.openstack4j.model.network.Port;
import org.openstack4j.model.network.builder.PortBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;

/**
 * Creates the instance in the destination project: one port per network mapping (its MAC, its fixed IP, the
 * security groups), then the server booting from the first volume with the others attached as vdb, vdc, …, and
 * waits until it is {@code ACTIVE}.
 */
final class InstanceBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceBuilder.class);

    private final OspSession destination;
    private final OspLedger ledger;
    private final OspTimeouts timeouts;

    InstanceBuilder(OspSession destination, OspLedger ledger, OspTimeouts timeouts) {
        this.destination = destination;
        this.ledger = ledger;
        this.timeouts = timeouts;
    }

    /** Creates the ports, in mapping order, and returns their ids. */
    List<String> createPorts(String serverName, List<OspValidator.PortPlan> plans, List<String> securityGroups)
            throws ConversionException {
        List<String> ids = new ArrayList<>();
        for (OspValidator.PortPlan plan : plans) {
            String id = ledger.step(() -> {
                PortBuilder b = Builders.port()
                        .name(serverName + "-port-" + plan.index())
                        .networkId(plan.networkId())
                        .macAddress(plan.mac());
                if (plan.subnetId().isPresent() && plan.ipAddress().isPresent()) {
                    b.fixedIp(plan.ipAddress().get(), plan.subnetId().get());
                }
                securityGroups.forEach(b::securityGroup);
                String key = ledger.intend(org.v2vwrapper.ledger.Kinds.OSP_PORT,
                        java.util.Map.of("name", serverName + "-port-" + plan.index(), "mac", plan.mac()));
                Port port = destination.call("creating the port for network_mappings[" + plan.index() + "] (MAC "
                        + plan.mac() + ")", c -> c.networking().port().create(b.build()));
                if (port == null || port.getId() == null) {
                    throw new ConversionException("creating the port for network_mappings[" + plan.index()
                            + "]: Neutron returned no port");
                }
                ledger.portCreated(key, port.getId());
                return port.getId();
            });
            LOG.info("port {} created for network_mappings[{}]", id, plan.index());
            ids.add(id);
        }
        return ids;
    }

    /** Creates the server and returns its id (not waiting for it). */
    String createServer(String name, String flavorId, List<String> volumeIds, List<String> portIds,
                        List<String> securityGroups) throws ConversionException {
        if (volumeIds.isEmpty()) {
            throw new ConversionException("no volume to boot the instance from");
        }
        ServerCreateBuilder b = Builders.server().name(name).flavor(flavorId);
        for (int i = 0; i < volumeIds.size(); i++) {
            var bdm = Builders.blockDeviceMapping()
                    .uuid(volumeIds.get(i))
                    .sourceType(BDMSourceType.VOLUME)
                    .destinationType(BDMDestType.VOLUME)
                    .deviceName(DeviceNames.of(i))
                    .deleteOnTermination(false);
            if (i == 0) {
                bdm.bootIndex(0);
            }
            b.blockDevice(bdm.build());
        }
        portIds.forEach(b::addNetworkPort);
        securityGroups.forEach(b::addSecurityGroup);
        return ledger.step(() -> {
            String key = ledger.intend(org.v2vwrapper.ledger.Kinds.OSP_INSTANCE, java.util.Map.of("name", name));
            Server server = destination.call("creating instance '" + name + "'", c -> c.compute().servers().boot(b.build()));
            if (server == null || server.getId() == null) {
                throw new ConversionException("creating instance '" + name + "': Nova returned no server id");
            }
            ledger.serverCreated(key, server.getId());
            LOG.info("instance '{}' created: {}", name, server.getId());
            return server.getId();
        });
    }

    /** Waits (bounded) until the server is ACTIVE; an ERROR status fails with the server's fault message. */
    void waitActive(String serverId) throws ConversionException {
        Duration limit = timeouts.serverActive();
        Instant deadline = timeouts.clock().instant().plus(limit);
        while (true) {
            ledger.checkNotStopped();
            Server s = destination.call("checking instance " + serverId, c -> c.compute().servers().get(serverId));
            if (s == null) {
                throw new ConversionException("instance " + serverId + " disappeared from " + destination.label());
            }
            if (s.getStatus() == Server.Status.ACTIVE) {
                return;
            }
            if (s.getStatus() == Server.Status.ERROR) {
                String fault = s.getFault() == null ? null : s.getFault().getMessage();
                throw new ConversionException(OspErrors.oneLine("instance " + serverId + " failed: "
                        + OspErrors.text(fault)));
            }
            if (!timeouts.clock().instant().isBefore(deadline)) {
                throw new ConversionException("instance " + serverId + " is still " + s.getStatus() + " after "
                        + limit.toSeconds() + " s; expected ACTIVE");
            }
            try {
                timeouts.sleeper().sleep(timeouts.poll());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConversionException("interrupted while waiting for instance " + serverId);
            }
        }
    }
}
