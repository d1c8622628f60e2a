package org.v2vwrapper.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** osp_source_export, uci_container_image, and the nbd_export_only request. */
class OspSourceExportKeysTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode example() throws Exception {
        return (ObjectNode) JSON.readTree(Path.of("examples/openstack-to-openstack.json").toFile());
    }

    private static ConversionRequest parse(ObjectNode n) throws Exception {
        return RequestParser.parse(JSON.writeValueAsBytes(n)).request();
    }

    private static String error(ObjectNode n) {
        return assertThrows(InvalidRequestException.class, () -> parse(n)).getMessage();
    }

    @Test
    void defaultsAndValues() throws Exception {
        ObjectNode n = example();
        n.remove("osp_source_export");
        n.remove("uci_container_image");
        OspSourceEnvironment env = parse(n).ospSource().orElseThrow();
        assertEquals("uci", env.export());
        assertEquals("v2v-conversion-host", env.containerImage());
        n.put("osp_source_export", "nbdkit");
        n.put("uci_container_image", "registry.example.com/v2v/uci:2.1");
        env = parse(n).ospSource().orElseThrow();
        assertEquals("nbdkit", env.export());
        assertEquals("registry.example.com/v2v/uci:2.1", env.containerImage());
        assertTrue(parse(n).mode() instanceof Mode.OpenstackToOpenstack);
    }

    @Test
    void badValuesNameTheKey() throws Exception {
        ObjectNode n = example();
        n.put("osp_source_export", "qemu-nbd");
        assertTrue(error(n).startsWith("osp_source_export: must be"), error(n));
        n = example();
        n.put("uci_container_image", "--privileged");
        assertTrue(error(n).startsWith("uci_container_image: must be a container image reference"), error(n));
        n = (ObjectNode) JSON.readTree(Path.of("examples/ssh-to-openstack.json").toFile());
        n.put("osp_source_export", "nbdkit");
        assertEquals("osp_source_export: only applies with osp_source_environment", error(n));
    }

    @Test
    void nbdExportOnlyIsARequestOfItsOwn(@TempDir Path tmp) throws Exception {
        Path disk = Files.write(tmp.resolve("vdb"), new byte[4096]);
        byte[] json = ("{\"nbd_export_only\": {\"" + disk + "\": 10809}}").getBytes(StandardCharsets.UTF_8);
        ConversionRequest r = RequestParser.parse(json).request();
        assertTrue(r.nbdExportOnly());
        Mode.NbdExport m = (Mode.NbdExport) r.mode();
        assertEquals(java.util.Map.of(disk, 10809), m.exports().exports());
        ObjectNode bad = JSON.createObjectNode();
        bad.putObject("nbd_export_only").put(disk.toString(), 0);
        assertTrue(error(bad).startsWith("nbd_export_only." + disk + ": port must be"), error(bad));
        ObjectNode extra = JSON.createObjectNode();
        extra.putObject("nbd_export_only").put(disk.toString(), 10809);
        extra.put("vm_name", "x");
        assertEquals("vm_name: not used with nbd_export_only (it takes no other key)", error(extra));
    }
}
