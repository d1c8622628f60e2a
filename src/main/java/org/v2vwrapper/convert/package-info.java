/**
 * The conversion half of two-phase (and warm) migration: the libvirt domain XML that describes the copied
 * disks to virt-v2v(-in-place), the virt-v2v 2.x and 1.4x command lines, the inspector's OS facts and what
 * each destination makes of them, and the 1.4x overlay commit.
 *
 * <p>Depends only on {@code request} (network mappings), slf4j and the JDK (not on {@code plan}, which depends on
 * {@code output}, so that {@code output.rhv} can use this package); the vSphere client's VM config is mapped
 * to {@link org.v2vwrapper.convert.GuestHardware} by the caller, so this package does not depend on it.
 */
package org.v2vwrapper.convert;
