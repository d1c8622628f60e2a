package org.v2vwrapper.vsphere;

/**
 * A network adapter of the VM: its label, adapter type (the device's {@code xsi:type}, e.g. {@code VirtualVmxnet3}),
 * MAC address, and the network: {@code networkName} for a standard port group (the backing's {@code deviceName}),
 * or {@code portgroupKey} for a distributed port group (then {@code networkName} is {@code null}).
 */
public record NicInfo(int key, String label, String adapterType, String macAddress, String networkName,
                      String portgroupKey) {
}
