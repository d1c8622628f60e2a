package org.v2vwrapper.output.osp;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.openstack4j.api.EndpointTokenProvider;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.api.client.IOSClientBuilder;
import org.openstack4j.api.types.ServiceType;
import org.openstack4j.core.transport.Config;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.identity.v3.Token;
import org.openstack4j.openstack.OSFactory;
import org.openstack4j.openstack.internal.OSClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;

/**
 * One Keystone v3 session scoped to one project, usable from any thread.
 *
 * <p>openstack4j keeps "the current session" in a thread-local ({@code OSClientSession}) and every service call
 * uses the calling thread's one, whatever client object it was called on. So each {@link #call} runs on a pool
 * thread that first makes a client from this session's token ({@code OSFactory.clientFromToken}) and then does
 * the work: two projects, the main thread and the shutdown hook never see each other's session.
 *
 * <p>Each call has a hard deadline ({@link OspTimeouts#call()}): a call that has not returned by then is
 * abandoned (its daemon thread is interrupted and left behind) and reported as a {@link ConversionException}.
 * The token is renewed with the same credentials before it expires (conversions take hours; Keystone tokens
 * usually last one). Nothing here logs or throws the password or the token.
 */
public final class OspSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OspSession.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** The services a conversion needs, with the catalog type users recognise. */
    private static final Map<ServiceType, String> NEEDED = new EnumMap<>(Map.of(
            ServiceType.COMPUTE, "compute", ServiceType.BLOCK_STORAGE, "volumev3", ServiceType.NETWORK, "network"));

    private static final Duration REVOKE_DEADLINE = Duration.ofSeconds(10);

    private final String label;
    private final OspCredentials credentials;
    private final OspCredentials.Ref scope;
    private final Config config;
    private final OspTimeouts timeouts;
    private final ExecutorService pool;
    private final Object authLock = new Object();
    private volatile Token token;
    private volatile boolean closed;

    /**
     * @param label what to call this session in messages ("the conversion host's project", …)
     * @param scope the project to scope to
     */
    public OspSession(String label, OspCredentials credentials, OspCredentials.Ref scope, Config config,
                      OspTimeouts timeouts) {
        OspLogGuard.apply();
        this.label = label;
        this.credentials = credentials;
        this.scope = scope;
        this.config = config;
        this.timeouts = timeouts;
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "openstack-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public String label() {
        return label;
    }

    /** Authenticates now (if not yet done) so that configuration problems show before anything starts. */
    public void connect() throws ConversionException {
        currentToken();
    }

    /** The id of the project this session is scoped to (as Keystone resolved it). */
    public String projectId() throws ConversionException {
        Token t = currentToken();
        return t.getProject() == null ? null : t.getProject().getId();
    }

    /**
     * Runs {@code work} with a client of this session, within the call deadline. {@code what} names the call in
     * the error message ("looking up flavor x").
     */
    public <T> T call(String what, Function<OSClientV3, T> work) throws ConversionException {
        Token t = currentToken();
        return run(what, () -> {
            OSClientV3 client = client(t);
            T result = work.apply(client);
            // openstack4j re-authenticates by itself after a 401: keep the renewed token.
            if (OSClientSession.getCurrent() instanceof OSClientSession.OSClientSessionV3 s
                    && s.getToken() != null && s.getToken() != t) {
                token = s.getToken();
            }
            return result;
        });
    }

    private OSClientV3 client(Token t) {
        OSClientV3 client = OSFactory.clientFromToken(t, credentials.facing(), config);
        credentials.region().ifPresent(client::useRegion);
        return client;
    }

    private Token currentToken() throws ConversionException {
        if (closed) {
            throw new ConversionException("OpenStack session to " + label + " is closed");
        }
        synchronized (authLock) {
            Token t = token;
            if (t == null || expiresSoon(t)) {
                if (t != null) {
                    LOG.info("renewing the OpenStack token for {}", label);
                }
                t = authenticate();
                token = t;
            }
            return t;
        }
    }

    private boolean expiresSoon(Token t) {
        Date expires = t.getExpires();
        if (expires == null) {
            return false;
        }
        Instant renewAt = expires.toInstant().minus(timeouts.tokenMargin());
        return !timeouts.clock().instant().isBefore(renewAt);
    }

    private Token authenticate() throws ConversionException {
        String what = "authenticating to OpenStack (" + credentials.authUrl() + ") as user " + credentials.user()
                + " for " + label;
        Token t = run(what, () -> {
            IOSClientBuilder.V3 b = OSFactory.builderV3()
                    .endpoint(credentials.authUrl())
                    .withConfig(config)
                    .perspective(credentials.facing());
            OspCredentials.Ref user = credentials.user();
            String password = credentials.password().reveal();
            if (user.id().isPresent()) {
                b.credentials(user.id().get(), password);
            } else {
                b.credentials(user.name().orElseThrow(), password, domain(user));
            }
            if (scope.id().isPresent()) {
                b.scopeToProject(Identifier.byId(scope.id().get()));
            } else {
                b.scopeToProject(Identifier.byName(scope.name().orElseThrow()), domain(scope));
            }
            OSClientV3 client = b.authenticate();
            credentials.region().ifPresent(client::useRegion);
            checkCatalog(client);
            return client.getToken();
        });
        if (t.getProject() == null) {
            throw new ConversionException(what + ": Keystone returned a token without a project");
        }
        LOG.info("authenticated to OpenStack for {} (project {}, token expires {})", label, t.getProject().getId(),
                t.getExpires());
        return t;
    }

    private static Identifier domain(OspCredentials.Ref ref) {
        return ref.domainId().map(Identifier::byId).orElseGet(() -> Identifier.byName(ref.domainName().orElseThrow()));
    }

    /**
     * Without a matching catalog entry openstack4j silently sends the request to Keystone, whose 404 would read
     * as "not found": refuse such a catalog up front.
     */
    private void checkCatalog(OSClientV3 client) {
        Token t = client.getToken();
        for (Map.Entry<ServiceType, String> e : NEEDED.entrySet()) {
            String url;
            try {
                url = ((EndpointTokenProvider) client).getEndpoint(e.getKey());
            } catch (RuntimeException ex) {
                url = null;
            }
            if (url == null || url.equals(t.getEndpoint())) {
                throw new IllegalStateException("the service catalog has no " + e.getValue() + " endpoint"
                        + " for interface " + credentials.facing().name().toLowerCase(java.util.Locale.ROOT)
                        + credentials.region().map(r -> " in region " + r).orElse(""));
            }
        }
    }

    private <T> T run(String what, Callable<T> task) throws ConversionException {
        return run(what, task, timeouts.call());
    }

    private <T> T run(String what, Callable<T> task, Duration deadline) throws ConversionException {
        Future<T> future;
        try {
            future = pool.submit(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new ConversionException("OpenStack session to " + label + " is closed");
        }
        try {
            return future.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new ConversionException(what + ": no answer from OpenStack within " + deadline.toSeconds() + " s");
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ConversionException(what + ": interrupted");
        } catch (ExecutionException e) {
            throw OspErrors.failure(what, e.getCause(), credentials.password());
        }
    }

    /** Revokes the token (best effort, one short call) and stops the pool. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        Token t = token;
        if (t != null) {
            try {
                // Short: close() also runs on the way out after a signal.
                run("revoking the OpenStack token for " + label, () -> {
                    client(t).identity().tokens().delete(t.getId());
                    return null;
                }, REVOKE_DEADLINE.compareTo(timeouts.call()) < 0 ? REVOKE_DEADLINE : timeouts.call());
            } catch (ConversionException e) {
                LOG.debug("could not revoke the token for {}: {}", label, e.getMessage());
            }
        }
        closed = true;
        pool.shutdownNow();
    }

    /** For tests: the services a session insists on. */
    static List<String> neededServiceTypes() {
        return List.copyOf(NEEDED.values());
    }
}
