package org.v2vwrapper.output.rhv.fake;

import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

/** The fake engine's reading of a request body: child elements by {@code a/b/c} path, as the engine would. */
final class FakeXml {
    private final Element root;

    private FakeXml(Element root) {
        this.root = root;
    }

    static FakeXml parse(String body, String rootName) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element root = f.newDocumentBuilder().parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))
                    .getDocumentElement();
            if (!root.getTagName().equals(rootName)) {
                throw new IllegalArgumentException("expected <" + rootName + ">, got <" + root.getTagName() + ">");
            }
            return new FakeXml(root);
        } catch (Exception e) {
            throw new IllegalArgumentException("bad request body: " + e.getMessage(), e);
        }
    }

    private Element find(String path) {
        Element e = root;
        for (String name : path.split("/")) {
            Element next = null;
            NodeList children = e.getChildNodes();
            for (int i = 0; i < children.getLength() && next == null; i++) {
                Node n = children.item(i);
                if (n instanceof Element c && c.getTagName().equals(name)) {
                    next = c;
                }
            }
            if (next == null) {
                return null;
            }
            e = next;
        }
        return e;
    }

    String text(String path) {
        Element e = find(path);
        return e == null ? null : e.getTextContent().strip();
    }

    String attr(String path, String attribute) {
        Element e = find(path);
        return e == null || !e.hasAttribute(attribute) ? null : e.getAttribute(attribute);
    }

    long number(String path) {
        String t = text(path);
        return t == null ? 0 : Long.parseLong(t);
    }
}
