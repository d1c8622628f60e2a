package org.v2vwrapper.secrets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.Secret;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The LUKS keys vault: where it is found, what it must look like and who may own it, and the key files. */
class LuksVaultTest {
    static final String VAULT = """
            {"web01": [{"device": "/dev/sda1", "key": "S3cr3t-luks-sda1"},
                       {"device": "/dev/sda2", "key": "S3cr3t-luks-sda2"}],
             "db01":  [{"device": "/dev/sda1", "key": "S3cr3t-luks-db"}]}""";

    @TempDir
    Path tmp;
    SecretStore secrets;

    @BeforeEach
    void setUp() throws IOException {
        secrets = SecretStore.create(tmp.resolve("run"));
    }

    @AfterEach
    void tearDown() throws IOException {
        secrets.close();
    }

    private Path vault(String name, String perms, String content) throws IOException {
        Path f = tmp.resolve(name);
        Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    private static ConversionException refused(Path vault) {
        return assertThrows(ConversionException.class, () -> LuksVault.keysFor(vault, "web01", LuksVault.currentUid()));
    }

    @Test
    void theKeysOfThisVmBecomeKeyArgumentsWithPrivateFiles() throws Exception {
        Path v = vault("vault.json", "rw-------", VAULT);
        List<LuksVault.LuksKey> keys = LuksVault.keysFor(v, "web01", LuksVault.currentUid());
        assertEquals(List.of(new LuksVault.LuksKey("/dev/sda1", new Secret("S3cr3t-luks-sda1")),
                new LuksVault.LuksKey("/dev/sda2", new Secret("S3cr3t-luks-sda2"))), keys);

        List<String> args = LuksVault.keyArguments(keys, secrets);
        Path k0 = secrets.directory().resolve("luks_key_0");
        Path k1 = secrets.directory().resolve("luks_key_1");
        assertEquals(List.of("--key", "/dev/sda1:file:" + k0, "--key", "/dev/sda2:file:" + k1), args);
        assertEquals("S3cr3t-luks-sda1", Files.readString(k0));
        assertEquals("S3cr3t-luks-sda2", Files.readString(k1));
        for (Path k : List.of(k0, k1)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(k)));
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.directory())));
        assertFalse(keys.toString().contains("S3cr3t"), keys.toString());

        secrets.close();
        assertFalse(Files.exists(k0) || Files.exists(k1), "key files removed");
    }

    @Test
    void aVmMissingFromTheVaultHasNoKeys() throws Exception {
        assertEquals(List.of(), LuksVault.keysFor(vault("vault.json", "rw-------", VAULT), "other", LuksVault.currentUid()));
    }

    @Test
    void aReadOnlyVaultIsFine() throws Exception {
        assertEquals(1, LuksVault.keysFor(vault("vault.json", "r--------", VAULT), "db01", LuksVault.currentUid()).size());
    }

    @Test
    void aVaultOwnedBySomeoneElseIsRefused() throws Exception {
        assumeTrue(LuksVault.currentUid() == 0, "needs root to chown");
        Path v = vault("vault.json", "rw-------", VAULT);
        Files.setAttribute(v, "unix:uid", 65534);
        assertEquals("luks_keys_vault: " + v + " is owned by uid 65534, not by the running user (uid 0)",
                refused(v).getMessage());
    }

    @Test
    void theRunningUidMustOwnTheVault() throws Exception {
        Path v = vault("vault.json", "rw-------", VAULT);
        ConversionException e = assertThrows(ConversionException.class,
                () -> LuksVault.keysFor(v, "web01", LuksVault.currentUid() + 1));
        assertEquals("luks_keys_vault: " + v + " is owned by uid " + LuksVault.currentUid()
                + ", not by the running user (uid " + (LuksVault.currentUid() + 1) + ")", e.getMessage());
    }

    @ParameterizedTest(name = "mode {0}")
    @ValueSource(strings = {"rw-r-----", "rw--w----", "rw---x---", "rw----r--", "rw-----w-", "rw------x", "rw-rw-rw-"})
    void aVaultOpenToGroupOrOtherIsRefused(String perms) throws Exception {
        Path v = vault("vault.json", perms, VAULT);
        assertEquals("luks_keys_vault: " + v + " must not be accessible by group or other (chmod 600)",
                refused(v).getMessage());
    }

    @Test
    void aMalformedVaultIsRefusedWithoutQuotingIt() throws Exception {
        Path v = vault("vault.json", "rw-------", "{\"web01\": [{\"device\": \"/dev/sda1\", \"key\": S3cr3t-luks}]");
        ConversionException e = refused(v);
        assertEquals("luks_keys_vault: " + v + " is not valid JSON", e.getMessage());
        assertEquals(null, e.getCause(), "the parser's exception (which quotes the text) is not kept");
    }

    @Test
    void aVaultThatIsNotAnObjectIsRefused() throws Exception {
        Path v = vault("vault.json", "rw-------", "[]");
        assertEquals("luks_keys_vault: " + v + " must be a JSON object of VM names", refused(v).getMessage());
    }

    @Test
    void aVmEntryThatIsNotAListIsRefused() throws Exception {
        Path v = vault("vault.json", "rw-------", "{\"web01\": {\"device\": \"/dev/sda1\", \"key\": \"S3cr3t\"}}");
        assertEquals("luks_keys_vault: " + v + ": the entry for web01 must be a list", refused(v).getMessage());
    }

    @Test
    void aKeyEntryWithoutDeviceOrKeyIsRefused() throws Exception {
        Path v = vault("vault.json", "rw-------", "{\"web01\": [{\"device\": \"/dev/sda1\", \"key\": \"S3cr3t\"}, {\"key\": \"S3cr3t-2\"}]}");
        assertEquals("luks_keys_vault: " + v + ": entry 1 for web01 needs string keys \"device\" and \"key\"",
                refused(v).getMessage());
        Path w = vault("vault2.json", "rw-------", "{\"web01\": [{\"device\": \"/dev/sda1\", \"key\": 1234}]}");
        assertEquals("luks_keys_vault: " + w + ": entry 0 for web01 needs string keys \"device\" and \"key\"",
                refused(w).getMessage());
    }

    @Test
    void aSymbolicLinkIsRefusedAsSuch() throws Exception {
        Path target = vault("real.json", "rw-------", VAULT);
        Path link = Files.createSymbolicLink(tmp.resolve("link.json"), target);
        assertEquals("luks_keys_vault: " + link + " is not a regular file (symbolic links are refused)",
                refused(link).getMessage());
    }

    @Test
    void aMissingExplicitVaultIsAnError() {
        Path missing = tmp.resolve("nope.json");
        ConversionException e = assertThrows(ConversionException.class,
                () -> LuksVault.locate(Optional.of(missing), Optional.of(tmp.toString())));
        assertEquals("luks_keys_vault: " + missing + " does not exist", e.getMessage());
    }

    @Test
    void anExplicitVaultWinsOverTheOneInHome() throws Exception {
        Path explicit = vault("explicit.json", "rw-------", VAULT);
        Files.writeString(tmp.resolve(LuksVault.DEFAULT_NAME), VAULT);
        assertEquals(Optional.of(explicit), LuksVault.locate(Optional.of(explicit), Optional.of(tmp.toString())));
    }

    @Test
    void theDefaultVaultIsInHomeWhenItExists() throws Exception {
        Path home = Files.createDirectory(tmp.resolve("home"));
        assertEquals(Optional.empty(), LuksVault.locate(Optional.empty(), Optional.of(home.toString())),
                "no vault in home: none");
        Path v = Files.writeString(home.resolve(".v2v_luks_keys_vault.json"), VAULT);
        assertEquals(Optional.of(v), LuksVault.locate(Optional.empty(), Optional.of(home.toString())));
    }

    @Test
    void withoutHomeThereIsNoDefaultVault() throws Exception {
        assertEquals(Optional.empty(), LuksVault.locate(Optional.empty(), Optional.empty()));
    }
}
