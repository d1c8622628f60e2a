package org.v2vwrapper.convert;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The libvirt domain XML that tells virt-v2v(-in-place) {@code -i libvirtxml} what the source VM was, with its
 * disks replaced by their copies on the conversion host.
 *
 * <p>Shaped after what virt-v2v's {@code input/parse_libvirt_xml.ml} reads: {@code /domain/@type} (required),
 * {@code name}, {@code memory} (read as KiB whatever the unit says, so it is always written in KiB),
 * {@code vcpu}, {@code cpu/topology} (all three attributes or it is ignored), {@code os/@firmware},
 * {@code devices/disk[@device='disk']} with {@code @type} block/file, {@code source/@dev|@file},
 * {@code driver/@type} and {@code target/@bus}, and {@code devices/interface} of type network or bridge with
 * {@code mac/@address} and {@code source/@network|@bridge}.
 *
 * <p>NICs are written as {@code type='bridge'}, the way libvirt's ESX driver describes a vSphere port group
 * to one-phase virt-v2v; so the same {@code --bridge SRC:DST} and {@code --mac MAC:bridge:DST} options
 * map them in both modes.
 *
 * <p>libvirt's schema allows only {@code [a-zA-Z0-9_+\-.:/ ]} in a bridge name, a vSphere port group name may
 * hold more (e.g. {@code &}); virt-v2v does not validate the XML, so such names are kept as they are.
 */
public final class ConversionDomainXml {
    private ConversionDomainXml() {
    }

    public static Document build(GuestHardware hw, List<DiskDestination> destinations) {
        if (destinations.size() != hw.disks().size()) {
            throw new IllegalArgumentException("the VM " + hw.name() + " has " + hw.disks().size()
                    + " disks but " + destinations.size() + " destination disks were given");
        }
        Document doc = XmlDocuments.newDocument();
        Element domain = doc.createElement("domain");
        domain.setAttribute("type", "vmware");
        doc.appendChild(domain);
        XmlDocuments.textChild(domain, "name", hw.name());
        XmlDocuments.textChild(domain, "memory", Long.toString(kib(hw.memoryBytes())), "unit", "KiB");
        XmlDocuments.textChild(domain, "vcpu", Integer.toString(hw.vcpus()));
        Element os = XmlDocuments.child(domain, "os", "firmware", hw.firmware().libvirtName());
        XmlDocuments.textChild(os, "type", "hvm");
        Element cpu = XmlDocuments.child(domain, "cpu");
        XmlDocuments.child(cpu, "topology", "sockets", Integer.toString(hw.sockets()),
                "cores", Integer.toString(hw.coresPerSocket()), "threads", "1");
        Element devices = XmlDocuments.child(domain, "devices");
        // Device names count per name prefix, as libvirt and the guest see them: SCSI and SATA share sdX.
        java.util.Map<String, Integer> perPrefix = new java.util.HashMap<>();
        for (int i = 0; i < hw.disks().size(); i++) {
            GuestDisk disk = hw.disks().get(i);
            DiskDestination dest = destinations.get(i);
            int index = perPrefix.merge(disk.bus().deviceName(0), 1, Integer::sum) - 1;
            boolean block = dest.kind() == DiskDestination.Kind.BLOCK;
            Element d = XmlDocuments.child(devices, "disk", "type", block ? "block" : "file", "device", "disk");
            XmlDocuments.child(d, "driver", "name", "qemu", "type", "raw");
            XmlDocuments.child(d, "source", block ? "dev" : "file", dest.path().toString());
            XmlDocuments.child(d, "target", "dev", disk.bus().deviceName(index), "bus", disk.bus().libvirtName());
        }
        for (GuestNic nic : hw.nics()) {
            Element n = XmlDocuments.child(devices, "interface", "type", "bridge");
            XmlDocuments.child(n, "mac", "address", nic.macAddress());
            XmlDocuments.child(n, "source", "bridge", nic.networkName());
        }
        return doc;
    }

    public static String text(GuestHardware hw, List<DiskDestination> destinations) {
        return XmlDocuments.toText(build(hw, destinations));
    }

    /** Writes the XML to {@code file} (atomically, mode 0600; the run's private directory is the place). */
    public static void write(Path file, GuestHardware hw, List<DiskDestination> destinations) throws IOException {
        XmlDocuments.write(file, text(hw, destinations), false);
    }

    static long kib(long bytes) {
        return (bytes + 1023) / 1024;
    }
}
