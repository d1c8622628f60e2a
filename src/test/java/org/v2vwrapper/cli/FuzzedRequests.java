package org.v2vwrapper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.v2vwrapper.request.RequestFixtures;
import org.v2vwrapper.text.Printable;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The fuzzed requests of issue 17 (used in-process by {@code FuzzRequestsTest} and through the launcher by
 * {@code torture.FuzzLauncherIT}): the valid fixtures of every mode, each mutated one to three times (keys
 * removed, types changed, NUL, unpaired surrogates, C0/C1 controls, ANSI escapes, line separators and bidi controls
 * in values and key names, huge values, environment names with {@code =}, NUL, nothing or a control after the
 * prefix, secrets with such characters). Every secret a request holds contains {@link #SECRET_MARKS}.
 */
public final class FuzzedRequests {
    /** One fuzzed request: the request text (UTF-8) and what was done to the fixture. */
    public record Fuzzed(byte[] input, String what) {
    }

    /** Every secret of a fuzzed request holds one of these (RequestFixtures' secrets and the fuzzer's own). */
    public static final List<String> SECRET_MARKS = List.of(RequestFixtures.SECRET_MARK, "S3cr3t-");

    private final Random random;

    public FuzzedRequests(long seed) {
        this.random = new Random(seed);
    }

    /** The next fuzzed request. */
    public Fuzzed next() {
        ObjectNode request = BASES.get(random.nextInt(BASES.size())).get();
        int mutations = 1 + random.nextInt(3);
        StringBuilder what = new StringBuilder();
        for (int m = 0; m < mutations; m++) {
            what.append(mutate(request, random)).append("; ");
        }
        if (request.path("daemonize").asBoolean(false)) {
            request.put("daemonize", false); // a detached child would outlive the test
        }
        byte[] input = RequestFixtures.text(request).replace(LONE_HIGH, "\\ud800").replace(LONE_LOW, "\\udfff")
                .getBytes(StandardCharsets.UTF_8);
        return new Fuzzed(input, what.toString());
    }

    /** Whether {@code text} holds a secret of a fuzzed request. */
    public static boolean holdsSecret(String text) {
        return SECRET_MARKS.stream().anyMatch(text::contains);
    }

    /** Placeholders swapped for JSON escapes in the text: a Java string cannot carry them through Jackson. */
    private static final String LONE_HIGH = "\uE000LONEHIGH\uE000";
    private static final String LONE_LOW = "\uE000LONELOW\uE000";

    private static final String[] NASTY = {"\u0000", "\u0007", "\n", "\r\n", "\t", "\u001b[31m", "\u001b]0;x\u0007",
            "\u001b[2J", "\u007f", "\u0085", "\u009b", "\u2028", "\u2029", "\u202a", "\u202e", "\u2066", "\u2069",
            "\u200e", "\u200f", "\u061c", "\ufeff", "\u200b", "\u00ad", LONE_HIGH, LONE_LOW, "\"", "\\", "=", "é",
            "\uD83D\uDE00", "../", "-", " "};

    private static final List<Supplier<ObjectNode>> BASES = List.of(RequestFixtures::vddkToRhv,
            RequestFixtures::sshToRhv, RequestFixtures::vddkToOpenstack, RequestFixtures::sshToOpenstack,
            RequestFixtures::twoPhaseVddkToRhv, RequestFixtures::openstackToOpenstack,
            () -> RequestFixtures.diskToLocal("/var/tmp/disk1.img", "/var/tmp/disk2.img"));

    /** Secret-valued places of the fixtures: the fuzzer puts mutated secrets (still marked) there. */
    private static final List<String[]> SECRET_PLACES = List.of(new String[] {"vmware_password"},
            new String[] {"rhv_password"}, new String[] {"ssh_key"}, new String[] {"osp_environment", "os-password"},
            new String[] {"osp_environment", "OS_CLIENT_SECRET"}, new String[] {"osp_source_environment", "password"});

    // ---- mutations ----

    private static String mutate(ObjectNode root, Random random) {
        switch (random.nextInt(9)) {
            case 0 -> {
                Place p = randomPlace(root, random);
                if (p != null) {
                    p.remove();
                    return "removed " + p;
                }
                return "nothing to remove";
            }
            case 1 -> {
                Place p = randomPlace(root, random);
                if (p != null) {
                    JsonNode v = switch (random.nextInt(6)) {
                        case 0 -> RequestFixtures.JSON.getNodeFactory().numberNode(random.nextInt(1000) - 500);
                        case 1 -> RequestFixtures.JSON.getNodeFactory().booleanNode(random.nextBoolean());
                        case 2 -> RequestFixtures.JSON.createArrayNode().add(nasty(random));
                        case 3 -> RequestFixtures.JSON.createObjectNode().put("x", nasty(random));
                        case 4 -> RequestFixtures.JSON.getNodeFactory().nullNode();
                        default -> RequestFixtures.JSON.getNodeFactory().textNode(nasty(random));
                    };
                    p.set(v);
                    return "retyped " + p;
                }
                return "nothing to retype";
            }
            case 2, 3 -> {
                List<Place> strings = places(root).stream().filter(p -> p.get().isTextual()).toList();
                if (!strings.isEmpty()) {
                    Place p = strings.get(random.nextInt(strings.size()));
                    p.set(RequestFixtures.JSON.getNodeFactory().textNode(insert(p.get().textValue(), random)));
                    return "nasty value at " + p;
                }
                return "no string";
            }
            case 4 -> {
                List<Place> keyed = places(root).stream().filter(p -> p.key != null).toList();
                Place p = keyed.get(random.nextInt(keyed.size()));
                JsonNode v = p.get();
                p.remove();
                ((ObjectNode) p.parent).set(insert(p.key, random), v);
                return "nasty key at " + p;
            }
            case 5 -> {
                List<Place> strings = places(root).stream().filter(p -> p.get().isTextual()).toList();
                Place p = strings.get(random.nextInt(strings.size()));
                int size = random.nextBoolean() ? 100_000 + random.nextInt(400_000) : (1 << 20) + random.nextInt(100);
                p.set(RequestFixtures.JSON.getNodeFactory().textNode(p.get().textValue().repeat(1 + size
                        / Math.max(1, p.get().textValue().length()))));
                return "huge value at " + p;
            }
            case 6 -> {
                ObjectNode env = root.has("osp_environment") && root.get("osp_environment").isObject()
                        ? (ObjectNode) root.get("osp_environment") : root.putObject("osp_environment");
                String name = switch (random.nextInt(5)) {
                    case 0 -> "OS_REGION=NAME";
                    case 1 -> "os_reg\u0000ion";
                    case 2 -> "os_";
                    case 3 -> "os-" + nasty(random);
                    default -> "OS_" + insert("REGION_NAME", random);
                };
                env.put(name, "regionOne");
                return "environment name " + Printable.escape(name);
            }
            case 7 -> {
                String[] place = SECRET_PLACES.get(random.nextInt(SECRET_PLACES.size()));
                ObjectNode parent = root;
                if (place.length == 2) {
                    parent = root.has(place[0]) && root.get(place[0]).isObject()
                            ? (ObjectNode) root.get(place[0]) : root.putObject(place[0]);
                }
                parent.put(place[place.length - 1], insert(RequestFixtures.SECRET_MARK + "-fuzzed-" + random.nextInt(1000)
                        + "-XYZ", random));
                return "nasty secret at " + String.join(".", place);
            }
            default -> {
                root.put(insert("vm_uuid", random), insert("42", random));
                return "unknown key";
            }
        }
    }

    private static String nasty(Random random) {
        return NASTY[random.nextInt(NASTY.length)];
    }

    private static String insert(String s, Random random) {
        int at = random.nextInt(s.length() + 1);
        return s.substring(0, at) + nasty(random) + s.substring(at);
    }

    /** A value's place in the tree: its parent and its key or index. */
    private record Place(ContainerNode<?> parent, String key, int index, String path) {
        JsonNode get() {
            return key != null ? parent.get(key) : parent.get(index);
        }

        void set(JsonNode v) {
            if (key != null) {
                ((ObjectNode) parent).set(key, v);
            } else {
                ((ArrayNode) parent).set(index, v);
            }
        }

        void remove() {
            if (key != null) {
                ((ObjectNode) parent).remove(key);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }

        @Override
        public String toString() {
            return Printable.escape(path);
        }
    }

    private static Place randomPlace(ObjectNode root, Random random) {
        List<Place> all = places(root);
        return all.isEmpty() ? null : all.get(random.nextInt(all.size()));
    }

    private static List<Place> places(ObjectNode root) {
        List<Place> out = new ArrayList<>();
        collect(root, "", out);
        return out;
    }

    private static void collect(JsonNode node, String path, List<Place> out) {
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                out.add(new Place(o, e.getKey(), -1, p));
                collect(e.getValue(), p, out);
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(new Place(a, null, i, path + "[" + i + "]"));
                collect(a.get(i), path + "[" + i + "]", out);
            }
        }
    }

}
