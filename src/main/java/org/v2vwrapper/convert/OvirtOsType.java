package org.v2vwrapper.convert;

import java.util.Set;

/**
 * The oVirt OS type ({@code os.type} of a VM, an id of the engine's {@code osinfo-defaults.properties}) for the
 * inspected guest, chosen as virt-v2v's own oVirt output chooses it ({@code lib/create_ovf.ml},
 * {@code get_ostype}): the first matching rule wins, and the rules are kept in that file's order.
 */
public final class OvirtOsType {
    /** What virt-v2v writes when no rule matches. */
    public static final String UNASSIGNED = "Unassigned";

    private static final Set<String> PPC = Set.of("ppc64", "ppc64le");

    private OvirtOsType() {
    }

    public static String of(OsFacts os) {
        String type = os.type();
        String distro = os.distro();
        int major = os.majorVersion();
        int minor = os.minorVersion();
        String arch = os.arch();
        boolean rhel = distro.equals("rhel") || distro.equals("centos");
        boolean client = os.productVariant().equals("Client");
        if (type.equals("linux")) {
            if (rhel && arch.equals("i386") && major <= 6) {
                return "RHEL" + major;
            }
            if (rhel && arch.equals("x86_64") && major <= 6) {
                return "RHEL" + major + "x64";
            }
            if (rhel && arch.equals("x86_64")) {
                return "rhel_" + major + "x64";
            }
            if (rhel && major == 6 && PPC.contains(arch)) {
                return minor >= 9 ? "rhel_6_9_plus_ppc64" : "rhel_6_ppc64";
            }
            if (rhel && major == 7 && PPC.contains(arch)) {
                return "rhel_7_ppc64";
            }
            if (rhel && major == 7 && arch.equals("s390x")) {
                return "rhel_7_s390x";
            }
            if (distro.equals("sles") && arch.equals("x86_64") && major >= 11) {
                return "sles_11";
            }
            if (distro.equals("sles") && PPC.contains(arch) && major >= 11) {
                return "sles_11_ppc64";
            }
            if (distro.equals("sles") && arch.equals("s390x") && major >= 12) {
                return "sles_12_s390x";
            }
            if (distro.equals("debian") && major >= 7) {
                return "debian_7";
            }
            if (distro.equals("ubuntu") && PPC.contains(arch) && major >= 14) {
                return "ubuntu_14_04_ppc64";
            }
            if (distro.equals("ubuntu") && arch.equals("s390x") && major >= 16) {
                return "ubuntu_16_04_s390x";
            }
            if (distro.equals("ubuntu") && major >= 14) {
                return "ubuntu_14_04";
            }
            if (distro.equals("ubuntu") && major >= 12) {
                return String.format("ubuntu_%d_%02d", major, minor);
            }
            if (PPC.contains(arch)) {
                return "other_linux_ppc64";
            }
            if (arch.equals("s390x")) {
                return "other_linux_s390x";
            }
            return "OtherLinux";
        }
        if (type.equals("windows")) {
            if (major == 5 && minor == 1) {
                return "WindowsXP";
            }
            if (major == 5 && minor == 2 && os.productName().contains("XP")) {
                return "WindowsXP";
            }
            String windows = windows(major, minor, arch, client, os.osinfo());
            if (windows != null) {
                return windows;
            }
        }
        return UNASSIGNED;
    }

    private static String windows(int major, int minor, String arch, boolean client, String osinfo) {
        boolean x86 = arch.equals("i386");
        boolean x64 = arch.equals("x86_64");
        if (major == 5 && minor == 2) {
            return x86 ? "Windows2003" : x64 ? "Windows2003x64" : null;
        }
        if (major == 6 && minor == 0) {
            return x86 ? "Windows2008" : x64 ? "Windows2008x64" : null;
        }
        if (major == 6 && minor == 1) {
            return x86 ? "Windows7" : x64 ? (client ? "Windows7x64" : "Windows2008R2x64") : null;
        }
        if (major == 6 && minor == 2) {
            return x86 ? "windows_8" : x64 ? (client ? "windows_8x64" : "windows_2012x64") : null;
        }
        if (major == 6 && minor == 3) {
            // Windows 8.1 client is treated like Windows 8 (RHBZ#1309580); there is no 32-bit 2012 R2.
            if (x86) {
                return client ? "windows_8" : null;
            }
            return x64 ? (client ? "windows_8x64" : "windows_2012R2x64") : null;
        }
        if (major == 10 && minor == 0) {
            if (x86) {
                return "windows_10";
            }
            if (x64) {
                // The version numbers do not tell NT 10.0 releases apart; the osinfo id does.
                return switch (osinfo) {
                    case "win10" -> "windows_10x64";
                    case "win11" -> "windows_11";
                    case "win2k16" -> "windows_2016x64";
                    case "win2k19" -> "windows_2019x64";
                    case "win2k22" -> "windows_2022";
                    default -> "windows_2025";
                };
            }
        }
        return null;
    }
}
