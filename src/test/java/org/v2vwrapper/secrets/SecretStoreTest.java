package org.v2vwrapper.secrets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.request.Secret;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecretStoreTest {
    @TempDir
    Path tmp;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void secretsGoToPrivateFilesInAPrivateDirectoryAndAreRemovedOnClose() throws Exception {
        SecretStore s = SecretStore.create(tmp.resolve("run"));
        Path dir = s.directory();
        assertEquals(tmp.resolve("run"), dir.getParent());
        assertTrue(dir.getFileName().toString().startsWith("secrets-"));
        assertEquals("rwx------", mode(dir));

        Path f = s.write("vmware_password", new Secret("S3cr3t-a"));
        assertEquals(dir.resolve("vmware_password"), f);
        assertEquals("rw-------", mode(f));
        assertEquals("S3cr3t-a", Files.readString(f));

        s.close();
        assertFalse(Files.exists(dir));
        s.close(); // a second close is harmless
    }

    @Test
    void aSecretIsNeverOverwritten() throws Exception {
        try (SecretStore s = SecretStore.create(tmp)) {
            s.write("k", new Secret("one"));
            assertThrows(IOException.class, () -> s.write("k", new Secret("two")));
            assertEquals("one", Files.readString(s.directory().resolve("k")));
        }
    }

    @Test
    void namesMustStayInsideTheDirectory() throws Exception {
        try (SecretStore s = SecretStore.create(tmp)) {
            assertThrows(IllegalArgumentException.class, () -> s.write("../escape", new Secret("x")));
            assertThrows(IllegalArgumentException.class, () -> s.write("a/b", new Secret("x")));
            assertFalse(Files.exists(tmp.resolve("escape")));
        }
    }

    @Test
    void twoStoresInOneParentDoNotCollide() throws Exception {
        try (SecretStore a = SecretStore.create(tmp); SecretStore b = SecretStore.create(tmp)) {
            assertFalse(a.directory().equals(b.directory()));
        }
    }

    @Test
    void theDryRunStoreWritesNothing() throws Exception {
        SecretStore s = SecretStore.dryRun();
        assertEquals(Path.of("<rhv_password>"), s.write("rhv_password", new Secret("S3cr3t")));
        assertFalse(Files.exists(Path.of("<rhv_password>")));
        s.close();
    }
}
