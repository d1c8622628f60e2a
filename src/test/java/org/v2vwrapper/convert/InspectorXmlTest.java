package org.v2vwrapper.convert;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectorXmlTest {
    /** virt-v2v-inspector 2.2 -i libvirtxml on the phony Windows 7 guest, after virt-v2v-in-place converted it. */
    @Test
    void readsTheRealInspectorOutput() throws Exception {
        OsFacts os = InspectorXml.read(Tools.FIXTURES.resolve("inspector-phony-win7-converted.xml"));
        assertEquals(new OsFacts("windows", "windows", 6, 1, "i386", "Microsoft Windows 7 Phony Edition", "", "win7", ""), os);
        assertFalse(os.isUefi());
        assertEquals("Windows7", OvirtOsType.of(os));
    }

    @Test
    void beforeAndAfterTheConversionTheFactsAreTheSame() throws Exception {
        assertEquals(InspectorXml.read(Tools.FIXTURES.resolve("inspector-phony-win7.xml")),
                InspectorXml.read(Tools.FIXTURES.resolve("inspector-phony-win7-converted.xml")));
    }

    /** The fields later inspectors add (firmware, product_variant), as create_inspector_xml.ml writes them. */
    @Test
    void readsFirmwareAndVariantWhenPresent() throws Exception {
        OsFacts os = parse("""
                <v2v-inspection><firmware type='uefi'/><operatingsystem><name>windows</name><distro>windows</distro>
                <osinfo>win2k22</osinfo><arch>x86_64</arch><major_version>10</major_version>
                <minor_version>0</minor_version><product_name>Windows Server 2022 Standard</product_name>
                <product_variant>Server</product_variant><root>/dev/sda2</root></operatingsystem></v2v-inspection>""");
        assertTrue(os.isUefi());
        assertEquals("Server", os.productVariant());
        assertEquals("windows_2022", OvirtOsType.of(os));
    }

    @Test
    void refusesOtherDocuments() {
        IOException e = assertThrows(IOException.class, () -> parse("<domain type='kvm'/>"));
        assertTrue(e.getMessage().contains("not virt-v2v-inspector output"), e.getMessage());
        e = assertThrows(IOException.class, () -> parse("<v2v-inspection><disks/></v2v-inspection>"));
        assertTrue(e.getMessage().contains("no <operatingsystem>"), e.getMessage());
        e = assertThrows(IOException.class, () -> parse("<v2v-inspection><operatingsystem><name>linux</name>"
                + "<major_version>x</major_version></operatingsystem></v2v-inspection>"));
        assertTrue(e.getMessage().contains("major_version is not a number"), e.getMessage());
        assertThrows(IOException.class, () -> parse("<v2v-inspection>"));
    }

    @Test
    void refusesDoctypes() {
        assertThrows(IOException.class, () -> parse("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM "
                + "'file:///etc/passwd'>]><v2v-inspection><operatingsystem><name>&e;</name></operatingsystem>"
                + "</v2v-inspection>"));
    }

    private static OsFacts parse(String xml) throws IOException {
        return InspectorXml.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), "test");
    }
}
