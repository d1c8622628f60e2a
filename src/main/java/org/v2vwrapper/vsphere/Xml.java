package org.v2vwrapper.vsphere;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The few DOM helpers the SOAP code needs; elements are matched by local name, namespaces are ignored. */
final class Xml {
    static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";

    private Xml() {
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A namespace-aware parse with DOCTYPEs refused (no entity expansion from a server). */
    static Document parse(byte[] body) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder db = f.newDocumentBuilder();
            // the default handler prints to stderr; a broken answer is already reported by the exception
            db.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
                @Override
                public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            return db.parse(new ByteArrayInputStream(body));
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("not XML: " + firstLine(e.getMessage()));
        }
    }

    static String name(Node n) {
        return n.getLocalName() != null ? n.getLocalName() : n.getNodeName();
    }

    static List<Element> children(Element e) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                out.add(c);
            }
        }
        return out;
    }

    static List<Element> children(Element e, String localName) {
        List<Element> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && name(c).equals(localName)) {
                out.add(c);
            }
        }
        return out;
    }

    static Element child(Element e, String localName) {
        if (e == null) {
            return null;
        }
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && name(c).equals(localName)) {
                return c;
            }
        }
        return null;
    }

    /** The element at this path of local names below {@code e}, or {@code null}. */
    static Element path(Element e, String... names) {
        Element cur = e;
        for (String n : names) {
            cur = child(cur, n);
            if (cur == null) {
                return null;
            }
        }
        return cur;
    }

    static String text(Element e, String... names) {
        Element c = path(e, names);
        return c == null ? null : c.getTextContent().trim();
    }

    /** The {@code xsi:type} without its prefix, or {@code null}. */
    static String xsiType(Element e) {
        String t = e.getAttributeNS(XSI, "type");
        if (t == null || t.isEmpty()) {
            return null;
        }
        int colon = t.indexOf(':');
        return colon >= 0 ? t.substring(colon + 1) : t;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl >= 0 ? s.substring(0, nl) : s).trim();
    }
}
