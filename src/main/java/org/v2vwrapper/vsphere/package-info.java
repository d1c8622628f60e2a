/**
 * A small vSphere (vim25) SOAP client for the two-phase and warm pre-copy: session, finding the VM, the few
 * properties the flow reads, change tracking, snapshots, {@code QueryChangedDiskAreas}, power and tasks.
 *
 * <p>It speaks SOAP itself over the JDK's {@link java.net.http.HttpClient} and reads answers with the JDK's DOM
 * parser, because neither ready-made stack is usable here: the official {@code com.vmware.sdk:vim25} bindings are
 * not served by the package registry this project builds from, and yavijava (the maintained fork of vijava) fails
 * to unmarshal answers carrying fields newer than vSphere 6.0. Only the elements the flow needs are written and
 * read; every other element in an answer is ignored, so newer servers do not break it.
 *
 * <p>TLS is pinned to the SHA-1 thumbprint of the server certificate ({@code vmware_fingerprint}), the way
 * virt-v2v and VDDK identify a vCenter or ESXi host, so no CA bundle is needed; {@code ?no_verify=1} in the URI
 * turns the check off. The password is written only into the {@code Login} body and never into a message.
 */
package org.v2vwrapper.vsphere;
