package org.v2vwrapper.output.rhv;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.output.RhvTarget;
import org.v2vwrapper.output.TargetDriver;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.state.ConversionState;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS trust, host name checks, timeouts and the rhv_debug log. */
class OvirtConnectionTest {
    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    static TestCa trusted;
    static TestCa unknown;
    static TestCa localhostOnly;

    @BeforeAll
    static void pki() throws Exception {
        trusted = TestCa.shared();
        unknown = TestCa.create(shared.resolve("unknown"), "some other CA", "dns:localhost,ip:127.0.0.1");
        localhostOnly = TestCa.create(shared.resolve("localhost-only"), "CA for localhost", "dns:localhost");
    }

    @AfterAll
    static void done() {
        LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
        lc.getLogger("org.apache.http").setLevel(null);
    }

    private static FakeOvirtEngine engine(TestCa ca) throws Exception {
        FakeOvirtEngine engine = FakeOvirtEngine.start(ca);
        engine.addStorageDomain("data", "nfs");
        engine.addCluster("Default");
        return engine;
    }

    private PlanContext ctx(String url, String password, Path caBundle, Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit)
            throws Exception {
        ConversionRequest request = RhvFixture.request(url, password, edit);
        return RhvFixture.context(request, RhvFixture.settings(tmp, caBundle), tmp, false);
    }

    private static void validate(PlanContext ctx) throws ConversionException {
        try (TargetDriver t = new TargetDriver(new RhvTarget(new OvirtConnectionFactory(RhvFixture.FAST)))) {
            t.validate(ctx, new ConversionState());
        }
    }

    @Test
    void certificateFromTheTrustedCaIsAccepted() throws Exception {
        try (FakeOvirtEngine engine = engine(trusted)) {
            validate(ctx(engine.url(), engine.password(), trusted.caPem(), n -> { }));
            assertEquals(4, engine.apiCalls().size(), "VM, storage domain, cluster, disks named like rhv-upload's");
        }
    }

    @Test
    void certificateFromAnUnknownCaIsRefusedUnlessInsecure() throws Exception {
        try (FakeOvirtEngine engine = engine(unknown)) {
            ConversionException e = assertThrows(ConversionException.class,
                    () -> validate(ctx(engine.url(), engine.password(), trusted.caPem(), n -> { })));
            String m = e.getMessage();
            assertTrue(m.startsWith("cannot log in to the oVirt engine at " + engine.url()
                    + ": TLS failure: the engine's certificate is not trusted by the CA bundle " + trusted.caPem()), m);
            assertFalse(m.contains(engine.password()), m);
            assertTrue(engine.calls().isEmpty(), "nothing reached the engine: " + engine.calls());

            validate(ctx(engine.url(), engine.password(), trusted.caPem(), n -> n.put("insecure_connection", true)));
            assertEquals(4, engine.apiCalls().size(), "VM, storage domain, cluster, disks named like rhv-upload's");
        }
    }

    @Test
    void hostNameIsVerifiedUnlessInsecure() throws Exception {
        try (FakeOvirtEngine engine = engine(localhostOnly)) {
            validate(ctx(engine.url("localhost"), engine.password(), localhostOnly.caPem(), n -> { }));
            String byIp = engine.url("127.0.0.1");
            ConversionException e = assertThrows(ConversionException.class,
                    () -> validate(ctx(byIp, engine.password(), localhostOnly.caPem(), n -> { })));
            assertTrue(e.getMessage().contains("TLS failure: the engine's certificate does not match the host name"),
                    e.getMessage());
            assertTrue(e.getMessage().contains(byIp), e.getMessage());
            validate(ctx(byIp, engine.password(), localhostOnly.caPem(), n -> n.put("insecure_connection", true)));
        }
    }

    @Test
    void missingCaBundleIsAClearError() throws Exception {
        try (FakeOvirtEngine engine = engine(trusted)) {
            Path missing = tmp.resolve("no-such-ca.pem");
            ConversionException e = assertThrows(ConversionException.class,
                    () -> validate(ctx(engine.url(), engine.password(), missing, n -> { })));
            assertTrue(e.getMessage().contains("the CA bundle " + missing + " does not exist"), e.getMessage());
            assertTrue(engine.calls().isEmpty());
        }
    }

    @Test
    void plainHttpEngineWorks() throws Exception {
        try (FakeOvirtEngine engine = FakeOvirtEngine.startHttp()) {
            engine.addStorageDomain("data", "glusterfs");
            engine.addCluster("Default");
            validate(ctx(engine.url(), engine.password(), tmp.resolve("unused.pem"), n -> { }));
            assertEquals(4, engine.apiCalls().size(), "VM, storage domain, cluster, disks named like rhv-upload's");
        }
    }

