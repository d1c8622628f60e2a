package org.v2vwrapper.plan;

/** The chosen transport and target, and the virt-v2v command they built together. */
public record ConversionPlan(SourceTransport transport, OutputTarget target, VirtV2vCommand command) {
}
