package org.v2vwrapper.output.rhv;

import org.ovirt.engine.sdk4.builders.Builders;
import org.ovirt.engine.sdk4.services.SystemService;
import org.ovirt.engine.sdk4.types.BiosType;
import org.ovirt.engine.sdk4.types.Cluster;
import org.ovirt.engine.sdk4.types.Disk;
import org.ovirt.engine.sdk4.types.DiskAttachment;
import org.ovirt.engine.sdk4.types.DiskInterface;
import org.ovirt.engine.sdk4.types.DiskStatus;
import org.ovirt.engine.sdk4.types.Nic;
import org.ovirt.engine.sdk4.types.NicInterface;
import org.ovirt.engine.sdk4.types.Vm;
import org.ovirt.engine.sdk4.types.VmType;
import org.ovirt.engine.sdk4.types.VnicProfile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.convert.GuestCaps;
import org.v2vwrapper.convert.GuestHardware;
import org.v2vwrapper.convert.GuestNic;
import org.v2vwrapper.convert.OsFacts;
import org.v2vwrapper.convert.OvirtOsType;
import org.v2vwrapper.request.NetworkMapping;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Two-phase to oVirt on virt-v2v 2.x, where virt-v2v no longer makes the VM: the converted disks are detached
 * from the conversion host's VM, and the new VM is made through the engine API from the source's hardware,
 * the inspector's OS facts and virt-v2v's guest capabilities, with the disks attached (bootable first).
 *
 * <p>Every call goes through {@link OvirtSession#call}, so each is bounded by the session's timeouts and fails
 * with a one-line message. Failures come out as {@link ConversionException}s naming the step; a VM this class
 * made is removed again (with {@code detach_only}, so the disks stay for the caller's cleanup).
 */
public final class OvirtVmCreator {
    private static final Logger LOG = LoggerFactory.getLogger(OvirtVmCreator.class);

    /** The template every oVirt data center has; a VM is always made from a template. */
    static final String BLANK_TEMPLATE = "Blank";
    private static final Duration FIRST_POLL = Duration.ofMillis(100);

    /**
     * What to make.
     *
     * @param vmName   the new VM's name ({@code vm_name})
     * @param cluster  the cluster's name ({@code rhv_cluster})
     * @param diskIds  the oVirt disk ids in the source's disk order; the first is the boot disk
     * @param caps     what virt-v2v made the guest able to drive (disk and NIC interfaces, machine type); empty:
     *                 virtio, q35
     * @param uefi     whether the guest boots with UEFI
     */
    public record Plan(String vmName, String cluster, GuestHardware hardware, OsFacts os, Optional<GuestCaps> caps,
                       boolean uefi, List<String> diskIds, List<NetworkMapping> mappings) {
        public Plan {
            diskIds = List.copyOf(diskIds);
            mappings = List.copyOf(mappings);
            if (diskIds.isEmpty()) {
                throw new IllegalArgumentException("no disks for the VM " + vmName);
            }
        }
    }

    private final OvirtSession session;
    private final Duration wait;
    private final Duration pollInterval;

    /**
     * @param wait         how long detaching (and the disks' return to {@code ok}) may take
     * @param pollInterval how often to look again at most (the first look again comes after 100 ms, then the
     *                     pause doubles up to this)
     */
    public OvirtVmCreator(OvirtSession session, Duration wait, Duration pollInterval) {
        this.session = session;
        this.wait = wait;
        this.pollInterval = pollInterval;
    }

    private SystemService system() {
        return session.system();
    }

    private String engine() {
        return session.endpoint().apiUrl();
    }

    /**
     * Detaches the disks from the conversion host's VM and waits until the engine no longer lists them there
     * and each disk is {@code ok}. A disk that is no longer attached is fine (a retry after a partial failure).
     */
    public void detach(String conversionVmId, List<String> diskIds) throws ConversionException, InterruptedException {
        for (String diskId : diskIds) {
            try {
                session.call("detach disk " + diskId + " from the conversion host's VM " + conversionVmId, () -> {
                    system().vmsService().vmService(conversionVmId).diskAttachmentsService()
                            .attachmentService(diskId).remove().send();
                    return null;
                });
                LOG.info("detaching disk {} from the conversion host's VM {}", diskId, conversionVmId);
            } catch (OvirtCallException e) {
                if (!e.isNotFound()) {
                    throw new ConversionException("detaching the disks: " + e.getMessage(), e);
                }
                LOG.info("disk {} is not attached to the conversion host's VM {} any more", diskId, conversionVmId);
            }
        }
        Instant deadline = Instant.now().plus(wait);
        Set<String> pending = new HashSet<>(diskIds);
        // An engine usually detaches within a second: look again soon, then less often up to pollInterval.
        Duration poll = pollInterval.compareTo(FIRST_POLL) < 0 ? pollInterval : FIRST_POLL;
        while (true) {
            try {
                List<DiskAttachment> attached = session.call("list the disks of the conversion host's VM "
                        + conversionVmId, () -> system().vmsService().vmService(conversionVmId)
                        .diskAttachmentsService().list().send().attachments());
                Set<String> still = new HashSet<>();
                attached.forEach(a -> still.add(a.disk() != null ? a.disk().id() : a.id()));
                pending.removeIf(id -> !still.contains(id) && diskOk(id));
            } catch (OvirtCallException e) {
                throw new ConversionException("detaching the disks: " + e.getMessage(), e);
            }
            if (pending.isEmpty()) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new ConversionException("detaching the disks: " + pending.size() + " disk(s) " + pending
                        + " were still attached to the conversion host's VM " + conversionVmId + " or not ok after "
                        + wait.toSeconds() + " s on the oVirt engine at " + engine());
            }
            Thread.sleep(poll.toMillis());
            poll = poll.multipliedBy(2).compareTo(pollInterval) > 0 ? pollInterval : poll.multipliedBy(2);
        }
    }

    private boolean diskOk(String diskId) {
        try {
            Optional<Disk> d = session.disk(diskId);
            return d.isPresent() && d.get().status() == DiskStatus.OK;
        } catch (OvirtCallException e) {
            LOG.debug("reading disk {}: {}", diskId, e.getMessage());
            return false;
        }
    }

    /** Makes the VM, its NICs and its disk attachments, checks the result and returns the VM's id. */
    public String create(Plan plan) throws ConversionException {
        String clusterId = step("finding the cluster", () -> cluster(plan.cluster()));
        List<NicSpec> nics = step("choosing the vNIC profiles", () -> nicSpecs(plan));
        String osType = OvirtOsType.of(plan.os());
        GuestHardware hw = plan.hardware();
        Vm vm = step("creating the VM", () -> session.call("create the VM " + plan.vmName(), () ->
                system().vmsService().add().vm(Builders.vm()
                        .name(plan.vmName())
                        .cluster(Builders.cluster().id(clusterId))
                        .template(Builders.template().name(BLANK_TEMPLATE))
                        .memory(hw.memoryBytes())
                        .cpu(Builders.cpu().topology(Builders.cpuTopology()
                                .sockets(hw.sockets()).cores(hw.coresPerSocket()).threads(1)))
                        .os(Builders.operatingSystem().type(osType))
                        .bios(Builders.bios().type(biosType(plan)))
                        .type(vmType(plan.os())))
                        .send().vm()));
        String vmId = vm.id();
        LOG.info("created VM {} ({}) on the oVirt engine at {}: OS type {}, {} vCPUs, {} MiB", plan.vmName(), vmId,
                engine(), osType, hw.vcpus(), hw.memoryBytes() >> 20);
        try {
            step("adding the NICs", () -> {
                for (NicSpec n : nics) {
                    session.call("add NIC " + n.name() + " to the VM " + vmId, () ->
                            system().vmsService().vmService(vmId).nicsService().add().nic(Builders.nic()
                                    .name(n.name())
                                    .interface_(nicInterface(plan.caps()))
                                    .mac(Builders.mac().address(n.mac()))
                                    .vnicProfile(Builders.vnicProfile().id(n.profileId())))
                                    .send().nic());
                }
                return null;
            });
            step("attaching the disks", () -> {
                for (int i = 0; i < plan.diskIds().size(); i++) {
                    String diskId = plan.diskIds().get(i);
                    boolean bootable = i == 0;
                    session.call("attach disk " + diskId + " to the VM " + vmId, () ->
                            system().vmsService().vmService(vmId).diskAttachmentsService().add().attachment(
                                    Builders.diskAttachment()
                                            .disk(Builders.disk().id(diskId))
                                            .interface_(diskInterface(plan.caps()))
                                            .bootable(bootable)
                                            .active(true))
                                    .send().attachment());
                }
                return null;
            });
            step("checking the VM", () -> {
                check(plan, vmId, nics.size());
                return null;
            });
        } catch (ConversionException e) {
            removeQuietly(vmId);
            throw e;
        }
        return vmId;
    }

    /** Removes a VM this class made, leaving its disks (they belong to the caller's cleanup). */
    public void removeVm(String vmId) throws OvirtCallException {
        session.call("remove the VM " + vmId, () -> {
            system().vmsService().vmService(vmId).remove().detachOnly(true).send();
            return null;
        });
    }

    private void removeQuietly(String vmId) {
        try {
            removeVm(vmId);
            LOG.info("removed the half-made VM {} (its disks are kept)", vmId);
        } catch (OvirtCallException e) {
            LOG.warn("cannot remove the half-made VM {}: {}", vmId, e.getMessage());
        }
    }

    private void check(Plan plan, String vmId, int nicCount) throws ConversionException, OvirtCallException {
        Vm vm = session.vm(vmId).orElseThrow(() -> new ConversionException("the oVirt engine at " + engine()
                + " has no VM " + vmId + " right after creating it"));
        if (!plan.vmName().equals(vm.name())) {
            throw new ConversionException("the VM " + vmId + " is named '" + vm.name() + "', not '" + plan.vmName() + "'");
        }
        List<DiskAttachment> attached = session.call("list the disks of the VM " + vmId,
                () -> system().vmsService().vmService(vmId).diskAttachmentsService().list().send().attachments());
        List<String> ids = attached.stream().map(a -> a.disk() != null ? a.disk().id() : a.id()).toList();
        if (!Set.copyOf(ids).equals(Set.copyOf(plan.diskIds()))) {
            throw new ConversionException("the VM " + vmId + " has the disks " + ids + ", not " + plan.diskIds());
        }
        for (DiskAttachment a : attached) {
            String id = a.disk() != null ? a.disk().id() : a.id();
            boolean boot = id.equals(plan.diskIds().get(0));
            if (a.bootablePresent() && a.bootable() != boot) {
                throw new ConversionException("disk " + id + " of the VM " + vmId + " is "
                        + (a.bootable() ? "" : "not ") + "bootable");
            }
            Disk disk = session.disk(id).orElseThrow(() -> new ConversionException("disk " + id + " vanished"));
            if (disk.shareablePresent() && disk.shareable()) {
                throw new ConversionException("disk " + id + " of the VM " + vmId + " is shareable");
            }
        }
        List<Nic> nics = session.call("list the NICs of the VM " + vmId,
                () -> system().vmsService().vmService(vmId).nicsService().list().send().nics());
        if (nics.size() != nicCount) {
            throw new ConversionException("the VM " + vmId + " has " + nics.size() + " NICs, not " + nicCount);
        }
    }

    record NicSpec(String name, String mac, String network, String profileId) {
    }

    /** One NIC per source NIC whose network (or MAC) is mapped, in the source's order, named nic1, nic2, … */
    private List<NicSpec> nicSpecs(Plan plan) throws ConversionException, OvirtCallException {
        List<VnicProfile> profiles = null;
        List<NicSpec> out = new ArrayList<>();
        for (GuestNic nic : plan.hardware().nics()) {
            Optional<String> network = destination(nic, plan.mappings());
            if (network.isEmpty()) {
                LOG.warn("the NIC {} on '{}' has no network mapping and is left out of the new VM", nic.macAddress(),
                        nic.networkName());
                continue;
            }
            if (profiles == null) {
                profiles = session.call("list the vNIC profiles",
                        () -> system().vnicProfilesService().list().send().profiles());
            }
            // The engine names a network's default profile after the network; the destination names the network.
            List<VnicProfile> named = profiles.stream().filter(p -> network.get().equals(p.name())).toList();
            if (named.isEmpty()) {
                throw new ConversionException("the oVirt engine at " + engine() + " has no vNIC profile named '"
                        + network.get() + "' (network_mappings destination of the NIC " + nic.macAddress() + ")");
            }
            if (named.stream().map(p -> p.network() == null ? "" : p.network().id()).distinct().count() > 1) {
                throw new ConversionException("the oVirt engine at " + engine() + " has several vNIC profiles named '"
                        + network.get() + "' on different networks");
            }
            out.add(new NicSpec("nic" + (out.size() + 1), nic.macAddress(), network.get(), named.get(0).id()));
        }
        return out;
    }

    static Optional<String> destination(GuestNic nic, List<NetworkMapping> mappings) {
        Optional<NetworkMapping> byMac = mappings.stream()
                .filter(m -> m.macAddress().map(mac -> mac.equalsIgnoreCase(nic.macAddress())).orElse(false))
                .findFirst();
        return byMac.or(() -> mappings.stream().filter(m -> m.source().equals(nic.networkName())).findFirst())
                .map(NetworkMapping::destination);
    }

    private String cluster(String name) throws ConversionException, OvirtCallException {
        List<Cluster> found = session.clustersNamed(name);
        if (found.size() != 1) {
            throw new ConversionException("the oVirt engine at " + engine() + " has " + found.size()
                    + " clusters named '" + name + "'");
        }
        return found.get(0).id();
    }

    /** UEFI → Q35 with OVMF; BIOS → SeaBIOS on the machine type virt-v2v chose (q35 unless it said i440fx). */
    static BiosType biosType(Plan plan) {
        if (plan.uefi()) {
            return BiosType.Q35_OVMF;
        }
        boolean i440fx = plan.caps().map(c -> c.machine() == GuestCaps.Machine.I440FX).orElse(false);
        return i440fx ? BiosType.I440FX_SEA_BIOS : BiosType.Q35_SEA_BIOS;
    }

    /** As virt-v2v's {@code get_vmtype} (lib/create_ovf.ml), less its RHEL 4 special cases. */
    static VmType vmType(OsFacts os) {
        return switch (os.productVariant()) {
            case "Server", "Server Core", "Embedded" -> VmType.SERVER;
            case "Client" -> VmType.DESKTOP;
            default -> os.productName().contains("Server") ? VmType.SERVER
                    : os.productName().contains("Desktop") ? VmType.DESKTOP : VmType.SERVER;
        };
    }

    static DiskInterface diskInterface(Optional<GuestCaps> caps) {
        return switch (caps.map(GuestCaps::blockBus).orElse(GuestCaps.BlockBus.VIRTIO_BLK)) {
            case VIRTIO_BLK -> DiskInterface.VIRTIO;
            case VIRTIO_SCSI -> DiskInterface.VIRTIO_SCSI;
            case IDE -> DiskInterface.IDE;
        };
    }

    static NicInterface nicInterface(Optional<GuestCaps> caps) {
        return switch (caps.map(GuestCaps::netModel).orElse(GuestCaps.NetModel.VIRTIO_NET)) {
            case VIRTIO_NET -> NicInterface.VIRTIO;
            case E1000 -> NicInterface.E1000;
            case RTL8139 -> NicInterface.RTL8139;
        };
    }

    @FunctionalInterface
    private interface Step<T> {
        T run() throws ConversionException, OvirtCallException;
    }

    private static <T> T step(String what, Step<T> step) throws ConversionException {
        try {
            return step.run();
        } catch (OvirtCallException e) {
            throw new ConversionException(what + ": " + e.getMessage(), e);
        } catch (ConversionException e) {
            throw e.getMessage().startsWith(what) ? e : new ConversionException(what + ": " + e.getMessage(), e);
        }
    }
}
