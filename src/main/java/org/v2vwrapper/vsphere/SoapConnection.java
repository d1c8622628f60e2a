package org.v2vwrapper.vsphere;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One vim25 SOAP session: posts a method's body in an envelope to {@code /sdk}, keeps the
 * {@code vmware_soap_session} cookie, and turns an answer into its {@code returnval} elements or a
 * {@link VsphereException} naming the call. Request bodies are never logged or quoted (Login's holds the password).
 */
final class SoapConnection {
    /** The API version asked for; 6.5 has every method and property used here and every supported server knows it. */
    static final String SOAP_ACTION = "urn:vim25/6.5";
    static final String SESSION_COOKIE = "vmware_soap_session";

    private static final String ENVELOPE_START = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            + "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
            + " xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\""
            + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>";
    private static final String ENVELOPE_END = "</soapenv:Body></soapenv:Envelope>";

    private final HttpClient http;
    private final URI sdk;
    private final Duration callTimeout;
    private volatile String redact;
    private volatile String sessionCookie;

    SoapConnection(HttpClient http, URI sdk, Duration callTimeout) {
        this.http = http;
        this.sdk = sdk;
        this.callTimeout = callTimeout;
    }

    /** A value no message may contain (the password): a server that echoes it still cannot leak it. */
    void redact(String secret) {
        this.redact = secret;
    }

    boolean hasSession() {
        return sessionCookie != null;
    }

    void forgetSession() {
        sessionCookie = null;
    }

    /**
     * Calls {@code method} with this inner XML (already escaped) and returns the response element
     * ({@code <methodResponse>}).
     */
    Element call(String method, String innerXml) throws VsphereException {
        String body = ENVELOPE_START + "<" + method + " xmlns=\"urn:vim25\">" + innerXml + "</" + method + ">"
                + ENVELOPE_END;
        HttpRequest.Builder req = HttpRequest.newBuilder(sdk)
                .timeout(callTimeout)
                .header("Content-Type", "text/xml; charset=utf-8")
                .header("SOAPAction", SOAP_ACTION)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        String cookie = sessionCookie;
        if (cookie != null) {
            req.header("Cookie", cookie);
        }
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException e) {
            throw fail(method, null, "cannot connect to " + sdk.getHost() + " within " + seconds(callTimeout), e);
        } catch (HttpTimeoutException e) {
            throw fail(method, null, "no answer within " + seconds(callTimeout), e);
        } catch (SSLHandshakeException e) {
            throw fail(method, null, "TLS handshake with " + sdk.getHost() + " failed: " + rootMessage(e), e);
        } catch (IOException e) {
            throw fail(method, null, "cannot reach " + sdk + ": " + rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(method, null, "interrupted", e);
        }
        remember(resp.headers().allValues("Set-Cookie"));
        Element bodyEl;
        try {
            Document doc = Xml.parse(resp.body());
            bodyEl = Xml.child(doc.getDocumentElement(), "Body");
        } catch (IOException e) {
            throw fail(method, null, "HTTP " + resp.statusCode() + ", " + e.getMessage(), e);
        }
        if (bodyEl == null) {
            throw fail(method, null, "HTTP " + resp.statusCode() + " without a SOAP body", null);
        }
        Element fault = Xml.child(bodyEl, "Fault");
        if (fault != null) {
            String faultString = Xml.text(fault, "faultstring");
            String type = faultType(fault);
            throw fail(method, type, (type == null ? "" : type + ": ")
                    + (faultString == null || faultString.isEmpty() ? "(no fault string)" : faultString), null);
        }
        Element response = Xml.child(bodyEl, method + "Response");
        if (response == null || resp.statusCode() != 200) {
            throw fail(method, null, "HTTP " + resp.statusCode() + " without " + method + "Response", null);
        }
        return response;
    }

    /** The fault type from {@code detail}: the {@code xsi:type} of its first element, else its name minus "Fault". */
    private static String faultType(Element fault) {
        Element detail = Xml.child(fault, "detail");
        if (detail == null) {
            return null;
        }
        for (Element e : Xml.children(detail)) {
            String t = Xml.xsiType(e);
            if (t != null) {
                return t;
            }
            String n = Xml.name(e);
            return n.endsWith("Fault") && n.length() > 5 ? n.substring(0, n.length() - 5) : n;
        }
        return null;
    }

    private void remember(List<String> setCookies) {
        for (String c : setCookies) {
            String first = c.split(";", 2)[0].trim();
            if (first.startsWith(SESSION_COOKIE + "=")) {
                sessionCookie = first;
            }
        }
    }

    private VsphereException fail(String method, String type, String detail, Throwable cause) {
        String msg = "vSphere " + method + " failed: " + Xml.firstLine(detail);
        if (redact != null && !redact.isEmpty()) {
            msg = msg.replace(redact, "*****");
        }
        return cause == null ? new VsphereException(method, type, msg) : new VsphereException(method, type, msg, cause);
    }

    private String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : Xml.firstLine(m);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
