package org.v2vwrapper.output.osp;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.OspDestination;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LogFacts;

/**
 * The OpenStack side of one conversion: validation before virt-v2v, the move of the volumes and the creation of
 * the instance after it, the cleanup after a failure. Safe to use from several threads (the runner may clean up
 * from its shutdown hook while {@link #finish} runs).
 */
public final class OspConversion implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OspConversion.class);

    private final ConversionRequest request;
    private final OspDestination osp;
    private final String guestId;
    private final OspTimeouts timeouts;
    private final OspLedger ledger = new OspLedger();
    private OspClients clients;
    private volatile List<OspValidator.PortPlan> portPlan;

    public OspConversion(ConversionRequest request, String guestId, OspTimeouts timeouts) throws ConversionException {
        this.request = request;
        this.osp = request.osp().orElseThrow(() -> new ConversionException("the request has no osp_environment"));
        this.guestId = guestId;
        this.timeouts = timeouts;
        OspIds.require("osp_server_id", osp.serverId());
        OspIds.require("osp_flavor_id", osp.flavorId());
        OspIds.require("osp_destination_project_id", osp.destinationProjectId());
        for (String group : osp.securityGroupIds()) {
            OspIds.require("osp_security_groups_ids", group);
        }
    }

    private synchronized OspClients clients() throws ConversionException {
        if (clients == null) {
            clients = OspClients.forRequest(osp, request.insecureConnection(), timeouts);
        }
        return clients;
    }

    public OspLedger ledger() {
        return ledger;
    }

    /** The ledger's {@code where} for this cloud: {@code openstack:<auth url>} (projects are per entry). */
    public static String ledgerWhere(OspDestination osp, boolean insecure) throws ConversionException {
        return RemoteLedger.where("openstack", OspCredentials.from(osp.environment(), insecure).authUrl());
    }

    /** Every OpenStack object this conversion makes or learns of is mirrored to {@code remote}. */
    public OspConversion persistTo(RemoteLedger remote) throws ConversionException {
        ledger.persistTo(remote, ledgerWhere(osp, request.insecureConnection()));
        return this;
    }

    /** Before virt-v2v starts: it will create volumes tagged with our guest id (found by the tag on replay). */
    public void intendTaggedVolumes() {
        ledger.intendTaggedVolumes(guestId, osp.serverId());
    }

    /** Volume ids virt-v2v's log named so far. */
    public void track(org.v2vwrapper.state.LogFacts facts) {
        facts.ospVolumeIds().stream().filter(OspIds::isSafe).forEach(ledger::knownVolume);
    }

    public void validate() throws ConversionException {
        portPlan = OspValidator.validate(request, clients());
        LOG.info("OpenStack destination checked: project {}, flavor {}, {} port(s)", osp.destinationProjectId(),
                osp.flavorId(), portPlan.size());
    }

    public void finish(ConversionState state, LogFacts facts) throws ConversionException {
        OspClients c = clients();
        VolumeMover mover = new VolumeMover(c, ledger, timeouts);

        state.setStatus("Checking volumes");
        List<String> volumes = facts.ospVolumeIds();
        for (String v : volumes) {
            OspIds.require("volume id from the virt-v2v log", v);
        }
        if (volumes.isEmpty()) {
            volumes = mover.findByGuestId(c.conversionProject(), guestId);
            LOG.info("the log named no volume; volumes tagged with guest id {}: {}", guestId, volumes);
        }
        if (volumes.isEmpty()) {
            throw new ConversionException("virt-v2v created no OpenStack volume (none in the log, none tagged with guest id "
                    + guestId + ")");
        }
        volumes.forEach(ledger::knownVolume);
        List<OspValidator.PortPlan> plan = portPlan;
        if (plan == null) {
            plan = OspValidator.planPorts(c.destinationProject(), request.networkMappings());
        }

        state.setStatus("Transferring volumes");
        String conversionProjectId = c.conversionProject().projectId();
        if (osp.destinationProjectId().equals(conversionProjectId)) {
            LOG.info("the destination project is the conversion host's project: no transfer needed");
            for (String v : volumes) {
                mover.waitAvailable(c.conversionProject(), v);
                ledger.volume(v, new OspLedger.InDestinationProject());
            }
        } else {
            mover.transfer(volumes, "virt-v2v " + guestId);
        }

        String name = facts.displayName().filter(n -> !n.isBlank()).orElse(request.vmName());
        InstanceBuilder builder = new InstanceBuilder(c.destinationProject(), ledger, timeouts);
        state.setStatus("Creating ports");
        List<String> ports = builder.createPorts(name, plan, osp.securityGroupIds());

        state.setStatus("Creating instance");
        String serverId = builder.createServer(name, osp.flavorId(), volumes, ports, osp.securityGroupIds());

        state.setStatus("Waiting for instance");
        builder.waitActive(serverId);
        ledger.checkNotStopped();
        state.setVmId(serverId);
        LOG.info("instance '{}' ({}) is active in project {}", name, serverId, osp.destinationProjectId());
    }

    public void cleanup(ConversionState state, LogFacts facts) throws ConversionException {
        List<String> volumes = facts.ospVolumeIds().stream().filter(OspIds::isSafe).toList();
        volumes.forEach(ledger::knownVolume);
        new OspCleanup(clients(), ledger, timeouts, osp.serverId(), guestId).run(volumes);
        if (!ledger.cleanedUp()) {
            OspLedger.Snapshot left = ledger.snapshot();
            LOG.warn("OpenStack cleanup incomplete: volumes {}, ports {}, instance {} stay in the ledger",
                    left.volumes().keySet(), left.ports(), left.serverId().orElse("none"));
        }
    }

    /** After a success: what the run made is the new VM, no longer something to clean up. */
    public void succeeded() {
        ledger.forgetAll();
    }

    @Override
    public synchronized void close() {
        if (clients != null) {
            clients.close();
        }
    }
}
