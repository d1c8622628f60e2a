package org.v2vwrapper.convert;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the {@code <v2v-inspection>} document {@code virt-v2v-inspector -O FILE} writes (see virt-v2v's
 * {@code inspector/create_inspector_xml.ml}): {@code operatingsystem/{name, distro, osinfo, arch,
 * major_version, minor_version, product_name, product_variant}} and {@code firmware/@type}.
 */
public final class InspectorXml {
    private InspectorXml() {
    }

    public static OsFacts read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        }
    }

    public static OsFacts parse(InputStream in, String what) throws IOException {
        Document doc = XmlDocuments.parse(in);
        Element root = doc.getDocumentElement();
        if (!"v2v-inspection".equals(root.getTagName())) {
            throw new IOException(what + " is not virt-v2v-inspector output (root element <" + root.getTagName() + ">)");
        }
        Element os = onlyChild(root, "operatingsystem");
        if (os == null) {
            throw new IOException(what + " has no <operatingsystem>: the inspector found no operating system");
        }
        String type = text(os, "name");
        if (type == null || type.isEmpty()) {
            throw new IOException(what + " has no operatingsystem/name");
        }
        Element fw = onlyChild(root, "firmware");
        return new OsFacts(type, text(os, "distro"), number(os, "major_version", what),
                number(os, "minor_version", what), text(os, "arch"), text(os, "product_name"),
                text(os, "product_variant"), text(os, "osinfo"), fw == null ? "" : fw.getAttribute("type"));
    }

    private static int number(Element parent, String name, String what) throws IOException {
        String s = text(parent, name);
        if (s == null || s.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IOException(what + ": operatingsystem/" + name + " is not a number: " + s, e);
        }
    }

    private static String text(Element parent, String name) {
        Element e = onlyChild(parent, name);
        return e == null ? null : e.getTextContent().strip();
    }

    private static Element onlyChild(Element parent, String name) {
        NodeList children = parent.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node n = children.item(i);
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }
}