    @Test
    void aHangingEngineIsCutOffByTheRequestDeadline() throws Exception {
        try (FakeOvirtEngine engine = engine(trusted)) {
            engine.setApiDelay(Duration.ofSeconds(20));
            OvirtTimeouts quick = new OvirtTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(30),
                    Duration.ofMillis(800), Duration.ofSeconds(1), Duration.ofMillis(50));
            PlanContext ctx = ctx(engine.url(), engine.password(), trusted.caPem(), n -> { });
            long start = System.nanoTime();
            try (TargetDriver t = new TargetDriver(new RhvTarget(new OvirtConnectionFactory(quick)))) {
                ConversionException e = assertThrows(ConversionException.class, () -> t.validate(ctx, new ConversionState()));
                assertTrue(e.getMessage().contains("did not answer in time"), e.getMessage());
                assertTrue(e.getMessage().contains(engine.url()), e.getMessage());
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 8_000, "took " + ms + " ms");
        }
    }

    @Test
    void readTimeoutAlsoBoundsACall() throws Exception {
        try (FakeOvirtEngine engine = engine(trusted)) {
            engine.setApiDelay(Duration.ofSeconds(20));
            OvirtTimeouts quick = new OvirtTimeouts(Duration.ofSeconds(2), Duration.ofMillis(500),
                    Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMillis(50));
            PlanContext ctx = ctx(engine.url(), engine.password(), trusted.caPem(), n -> { });
            long start = System.nanoTime();
            try (TargetDriver t = new TargetDriver(new RhvTarget(new OvirtConnectionFactory(quick)))) {
                ConversionException e = assertThrows(ConversionException.class, () -> t.validate(ctx, new ConversionState()));
                assertTrue(e.getMessage().contains("timed out"), e.getMessage());
            }
            assertTrue((System.nanoTime() - start) / 1_000_000 < 8_000);
        }
    }

    @Test
    void rhvDebugLogsRequestsWithoutSecrets() throws Exception {
        LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = lc.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger apache = lc.getLogger("org.apache.http");
        Level rootLevel = root.getLevel();
        ListAppender<ILoggingEvent> all = new ListAppender<>();
        all.setContext(lc);
        all.start();
        root.addAppender(all);
        root.setLevel(Level.TRACE);
        apache.setLevel(Level.TRACE); // even so, the wire and header loggers must stay quiet
        try (FakeOvirtEngine engine = engine(trusted)) {
            String password = "S3cret-Debug-Pw";
            engine.setCredentials("admin@internal", password);
            PlanContext ctx = ctx(engine.url(), password, trusted.caPem(), n -> n.put("rhv_debug", true));
            ConversionState state = new ConversionState();
            String vmId = engine.addVm("Other_VM");
            state.setVmId(vmId);
            try (TargetDriver t = new TargetDriver(new RhvTarget(new OvirtConnectionFactory(RhvFixture.FAST)))) {
                t.validate(ctx, state);
                t.finish(ctx, state);
            }
            List<String> debug = all.list.stream()
                    .filter(e -> e.getLoggerName().equals(BoundedHttpClient.DEBUG_LOGGER))
                    .map(ILoggingEvent::getFormattedMessage).toList();
            String joined = String.join("\n", debug);
            assertTrue(joined.contains(">> POST " + engine.url().replace("/api", "/sso/oauth/token")), joined);
            assertTrue(joined.contains(">> GET " + engine.url() + "/vms?case_sensitive=true&search=name%3DMy_Machine"), joined);
            assertTrue(joined.contains("<< HTTP/1.1 200 OK"), joined);
            assertTrue(joined.contains("<storage_domains>"), joined);
            assertTrue(joined.contains(">> GET " + engine.url() + "/vms/" + vmId), joined);
            assertTrue(joined.contains(">> POST " + engine.url().replace("/ovirt-engine/api", "/ovirt-engine/services/sso-logout")),
                    joined);
            assertTrue(joined.contains("Authorization: Bearer *****"), joined);
            assertTrue(joined.contains("password=*****"), joined);
            assertTrue(joined.contains("\"access_token\":\"*****\""), joined);

            String everything = all.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .reduce("", (a, b) -> a + "\n" + b);
            assertFalse(everything.contains(password), "password in the log");
            assertFalse(engine.issuedTokens().isEmpty());
            for (String token : engine.issuedTokens()) {
                assertFalse(everything.contains(token), "token in the log");
            }
            assertFalse(everything.matches("(?s).*Authorization: Bearer [^*].*"), "Authorization value in the log");
            assertTrue(all.list.stream().noneMatch(e -> e.getLoggerName().startsWith("org.apache.http.wire")
                    || e.getLoggerName().startsWith("org.apache.http.headers")));
        } finally {
            root.detachAppender(all);
            root.setLevel(rootLevel);
            apache.setLevel(null);
        }
    }

    @Test
    void withoutRhvDebugNothingIsLoggedPerRequest() throws Exception {
        LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger debugLogger = lc.getLogger(BoundedHttpClient.DEBUG_LOGGER);
        ListAppender<ILoggingEvent> list = new ListAppender<>();
        list.setContext(lc);
        list.start();
        debugLogger.addAppender(list);
        try (FakeOvirtEngine engine = engine(trusted)) {
            validate(ctx(engine.url(), engine.password(), trusted.caPem(), n -> { }));
            assertTrue(list.list.isEmpty());
        } finally {
            debugLogger.detachAppender(list);
        }
    }
}
