package org.v2vwrapper.ledger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * What a run made (or is about to make) on remote systems — oVirt disks and image transfers, OpenStack volumes,
 * snapshots, images, ports, instances and transfers, vSphere snapshots, volume attachments — kept in
 * {@value #FILE_NAME} in the run directory so that a run killed with SIGKILL leaves a list the next run (or
 * {@code virt-v2v-wrapper cleanup --run-dir DIR --input request.json}) can delete, exactly and nothing else.
 *
 * <p>The API every part of the wrapper uses (one ledger per run, from {@code RunContext.ledger()} or
 * {@code PlanContext.ledger()}):
 * <ul>
 * <li>{@link #intend} before a creation: the kind, where ({@link #where}) and what identifies it before the
 *     id is known (a name, a tag); returns a key;</li>
 * <li>{@link #record(String, String)} as soon as the id is known (or {@link #record(String, String, String, Map)}
 *     for something first heard of with its id, e.g. a disk virt-v2v created);</li>
 * <li>{@link #update} when a fact about it changes (an OpenStack volume's project or pending transfer);</li>
 * <li>{@link #done} once it is deleted (or found gone), {@link #forgotten} once it is the run's result and
 *     no longer something to clean up (the converted VM's disks after success).</li>
 * </ul>
 * Every change rewrites the file atomically (temporary file in the run directory, fsync, rename, fsync of the
 * directory); an empty ledger has no file. Attributes must never hold a secret: ids, names, endpoint URLs and
 * project ids only. Entries of an earlier, dead run on the same run directory are kept (with their run id) until
 * a replay removes them, so a new run never hides them.
 */
public final class RemoteLedger {
    public static final String FILE_NAME = "remote-ledger.json";
    /** How much of an attribute's value {@link Entry#describe} shows. */
    static final int DESCRIBED_VALUE = 80;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code intended}: about to be created, id unknown; {@code exists}: created, id known. */
    public enum State { INTENDED, EXISTS }

    /**
     * One remote object.
     *
     * @param key   the ledger's own key (stable from intent to deletion)
     * @param run   the run that made it
     * @param kind  e.g. {@code ovirt-disk}, {@code osp-volume} (see {@link Kinds})
     * @param where the system it lives on ({@link #where}), matched against a request's before a replay
     * @param id    its id on that system, once known
     * @param attrs non-secret facts (a name, a project, a pending transfer id, ...)
     */
    public record Entry(String key, String run, String kind, String where, String id, State state,
                        Map<String, String> attrs, String recordedAt) {
        public Entry {
            attrs = Map.copyOf(attrs);
        }

        public Optional<String> attr(String name) {
            return Optional.ofNullable(attrs.get(name));
        }

        /** One short line for logs and {@code last_message}: a long attribute (a list of ids) is cut. */
        public String describe() {
            if (id != null) {
                return kind + " " + id;
            }
            Map<String, String> shown = new java.util.TreeMap<>();
            attrs.forEach((k, v) -> shown.put(k, v.length() > DESCRIBED_VALUE ? v.substring(0, DESCRIBED_VALUE)
                    + "… (" + v.length() + " characters)" : v));
            return kind + " (not created yet or id unknown: " + shown + ")";
        }
    }

    private final Path file;
    private final String run;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private RemoteLedger(Path file, String run) {
        this.file = file;
        this.run = run;
    }

    /** The ledger of a run on {@code runDir}: loads what a dead earlier run left there, and writes on change. */
    public static RemoteLedger forRun(Path runDir) throws IOException {
        RemoteLedger l = new RemoteLedger(runDir.resolve(FILE_NAME),
                ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8));
        l.entries.putAll(load(runDir));
        return l;
    }

    /** A ledger that writes nothing (dry runs, tests, stand-alone use). */
    public static RemoteLedger inMemory() {
        return new RemoteLedger(null, "in-memory");
    }

    /** {@code type:endpoint}, e.g. {@code rhv:https://engine/ovirt-engine/api}, {@code openstack:<auth url>#<project>}. */
    public static String where(String type, String endpoint) {
        return type + ":" + endpoint;
    }

    /** The entries a run directory's ledger holds (empty without a file). */
    public static Map<String, Entry> load(Path runDir) throws IOException {
        Path f = runDir.resolve(FILE_NAME);
        Map<String, Entry> out = new LinkedHashMap<>();
        byte[] bytes;
        try {
            if (Files.isSymbolicLink(f)) {
                throw new IOException("the ledger " + FILE_NAME + " is a symbolic link; not read");
            }
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            return out;
        }
        JsonNode root = JSON.readTree(bytes);
        for (JsonNode n : root.path("entries")) {
            Map<String, String> attrs = JSON.convertValue(n.path("attrs"), new TypeReference<Map<String, String>>() { });
            Entry e = new Entry(n.path("key").asText(), n.path("run").asText(), n.path("kind").asText(),
                    n.path("where").asText(), n.hasNonNull("id") ? n.get("id").asText() : null,
                    State.valueOf(n.path("state").asText("EXISTS").toUpperCase(java.util.Locale.ROOT)),
                    attrs == null ? Map.of() : attrs, n.path("recorded_at").asText());
            out.put(e.key(), e);
        }
        return out;
    }

    public String runId() {
        return run;
    }

    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** Before a creation: returns the key to {@link #record} the id under. */
    public synchronized String intend(String kind, String where, Map<String, String> attrs) {
        String key = UUID.randomUUID().toString();
        put(new Entry(key, run, kind, where, null, State.INTENDED, attrs, Instant.now().toString()));
        return key;
    }

    /** The intended object now exists with {@code id}. */
    public synchronized void record(String key, String id) {
        Entry e = entries.get(key);
        if (e == null) {
            throw new IllegalArgumentException("no ledger entry " + key);
        }
        put(new Entry(key, e.run(), e.kind(), e.where(), Objects.requireNonNull(id), State.EXISTS, e.attrs(),
                e.recordedAt()));
    }

    /** Something that exists with {@code id} (nothing if it is listed already); returns its key. */
    public synchronized String record(String kind, String where, String id, Map<String, String> attrs) {
        Optional<Entry> known = find(kind, id);
        if (known.isPresent()) {
            return known.get().key();
        }
        String key = UUID.randomUUID().toString();
        put(new Entry(key, run, kind, where, Objects.requireNonNull(id), State.EXISTS, attrs, Instant.now().toString()));
        return key;
    }

    /** Replaces the attributes named in {@code changes} (a null value removes one). */
    public synchronized void update(String kind, String id, Map<String, String> changes) {
        find(kind, id).ifPresent(e -> {
            Map<String, String> attrs = new LinkedHashMap<>(e.attrs());
            changes.forEach((k, v) -> {
                if (v == null) {
                    attrs.remove(k);
                } else {
                    attrs.put(k, v);
                }
            });
            put(new Entry(e.key(), e.run(), e.kind(), e.where(), e.id(), e.state(), attrs, e.recordedAt()));
        });
    }

    /** Deleted (or found gone): off the list. */
    public synchronized void done(String kind, String id) {
        find(kind, id).ifPresent(e -> remove(e.key()));
    }

    /** By key: for an intent that never became an object (the creation failed cleanly). */
    public synchronized void doneKey(String key) {
        remove(key);
    }

    /** Kept on purpose (it is the run's result): off the list, not to be deleted. */
    public synchronized void forgotten(String kind, String id) {
        done(kind, id);
    }

    /** This run's entries matching {@code which} are its result: off the list. */
    public synchronized void forgetOwn(Predicate<Entry> which) {
        for (Entry e : List.copyOf(entries.values())) {
            if (e.run().equals(run) && which.test(e)) {
                entries.remove(e.key());
            }
        }
        write();
    }

    public synchronized Optional<Entry> find(String kind, String id) {
        return entries.values().stream().filter(e -> e.kind().equals(kind) && id.equals(e.id())).findFirst();
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    public synchronized List<Entry> entries(Predicate<Entry> which) {
        return entries.values().stream().filter(which).toList();
    }

    public synchronized boolean isEmpty() {
        return entries.isEmpty();
    }

    private void put(Entry e) {
        entries.put(e.key(), e);
        write();
    }

    private void remove(String key) {
        if (entries.remove(key) != null) {
            write();
        }
    }

    private void write() {
        if (file == null) {
            return;
        }
        try {
            if (entries.isEmpty()) {
                Files.deleteIfExists(file);
                return;
            }
            ObjectNode root = JSON.createObjectNode();
            root.put("version", 1);
            ArrayNode list = root.putArray("entries");
            for (Entry e : entries.values()) {
                ObjectNode n = list.addObject();
                n.put("key", e.key());
                n.put("run", e.run());
                n.put("kind", e.kind());
                n.put("where", e.where());
                n.put("id", e.id());
                n.put("state", e.state().name().toLowerCase(java.util.Locale.ROOT));
                n.set("attrs", JSON.valueToTree(e.attrs()));
                n.put("recorded_at", e.recordedAt());
            }
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
            Path dir = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir, "." + FILE_NAME + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.wrap(bytes);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    ch.force(true);
                }
                if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(FILE_NAME + " is a directory");
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException ignored) {
                // some file systems cannot fsync a directory; the rename is still atomic
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the remote ledger " + file, e);
        }
    }
}
