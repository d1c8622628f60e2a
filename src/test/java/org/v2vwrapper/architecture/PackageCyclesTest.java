package org.v2vwrapper.architecture;

import org.junit.jupiter.api.Test;
import org.v2vwrapper.run.ConversionRun;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No package of the main code depends on itself through others. The dependencies are the JDK's {@code jdeps}
 * reading the compiled classes' constant pools (so compile-time constants, which javac inlines, are not
 * seen). {@code org.v2vwrapper.Main} counts as its own node: the entry point may use everything and nothing
 * uses it, so it does not tie the root package (ConversionException, WrapperSettings) to {@code cli}.
 */
class PackageCyclesTest {
    private static final Pattern EDGE = Pattern.compile("^\\s+(org\\.v2vwrapper\\.\\S+)\\s+->\\s+(org\\.v2vwrapper\\.\\S+)\\s");
    private static final String ENTRY_POINT = "org.v2vwrapper.Main";

    @Test
    void mainCodeHasNoPackageCycle() throws Exception {
        Map<String, Map<String, String>> graph = packageGraph(mainClasses());
        assertTrue(graph.containsKey("org.v2vwrapper.run") && graph.containsKey("org.v2vwrapper.cli"),
                "jdeps saw the packages: " + graph.keySet());
        List<String> cycles = cycles(graph);
        assertEquals(List.of(), cycles, "package cycles (package -> package: one class edge each)");
    }

    @Test
    void aCycleIsFound() {
        Map<String, Map<String, String>> graph = new TreeMap<>();
        graph.computeIfAbsent("a", k -> new TreeMap<>()).put("b", "a.X -> b.Y");
        graph.computeIfAbsent("b", k -> new TreeMap<>()).put("c", "b.Y -> c.Z");
        graph.computeIfAbsent("c", k -> new TreeMap<>()).put("a", "c.Z -> a.X");
        graph.computeIfAbsent("d", k -> new TreeMap<>()).put("a", "d.W -> a.X");
        assertEquals(List.of("[a, b, c]: a.X -> b.Y; b.Y -> c.Z; c.Z -> a.X"), cycles(graph));
    }

    private static Path mainClasses() throws URISyntaxException {
        Path dir = Path.of(ConversionRun.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(dir.resolve("org/v2vwrapper")), "compiled classes in " + dir);
        return dir;
    }

    /** package → (package it uses → one class-level edge that shows it). */
    static Map<String, Map<String, String>> packageGraph(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("no jdeps in this JDK"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:class", "-filter:none",
                "-e", "org\\.v2vwrapper\\..*", classes.toString());
        assertEquals(0, rc, err.toString());
        Map<String, Map<String, String>> graph = new TreeMap<>();
        for (String line : out.toString().lines().toList()) {
            Matcher m = EDGE.matcher(line);
            if (!m.find()) {
                continue;
            }
            String from = node(m.group(1));
            String to = node(m.group(2));
            if (!from.equals(to)) {
                graph.computeIfAbsent(from, k -> new TreeMap<>()).putIfAbsent(to, m.group(1) + " -> " + m.group(2));
            }
        }
        return graph;
    }

    private static String node(String className) {
        if (className.equals(ENTRY_POINT)) {
            return "Main";
        }
        return className.substring(0, className.lastIndexOf('.'));
    }

    /** Every strongly connected component of more than one package (Tarjan), with the edges inside it. */
    static List<String> cycles(Map<String, Map<String, String>> graph) {
        Set<String> nodes = new TreeSet<>(graph.keySet());
        graph.values().forEach(m -> nodes.addAll(m.keySet()));
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new java.util.HashSet<>();
        List<Set<String>> components = new ArrayList<>();
        int[] counter = {0};
        for (String n : nodes) {
            if (!index.containsKey(n)) {
                strongConnect(n, graph, index, low, stack, onStack, components, counter);
            }
        }
        List<String> out = new ArrayList<>();
        for (Set<String> c : components) {
            if (c.size() < 2) {
                continue;
            }
            List<String> edges = new ArrayList<>();
            for (String from : c) {
                graph.getOrDefault(from, Map.of()).forEach((to, example) -> {
                    if (c.contains(to)) {
                        edges.add(example);
                    }
                });
            }
            out.add(c + ": " + String.join("; ", edges));
        }
        out.sort(null);
        return out;
    }

    private static void strongConnect(String v, Map<String, Map<String, String>> graph, Map<String, Integer> index,
                                      Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                                      List<Set<String>> components, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Map.of()).keySet()) {
            if (!index.containsKey(w)) {
                strongConnect(w, graph, index, low, stack, onStack, components, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            components.add(component);
        }
    }
}
