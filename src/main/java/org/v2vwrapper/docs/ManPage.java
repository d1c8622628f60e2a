package org.v2vwrapper.docs;

import org.v2vwrapper.cli.WrapperCommand;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Build-time generator of the man page source (AsciiDoc, rendered to roff by asciidoctor in pom.xml) and the bash
 * completion, both from the picocli model, so they cannot drift from the options. Runs inside Maven (exec:java);
 * picocli-codegen is a build-only ({@code provided}) dependency, so this class is never loaded by the wrapper.
 */
public final class ManPage {
    /** The installed command; {@code v2v-wrapper} is the same program under its old name. */
    public static final String COMMAND = "virt-v2v-wrapper";
    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Z0-9_]+)");
    private static final Pattern SECTION = Pattern.compile("(?m)^== (.*)$");

    private ManPage() {
    }

    /** Arguments: where to write {@code virt-v2v-wrapper.adoc}, where to write the bash completion script. */
    public static void main(String[] args) throws IOException {
        Path adoc = Files.createDirectories(Path.of(args[0])).resolve(COMMAND + ".adoc");
        Files.writeString(adoc, asciiDoc(), StandardCharsets.UTF_8);
        Path completion = Path.of(args[1]);
        Files.createDirectories(completion.toAbsolutePath().getParent());
        Files.writeString(completion, bashCompletion(), StandardCharsets.UTF_8);
    }

    /** The command line model as installed: named {@value #COMMAND}. */
    public static CommandLine model() {
        CommandLine cl = new CommandLine(new WrapperCommand());
        cl.setCommandName(COMMAND);
        return cl;
    }

    /** What the wrapper's exit codes mean (docs/cli.md, docs/state-file.md). */
    public static Map<String, String> exitCodes() {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put("0", "Converted (or: --dry-run or a --check-NAME passed, --detach handed over; status: read, "
                + "or with --watch the conversion succeeded).");
        codes.put("1", "The request was invalid or the conversion could not start; nothing was changed remotely. "
                + "Also: a failed --check-NAME, a bad option, a run directory in use, an unreadable state file.");
        codes.put("2", "The conversion started and failed; the state file has failed: true (status --watch: the "
                + "conversion failed).");
        return codes;
    }

    /** Each environment variable an option reads ({@code ${env:NAME:-default}}), with the options that read it. */
    public static Map<String, String> environment() {
        CommandLine raw = new CommandLine(new WrapperCommand());
        raw.setCommandName(COMMAND);
        Map<String, String> env = new TreeMap<>();
        collectEnvironment(raw.getCommandSpec(), env);
        return env;
    }

    private static void collectEnvironment(CommandSpec spec, Map<String, String> env) {
        spec.interpolateVariables(false);
        for (OptionSpec o : spec.options()) {
            Matcher m = o.defaultValue() == null ? null : ENV_DEFAULT.matcher(o.defaultValue());
            if (m != null && m.find()) {
                String where = spec.parent() == null ? "" : spec.name() + " ";
                env.merge(m.group(1), "Default of " + where + o.longestName() + ".", (a, b) -> a + " " + b);
            }
        }
        spec.subcommands().values().forEach(sub -> collectEnvironment(sub.getCommandSpec(), env));
    }

    public static String asciiDoc() {
        CommandLine cl = model();
        CommandSpec spec = cl.getCommandSpec();
        spec.usageMessage().exitCodeListHeading("Exit status").exitCodeList(exitCodes());
        String[] footer = spec.usageMessage().footer();
        // The footer's examples get a section of their own below; the generator would print them as one paragraph.
        spec.usageMessage().footer(new String[0]);
        String page = generate(spec);
        // One page holds everything: the subcommands are sections of it, not pages of their own to link to.
        page = page.replaceAll("xref:[^\\[]*\\[(\\*[^\\]]*\\*)\\]", "$1");
        String exitTag = "// tag::picocli-generated-man-section-exit-status[]";
        StringBuilder extra = new StringBuilder();
        extra.append("== Subcommands\n\n");
        for (CommandLine sub : cl.getSubcommands().values()) {
            extra.append(subcommandSection(sub.getCommandSpec()));
        }
        extra.append("== Environment\n\n");
        environment().forEach((name, text) -> extra.append('*').append(name).append("*::\n  ").append(text)
                .append("\n\n"));
        extra.append("*JAVA_HOME*, *JAVA*::\n  The Java 17 or newer to run on (*JAVA*: a java binary, used as is). "
                + "Without them the launcher takes java from *PATH* if it is 17 or newer, else one from "
                + "/usr/lib/jvm.\n\n");
        extra.append("*JAVA_OPTS*::\n  More JVM flags for the launcher.\n\n");
        extra.append(files(cl));
        int at = page.indexOf(exitTag);
        page = page.substring(0, at) + extra + page.substring(at);
        StringBuilder tail = new StringBuilder("== Examples\n\n");
        for (String line : footer) {
            if (line.startsWith("  ")) {
                tail.append(" ").append(line.strip().replaceFirst("^v2v-wrapper", COMMAND)).append("\n\n");
            }
        }
        tail.append(" ").append(COMMAND).append(" status --watch\n\n");
        tail.append("== See also\n\n");
        tail.append("*virt-v2v*(1), *nbdkit*(1), *nbdcopy*(1); /usr/share/doc/virt-v2v-wrapper/docs/ (the request, "
                + "the state file, the command line).\n");
        return page + tail;
    }

    private static String files(CommandLine cl) {
        Map<String, OptionSpec> o = new TreeMap<>();
        cl.getCommandSpec().options().forEach(opt -> o.put(opt.longestName(), opt));
        String run = o.get("--run-dir").defaultValue();
        String log = o.get("--log-dir").defaultValue();
        return "== Files\n\n"
                + "*" + run + "/state.json*::\n  The state file (--run-dir): phase, per-disk progress, the result.\n\n"
                + "*" + run + "/cutover*, *copy_trigger*, *pause_operations*::\n  Trigger files of a two-phase "
                + "conversion, in the run directory.\n\n"
                + "*" + log + "/virt-v2v-wrapper-STAMP.log*, *virt-v2v-VM-STAMP.log*, *virt-v2v-mr-VM-STAMP.log*::\n"
                + "  Each run's own logs (--log-dir): the wrapper's log, virt-v2v's log and its machine-readable log, "
                + "STAMP the run's start in UTC (e.g. 20261201T110412.345Z), VM the vm_name made safe for a file "
                + "name; the stdout line names them. The newest 10 of each kind are kept, older ones removed.\n\n"
                + "*" + log + "/virt-v2v-wrapper.log*, *virt-v2v.log*, *virt-v2v-mr.log*::\n  Symbolic links to "
                + "the newest run's logs, for humans (a plain file of an older wrapper under such a name is kept as "
                + "NAME-STAMP.old.log).\n\n"
                + "*" + o.get("--vddk-libdir").defaultValue() + "*::\n  VMware VDDK (--vddk-libdir).\n\n"
                + "*" + o.get("--ca-bundle").defaultValue() + "*::\n  CA certificates of the oVirt engine "
                + "(--ca-bundle).\n\n"
                + "*/usr/lib/virt-v2v-wrapper/*::\n  The jar, its libraries and the class-data-sharing archive "
                + "(made at installation by make-cds-archive).\n\n";
    }

    /** A subcommand's synopsis, description, arguments and options as a subsection of the main page. */
    private static String subcommandSection(CommandSpec sub) {
        String own = generate(sub);
        StringBuilder b = new StringBuilder("=== ").append(sub.qualifiedName()).append("\n\n");
        Matcher m = SECTION.matcher(own);
        int start = -1;
        String heading = null;
        while (true) {
            boolean found = m.find();
            if (start >= 0 && !heading.equals("Name")) {
                String body = own.substring(start, found ? m.start() : own.length())
                        .replaceAll("(?m)^// .*\n", "").strip();
                if (!body.isEmpty()) {
                    b.append(heading.equals("Synopsis") || heading.equals("Description") ? "" : "." + heading + "\n")
                            .append(body).append("\n\n");
                }
            }
            if (!found) {
                break;
            }
            heading = m.group(1).strip();
            start = m.end();
        }
        return b.toString();
    }

    private static String generate(CommandSpec spec) {
        StringWriter w = new StringWriter();
        try (PrintWriter pw = new PrintWriter(w)) {
            ManPageGenerator.writeSingleManPage(pw, spec);
        }
        return w.toString();
    }

    /** picocli's bash (and zsh) completion for {@value #COMMAND}, also bound to {@code v2v-wrapper}. */
    public static String bashCompletion() {
        String script = AutoComplete.bash(COMMAND, model());
        return script + "\n# The same program under its old name.\n"
                + "complete -F _complete_" + COMMAND + " -o default v2v-wrapper 2>/dev/null\n";
    }
}
