package org.v2vwrapper.output.rhv;

import org.ovirt.engine.sdk4.types.Disk;
import org.ovirt.engine.sdk4.types.ImageTransfer;
import org.ovirt.engine.sdk4.types.StorageDomain;
import org.ovirt.engine.sdk4.types.Vm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ledger.RemoteLedger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The disks virt-v2v's {@code -o rhv-upload} is about to create, named before their ids are known, so that a run
 * killed between a disk's creation and its id reaching the ledger (up to ~0.3 s: the log is read every 50 ms and
 * tracked every 250 ms) still leaves something the next run can find.
 *
 * <p>What identifies such a disk (virt-v2v 1.42 to 2.x, {@code output/output_rhv_upload.ml} and
 * {@code rhv-upload-transfer.py} / 1.4x {@code rhv-upload-plugin.py}): its name/alias is
 * {@code <output name>-NNN} ({@code sprintf "%s-%03d" output_name i}, {@code i} from 0, 23 disks at most), its
 * description is exactly {@value #DESCRIPTION}, it is on the {@code -os} storage domain. A disk of an earlier,
 * unrelated run with the same VM name has the same identity, hence the bound on the other side: the ids of the
 * matching disks that existed just before virt-v2v started ({@code disks_before}) are never this run's. And what
 * is in use is refused whatever its name: a disk attached to any VM, or one an image transfer with a live client
 * session is writing (another conversion's upload). The orphaned transfer of the killed run itself has no session
 * (nbdkit died with virt-v2v) and is cancelled by the cleanup.
 */
public final class OvirtUploadIntent {
    private static final Logger LOG = LoggerFactory.getLogger(OvirtUploadIntent.class);

    /** rhv-upload's description of every disk it creates. */
    public static final String DESCRIPTION = "Uploaded by virt-v2v";
    /** Bounds the search; more same-named disks than this on one engine is refused rather than guessed at. */
    static final int MAX_MATCHES = 1000;

    static final String NAME_PREFIX = "disk_name_prefix";
    static final String STORAGE_DOMAIN_ID = "storage_domain_id";
    static final String DISKS_BEFORE = "disks_before";

    /**
     * @param namePrefix      virt-v2v's output name (the request's {@code vm_name})
     * @param storageDomainId the {@code -os} domain's id
     * @param disksBefore     matching disks that existed before virt-v2v started: never this run's
     */
    public record Identity(String namePrefix, String storageDomainId, Set<String> disksBefore) {
        public Identity {
            disksBefore = Set.copyOf(disksBefore);
        }

        /** The ledger attributes (ids and names only). */
        public Map<String, String> attrs() {
            Map<String, String> a = new LinkedHashMap<>();
            a.put(NAME_PREFIX, namePrefix);
            a.put(STORAGE_DOMAIN_ID, storageDomainId);
            a.put("description", DESCRIPTION);
            a.put(DISKS_BEFORE, String.join(",", new TreeSet<>(disksBefore)));
            return a;
        }

        /** The identity an intent entry holds, or empty if it lacks a part (then nothing is looked up). */
        public static Optional<Identity> of(RemoteLedger.Entry e) {
            Optional<String> prefix = e.attr(NAME_PREFIX).filter(p -> !p.isEmpty());
            Optional<String> domain = e.attr(STORAGE_DOMAIN_ID).filter(d -> !d.isEmpty());
            Optional<String> before = e.attr(DISKS_BEFORE);
            if (prefix.isEmpty() || domain.isEmpty() || before.isEmpty()) {
                return Optional.empty();
            }
            Set<String> ids = new LinkedHashSet<>(Arrays.stream(before.get().split(",")).filter(s -> !s.isEmpty())
                    .toList());
            return Optional.of(new Identity(prefix.get(), domain.get(), ids));
        }

        /** rhv-upload's disk name for this output name: {@code <prefix>-NNN}. */
        boolean names(String alias) {
            return alias != null && Pattern.matches(Pattern.quote(namePrefix) + "-[0-9]{3}", alias);
        }
    }

    /** What a look-up found: the disks to remove, and those that match by name but are refused (and why). */
    public record Found(List<String> ours, Map<String, String> refused) {
    }

    private OvirtUploadIntent() {
    }

    /** Just before virt-v2v starts: the identity of what it will create, with the matching disks there already. */
    public static Identity before(OvirtSession s, String namePrefix, String storageDomainId)
            throws OvirtCallException {
        Identity none = new Identity(namePrefix, storageDomainId, Set.of());
        Set<String> existing = new TreeSet<>();
        for (Disk d : s.disksAliased(namePrefix + "-*", MAX_MATCHES)) {
            if (none.names(alias(d))) {
                existing.add(d.id());
            }
        }
        if (!existing.isEmpty()) {
            LOG.info("disks named like rhv-upload's for '{}' exist already (not this run's): {}", namePrefix, existing);
        }
        return new Identity(namePrefix, storageDomainId, existing);
    }

    /** The disks {@code id} names on the engine now, each checked one by one (see the class comment). */
    public static Found find(OvirtSession s, Identity id) throws OvirtCallException {
        List<Disk> listed = s.disksAliased(id.namePrefix() + "-*", MAX_MATCHES);
        List<String> ours = new ArrayList<>();
        Map<String, String> refused = new LinkedHashMap<>();
        if (listed.size() >= MAX_MATCHES) {
            throw new OvirtCallException("the oVirt engine at " + s.endpoint().apiUrl() + " lists " + listed.size()
                    + " or more disks named like '" + id.namePrefix() + "-NNN'; not guessing which are this run's",
                    -1, null);
        }
        List<ImageTransfer> transfers = null;
        for (Disk listedDisk : listed) {
            String diskId = listedDisk.id();
            if (diskId == null || !id.names(alias(listedDisk)) || id.disksBefore().contains(diskId)) {
                continue; // another name, or there before the run: never this run's, not even worth a word
            }
            Optional<Disk> fresh = s.diskWithVms(diskId);
            if (fresh.isEmpty()) {
                continue; // gone meanwhile
            }
            Disk d = fresh.get();
            Optional<String> why = refusal(d, id);
            if (why.isEmpty()) {
                if (transfers == null) {
                    transfers = s.imageTransfers();
                }
                why = liveTransfer(d.id(), transfers);
            }
            if (why.isPresent()) {
                refused.put(diskId, why.get());
            } else {
                ours.add(diskId);
            }
        }
        return new Found(ours, refused);
    }

    /**
     * Looks {@code id} up and removes what is ours (cancelling an orphaned transfer, waiting while a disk is locked,
     * as {@link OvirtCleanup} does); {@code who} says whose disks in the log. True when nothing of ours is left (a
     * refused disk is not ours: it is logged and left alone), false when the look-up or a removal failed, so that
     * the intent stays listed for the next try. Never throws.
     */
    public static boolean removeFound(OvirtSession s, OvirtTimeouts timeouts, Identity id, String who) {
        Found found;
        try {
            found = find(s, id);
        } catch (OvirtCallException | RuntimeException e) {
            LOG.error("cannot look for the disks rhv-upload made for {} ('{}-NNN' on the storage domain {}): {}",
                    who, id.namePrefix(), id.storageDomainId(), e.getMessage());
            return false;
        }
        found.refused().forEach((disk, why) -> LOG.warn("disk {} is named like rhv-upload's for {} but is left"
                + " alone: {}", disk, who, why));
        if (found.ours().isEmpty()) {
            LOG.info("no disk rhv-upload made for {} is left ('{}-NNN' on the storage domain {})", who,
                    id.namePrefix(), id.storageDomainId());
            return true;
        }
        LOG.warn("disks rhv-upload made for {} that no log line named: {}", who, found.ours());
        return new OvirtCleanup(s, timeouts).run(found.ours()).complete();
    }

    /** Why a disk named like ours is not ours (or not removable by us), or empty. */
    static Optional<String> refusal(Disk d, Identity id) {
        String description = d.descriptionPresent() ? d.description() : null;
        if (!DESCRIPTION.equals(description)) {
            return Optional.of("its description is not '" + DESCRIPTION + "'");
        }
        List<StorageDomain> domains = d.storageDomainsPresent() ? d.storageDomains() : List.of();
        if (domains.stream().noneMatch(sd -> id.storageDomainId().equals(sd.id()))) {
            return Optional.of("it is not on the storage domain " + id.storageDomainId());
        }
        List<Vm> vms = d.vmsPresent() ? d.vms() : List.of();
        if (!vms.isEmpty() || (d.vmPresent() && d.vm() != null)) {
            List<String> ids = new ArrayList<>(vms.stream().map(Vm::id).toList());
            if (ids.isEmpty()) {
                ids.add(d.vm().id());
            }
            return Optional.of("it is attached to the VM(s) " + ids);
        }
        return Optional.empty();
    }

    /** A transfer of that disk with a client session open: someone is writing it now. */
    static Optional<String> liveTransfer(String diskId, List<ImageTransfer> transfers) {
        for (ImageTransfer t : transfers) {
            boolean forDisk = t.diskPresent() && t.disk() != null && diskId.equals(t.disk().id());
            boolean ended = t.phasePresent() && OvirtCleanup.ENDED.contains(t.phase());
            if (forDisk && !ended && t.activePresent() && t.active()) {
                return Optional.of("the image transfer " + t.id() + " has a live client session");
            }
        }
        return Optional.empty();
    }

    private static String alias(Disk d) {
        if (d.aliasPresent() && d.alias() != null) {
            return d.alias();
        }
        return d.namePresent() ? d.name() : null;
    }
}
