package org.v2vwrapper.output;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.request.RequestParser;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.state.ConversionState;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalTargetTest {
    @TempDir
    Path tmp;

    @Test
    void argumentsAndCleanupRemovesOnlyWhatThisRunWrote() throws Exception {
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("vm1-sda"), "an earlier run's disk");
        Files.writeString(out.resolve("vm10-sda"), "another VM's disk");
        Path disk = Files.writeString(tmp.resolve("d.img"), "x");
        String json = """
                {"vm_name": "vm1", "transport_method": "disk", "source_disks": ["%s"],
                 "local_output_dir": "%s", "output_format": "qcow2"}""".formatted(disk, out);
        var request = RequestParser.parse(json.getBytes(StandardCharsets.UTF_8)).request();
        WrapperSettings settings = new WrapperSettings(Path.of("/usr/bin/virt-v2v"), tmp.resolve("run"),
                tmp.resolve("log"), tmp, tmp.resolve("ca.pem"));
        PlanContext ctx = new PlanContext(request, settings, SecretStore.dryRun(), V2vCapabilities.parse("virt-v2v"),
                new Cleanup(), false);
        TargetDriver target = new TargetDriver(new LocalTarget());
        ConversionState state = new ConversionState();
        target.validate(ctx, state);
        assertEquals(List.of("-o", "local", "-os", out.toString(), "-of", "qcow2"), target.outputArguments(ctx));

        // virt-v2v wrote (part of) a second disk and the XML before failing
        Files.writeString(out.resolve("vm1-sdb"), "partial");
        Files.writeString(out.resolve("vm1.xml"), "<domain/>");
        target.cleanupAfterFailure(ctx, state);
        assertFalse(Files.exists(out.resolve("vm1-sdb")));
        assertFalse(Files.exists(out.resolve("vm1.xml")));
        assertTrue(Files.exists(out.resolve("vm1-sda")), "a file that was there before the run was removed");
        assertTrue(Files.exists(out.resolve("vm10-sda")), "another VM's file was removed");
    }
}
