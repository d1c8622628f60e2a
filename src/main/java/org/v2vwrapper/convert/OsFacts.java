package org.v2vwrapper.convert;

import java.util.Objects;

/**
 * What {@code virt-v2v-inspector} found out about the guest (its {@code <operatingsystem>} and
 * {@code <firmware>} elements); field names follow libguestfs' inspection API.
 *
 * @param type           {@code windows}, {@code linux}, … (the inspector's {@code <name>})
 * @param distro         {@code windows}, {@code rhel}, {@code ubuntu}, …
 * @param majorVersion   major version (6 for Windows 7)
 * @param minorVersion   minor version (1 for Windows 7)
 * @param arch           {@code x86_64}, {@code i386}, …
 * @param productName    e.g. {@code Microsoft Windows 7 Phony Edition}; empty when unknown
 * @param productVariant {@code Client}, {@code Server}, …; empty when unknown
 * @param osinfo         the libosinfo short id, e.g. {@code win7}; empty when unknown
 * @param firmware       {@code bios} or {@code uefi}, what the inspector decided the target needs
 */
public record OsFacts(String type, String distro, int majorVersion, int minorVersion, String arch,
                      String productName, String productVariant, String osinfo, String firmware) {
    public OsFacts {
        Objects.requireNonNull(type, "type");
        distro = Objects.requireNonNullElse(distro, "");
        arch = Objects.requireNonNullElse(arch, "");
        productName = Objects.requireNonNullElse(productName, "");
        productVariant = Objects.requireNonNullElse(productVariant, "");
        osinfo = Objects.requireNonNullElse(osinfo, "");
        firmware = Objects.requireNonNullElse(firmware, "");
    }

    public boolean isUefi() {
        return "uefi".equals(firmware);
    }
}
