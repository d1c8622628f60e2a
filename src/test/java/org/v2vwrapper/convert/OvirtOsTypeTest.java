package org.v2vwrapper.convert;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The rows follow {@code get_ostype} in virt-v2v's lib/create_ovf.ml, including which rule wins first. */
class OvirtOsTypeTest {
    @ParameterizedTest(name = "{0} {1} {2}.{3} {4} {5} {6} -> {8}")
    @CsvSource(nullValues = "-", value = {
            // type, distro, major, minor, arch, variant, osinfo, product, expected
            "linux,rhel,6,10,i386,-,-,-,RHEL6",
            "linux,centos,5,11,x86_64,-,-,-,RHEL5x64",
            "linux,rhel,8,6,x86_64,-,-,-,rhel_8x64",
            "linux,centos,9,0,x86_64,-,-,-,rhel_9x64",
            "linux,rhel,8,0,i386,-,-,-,OtherLinux",
            "linux,rhel,6,9,ppc64le,-,-,-,rhel_6_9_plus_ppc64",
            "linux,rhel,6,8,ppc64,-,-,-,rhel_6_ppc64",
            "linux,rhel,7,9,ppc64le,-,-,-,rhel_7_ppc64",
            "linux,rhel,7,9,s390x,-,-,-,rhel_7_s390x",
            "linux,rhel,8,0,s390x,-,-,-,other_linux_s390x",
            "linux,sles,15,4,x86_64,-,-,-,sles_11",
            "linux,sles,10,0,x86_64,-,-,-,OtherLinux",
            "linux,sles,12,0,ppc64le,-,-,-,sles_11_ppc64",
            "linux,sles,12,0,s390x,-,-,-,sles_12_s390x",
            "linux,debian,12,0,x86_64,-,-,-,debian_7",
            "linux,debian,6,0,x86_64,-,-,-,OtherLinux",
            "linux,ubuntu,22,4,ppc64le,-,-,-,ubuntu_14_04_ppc64",
            "linux,ubuntu,20,4,s390x,-,-,-,ubuntu_16_04_s390x",
            "linux,ubuntu,22,4,x86_64,-,-,-,ubuntu_14_04",
            "linux,ubuntu,12,4,x86_64,-,-,-,ubuntu_12_04",
            "linux,ubuntu,13,10,x86_64,-,-,-,ubuntu_13_10",
            "linux,ubuntu,10,4,x86_64,-,-,-,OtherLinux",
            "linux,fedora,38,0,ppc64,-,-,-,other_linux_ppc64",
            "linux,fedora,38,0,x86_64,-,-,-,OtherLinux",
            "windows,windows,5,1,i386,-,-,-,WindowsXP",
            "windows,windows,5,2,x86_64,-,-,Microsoft Windows XP Professional x64 Edition,WindowsXP",
            "windows,windows,5,2,i386,-,-,Microsoft Windows Server 2003,Windows2003",
            "windows,windows,5,2,x86_64,-,-,Microsoft Windows Server 2003,Windows2003x64",
            "windows,windows,6,0,i386,-,-,-,Windows2008",
            "windows,windows,6,0,x86_64,-,-,-,Windows2008x64",
            "windows,windows,6,1,i386,Client,win7,-,Windows7",
            "windows,windows,6,1,x86_64,Client,win7,-,Windows7x64",
            "windows,windows,6,1,x86_64,Server,win2k8r2,-,Windows2008R2x64",
            "windows,windows,6,1,x86_64,-,win7,-,Windows2008R2x64",
            "windows,windows,6,2,i386,Client,-,-,windows_8",
            "windows,windows,6,2,x86_64,Client,-,-,windows_8x64",
            "windows,windows,6,2,x86_64,Server,-,-,windows_2012x64",
            "windows,windows,6,3,i386,Client,-,-,windows_8",
            "windows,windows,6,3,x86_64,Client,-,-,windows_8x64",
            "windows,windows,6,3,x86_64,Server,-,-,windows_2012R2x64",
            "windows,windows,6,3,i386,Server,-,-,Unassigned",
            "windows,windows,10,0,i386,Client,win10,-,windows_10",
            "windows,windows,10,0,x86_64,Client,win10,-,windows_10x64",
            "windows,windows,10,0,x86_64,Client,win11,-,windows_11",
            "windows,windows,10,0,x86_64,Server,win2k16,-,windows_2016x64",
            "windows,windows,10,0,x86_64,Server,win2k19,-,windows_2019x64",
            "windows,windows,10,0,x86_64,Server,win2k22,-,windows_2022",
            "windows,windows,10,0,x86_64,Server,win2k25,-,windows_2025",
            "windows,windows,10,0,x86_64,Server,win2k99,-,windows_2025",
            "windows,windows,10,0,aarch64,Client,win11,-,Unassigned",
            "windows,windows,4,0,i386,-,-,-,Unassigned",
            "freebsd,freebsd,13,2,x86_64,-,-,-,Unassigned",
    })
    void mapsAsVirtV2vsOvirtOutput(String type, String distro, int major, int minor, String arch, String variant,
                                   String osinfo, String product, String expected) {
        OsFacts os = new OsFacts(type, distro, major, minor, arch, product, variant, osinfo, "bios");
        assertEquals(expected, OvirtOsType.of(os));
    }
}
