package org.v2vwrapper.packaging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.e2e.ProjectPaths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tarball and the .deb that `mvn package` made: contents, and the launcher from an unpacked tree. */
class PackagesIT {
    record Result(int exitCode, String stdout, String stderr) {
    }

    static Result run(Path dir, Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
        return new Result(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    private static String version() throws IOException {
        return Files.readString(ProjectPaths.root().resolve("target/classes/org/v2vwrapper/version.properties"))
                .replaceAll("(?s).*version=([^\\s]+).*", "$1");
    }

    private static Path unpack(Path dir) throws Exception {
        Path tarball = ProjectPaths.root().resolve("target/v2v-wrapper-" + version() + ".tar.gz");
        assertTrue(Files.isRegularFile(tarball), tarball + " (mvn package makes it)");
        Result r = run(dir, Map.of(), "tar", "-C", dir.toString(), "-xzf", tarball.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        return dir.resolve("v2v-wrapper-" + version());
    }

    @Test
    void tarballHasTheLayoutAndItsLauncherWorksThroughASymlinkFromAnyDirectory(@TempDir Path dir) throws Exception {
        Path prefix = unpack(dir);
        for (String f : List.of("bin/virt-v2v-wrapper", "bin/v2v-wrapper", "lib/virt-v2v-wrapper/v2v-wrapper.jar",
                "lib/virt-v2v-wrapper/make-cds-archive", "share/man/man1/virt-v2v-wrapper.1.gz",
                "share/bash-completion/completions/virt-v2v-wrapper", "share/doc/virt-v2v-wrapper/README.md",
                "share/doc/virt-v2v-wrapper/LICENSE", "share/doc/virt-v2v-wrapper/examples/vddk-to-rhv.json",
                "share/doc/virt-v2v-wrapper/docs/cli.md")) {
            assertTrue(Files.exists(prefix.resolve(f)), f);
        }
        try (var jars = Files.list(prefix.resolve("lib/virt-v2v-wrapper/lib"))) {
            assertTrue(jars.anyMatch(p -> p.getFileName().toString().startsWith("picocli-")), "dependencies in lib/");
        }
        Path link = Files.createDirectories(dir.resolve("elsewhere")).resolve("vw");
        Files.createSymbolicLink(link, prefix.resolve("bin/v2v-wrapper"));
        Result r = run(dir, Map.of(), link.toString(), "--version");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("virt-v2v-wrapper " + version() + "\n", r.stdout());
    }

    @Test
    void withoutAJava17TheLauncherNamesWhatItFoundAndWhatToInstall(@TempDir Path dir) throws Exception {
        Path prefix = unpack(dir);
        Path oldJdk = Files.createDirectories(dir.resolve("jvm/java-11-openjdk/bin"));
        Files.writeString(oldJdk.getParent().resolve("release"), "JAVA_VERSION=\"11.0.22\"\n");
        Path java = oldJdk.resolve("java");
        Files.writeString(java, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        List<String> cmd = new ArrayList<>(List.of(prefix.resolve("bin/virt-v2v-wrapper").toString(), "--version"));
        Result r = run(dir, Map.of("PATH", oldJdk + ":/usr/bin:/bin", "JAVA_HOME", dir.resolve("nojdk").toString(),
                "V2V_WRAPPER_JVM_ROOT", dir.resolve("jvm").toString()), cmd.toArray(String[]::new));
        assertEquals(1, r.exitCode(), r.stdout());
        assertEquals("virt-v2v-wrapper: no Java 17 or newer found (JAVA_HOME, PATH, " + dir.resolve("jvm") + "): "
                + dir.resolve("nojdk/bin/java") + ": not an executable; " + java + ": Java 11; install openjdk-17-jre-headless (Debian, Ubuntu) or "
                + "java-17-openjdk-headless (RHEL, Fedora), or set JAVA_HOME\n", r.stderr());
        assertEquals("", r.stdout());
    }

    @Test
    void debInstallsUnderUsrWithTheDependencies(@TempDir Path dir) throws Exception {
        Path deb = ProjectPaths.root().resolve("target/virt-v2v-wrapper_" + version() + "_all.deb");
        assertTrue(Files.isRegularFile(deb), deb + " (mvn package makes it with dpkg-deb)");
        Result depends = run(dir, Map.of(), "dpkg-deb", "-f", deb.toString(), "Depends");
        assertEquals("openjdk-17-jre-headless | java17-runtime-headless, virt-v2v, nbdkit, qemu-utils, openssh-client\n",
                depends.stdout());
        Result contents = run(dir, Map.of(), "dpkg-deb", "-c", deb.toString());
        for (String f : List.of("./usr/bin/virt-v2v-wrapper", "./usr/bin/v2v-wrapper -> virt-v2v-wrapper",
                "./usr/lib/virt-v2v-wrapper/v2v-wrapper.jar", "./usr/share/man/man1/virt-v2v-wrapper.1.gz",
                "./usr/share/bash-completion/completions/virt-v2v-wrapper",
                "./usr/share/doc/virt-v2v-wrapper/copyright",
                "./usr/share/doc/virt-v2v-wrapper/examples/vddk-to-rhv.json")) {
            assertTrue(contents.stdout().contains(f), f + " in\n" + contents.stdout());
        }
        assertTrue(contents.stdout().contains("root/root"), "owned by root");
    }
}
