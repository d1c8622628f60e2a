package org.v2vwrapper.request;

/** oVirt/RHV API upload, chosen by {@code rhv_url}. */
public record RhvDestination(String url, Secret password, String cluster, String storage, boolean debug) {
}
