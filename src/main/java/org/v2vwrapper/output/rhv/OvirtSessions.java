package org.v2vwrapper.output.rhv;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.RunContext;

/**
 * One engine session for the two-phase classes of a run, opened (logged in) on first use and closed (logged out)
 * by the run's cleanup, which runs after the failure undo actions that still need it.
 */
public final class OvirtSessions implements AutoCloseable {
    private final OvirtConnectionFactory factory;
    private final OvirtEndpoint endpoint;
    private OvirtSession session;
    private boolean closed;

    public OvirtSessions(OvirtConnectionFactory factory, OvirtEndpoint endpoint) {
        this.factory = factory;
        this.endpoint = endpoint;
    }

    public OvirtConnectionFactory factory() {
        return factory;
    }

    /** The session, opening it first if needed; its close is registered with the run's cleanup. */
    public synchronized OvirtSession get(RunContext ctx) throws ConversionException {
        if (closed) {
            throw new ConversionException("the oVirt session to " + endpoint.apiUrl() + " is already closed");
        }
        if (session == null) {
            session = factory.open(endpoint);
            ctx.cleanup().register("log out of the oVirt engine at " + endpoint.apiUrl(), this::close);
        }
        return session;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (session != null) {
            session.close();
            session = null;
        }
    }
}
