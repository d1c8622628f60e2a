package org.v2vwrapper.vsphere;

/** The parts of {@code RetrieveServiceContent}'s answer the client uses. */
public record ServiceContent(ManagedObjectRef rootFolder, ManagedObjectRef propertyCollector,
                             ManagedObjectRef viewManager, ManagedObjectRef sessionManager,
                             String apiType, String apiVersion) {
}
