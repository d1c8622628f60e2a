package org.v2vwrapper.output.rhv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.http.Header;
import org.apache.http.HttpEntity;
import org.apache.http.HttpEntityEnclosingRequest;
import org.apache.http.HttpResponse;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpUriRequest;
import org.apache.http.entity.BufferedHttpEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.util.EntityUtils;
import org.ovirt.engine.sdk4.HttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The SDK's HTTP client: Apache HttpClient with connect/read timeouts, plus a hard deadline per request (the
 * request is aborted when it passes), and with {@code rhv_debug} a redacted log of every request and response.
 * Every SSO and API call of the SDK goes through {@link #execute}.
 */
final class BoundedHttpClient implements HttpClient {
    /** The logger that {@code rhv_debug} writes to. */
    static final String DEBUG_LOGGER = "org.v2vwrapper.output.rhv.http";

    private static final Logger DEBUG_LOG = LoggerFactory.getLogger(DEBUG_LOGGER);
    private static final int MAX_LOGGED_BODY = 64 * 1024;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final CloseableHttpClient client;
    private final Duration deadline;
    private final boolean debug;
    private final Redactor redactor;
    private final ScheduledExecutorService watchdog;
    private final AtomicInteger counter = new AtomicInteger();
    private final ObjectMapper json = new ObjectMapper();

    BoundedHttpClient(CloseableHttpClient client, Duration deadline, boolean debug, Redactor redactor) {
        this.client = client;
        this.deadline = deadline;
        this.debug = debug;
        this.redactor = redactor;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ovirt-request-watchdog-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public HttpResponse execute(HttpUriRequest request) throws Exception {
        int n = counter.incrementAndGet();
        if (debug) {
            logRequest(n, request);
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> abort = watchdog.schedule(() -> {
            timedOut.set(true);
            request.abort();
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try {
            CloseableHttpResponse response = client.execute(request);
            HttpEntity entity = response.getEntity();
            if (entity != null) {
                // Read the whole answer under the deadline, so the SDK's parsing cannot block afterwards.
                response.setEntity(new BufferedHttpEntity(entity));
                EntityUtils.consumeQuietly(entity);
            }
            if (debug) {
                logResponse(n, response);
            }
            learnToken(response);
            return response;
        } catch (IOException | RuntimeException e) {
            if (timedOut.get()) {
                throw new RequestDeadlineException("no complete answer within " + deadline.toSeconds() + " s", e);
            }
            if (debug) {
                DEBUG_LOG.info("oVirt #{} failed: {}", n, redactor.text(String.valueOf(e)));
            }
            throw e;
        } finally {
            abort.cancel(false);
        }
    }

    /** Remembers the SSO access token of a token answer, so that no log line can show it. */
    private void learnToken(HttpResponse response) {
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            return;
        }
        ContentType type = ContentType.get(entity);
        if (type == null || !type.getMimeType().toLowerCase(java.util.Locale.ROOT).endsWith("json")) {
            return;
        }
        try {
            JsonNode node = json.readTree(EntityUtils.toString(entity, StandardCharsets.UTF_8));
            if (node != null && node.isArray() && node.size() > 0) {
                node = node.get(0);
            }
            if (node != null && node.hasNonNull("access_token")) {
                redactor.addSecret(node.get("access_token").asText());
            }
        } catch (IOException | RuntimeException ignored) {
            // not a token answer
        }
    }

    private void logRequest(int n, HttpUriRequest request) {
        StringBuilder sb = new StringBuilder();
        sb.append("oVirt #").append(n).append(" >> ").append(request.getMethod()).append(' ')
                .append(redactor.text(request.getURI().toString()));
        for (Header h : request.getAllHeaders()) {
            sb.append("\n  ").append(h.getName()).append(": ").append(redactor.header(h.getName(), h.getValue()));
        }
        if (request instanceof HttpEntityEnclosingRequest er && er.getEntity() != null) {
            sb.append("\n").append(body(er.getEntity()));
        }
        DEBUG_LOG.info("{}", sb);
    }

    private void logResponse(int n, HttpResponse response) {
        StringBuilder sb = new StringBuilder();
        sb.append("oVirt #").append(n).append(" << ").append(response.getStatusLine());
        for (Header h : response.getAllHeaders()) {
            sb.append("\n  ").append(h.getName()).append(": ").append(redactor.header(h.getName(), h.getValue()));
        }
        if (response.getEntity() != null) {
            sb.append("\n").append(body(response.getEntity()));
        }
        DEBUG_LOG.info("{}", sb);
    }

    private String body(HttpEntity entity) {
        if (!entity.isRepeatable()) {
            return "  <body not logged: not repeatable>";
        }
        try {
            ContentType type = ContentType.get(entity);
            Charset cs = type != null && type.getCharset() != null ? type.getCharset() : StandardCharsets.UTF_8;
            String text = EntityUtils.toString(entity, cs);
            if (text.length() > MAX_LOGGED_BODY) {
                text = text.substring(0, MAX_LOGGED_BODY) + "... (" + text.length() + " characters)";
            }
            return redactor.text(text);
        } catch (IOException | RuntimeException e) {
            return "  <body not logged: " + e.getClass().getSimpleName() + ">";
        }
    }

    @Override
    public void close() throws Exception {
        watchdog.shutdownNow();
        client.close();
    }

    /** The request passed its hard deadline and was aborted. */
    static final class RequestDeadlineException extends InterruptedIOException {
        RequestDeadlineException(String message, Throwable cause) {
            super(message);
            initCause(cause);
        }
    }
}
