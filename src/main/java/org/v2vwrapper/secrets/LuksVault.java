package org.v2vwrapper.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.Secret;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The LUKS keys vault: a JSON file {@code {"<vm_name>": [{"device": "/dev/sda1", "key": "…"}, …]}} that must
 * belong to the running user and be closed to group and other. Its keys for one VM become virt-v2v
 * {@code --key <device>:file:<file>} arguments, each key in a 0600 file.
 */
public final class LuksVault {
    public static final String DEFAULT_NAME = ".v2v_luks_keys_vault.json";
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    /** One key of the vault. */
    public record LuksKey(String device, Secret key) {
    }

    private LuksVault() {
    }

    /**
     * The vault to use: the request's {@code luks_keys_vault} (must exist), else {@code $HOME/.v2v_luks_keys_vault.json}
     * if it exists, else none.
     */
    public static Optional<Path> locate(Optional<Path> requested, Optional<String> home) throws ConversionException {
        if (requested.isPresent()) {
            if (!Files.exists(requested.get(), LinkOption.NOFOLLOW_LINKS)) {
                throw new ConversionException("luks_keys_vault: " + requested.get() + " does not exist");
            }
            return requested;
        }
        return home.map(h -> Path.of(h, DEFAULT_NAME)).filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS));
    }

    /** The keys for {@code vmName}, after checking ownership and permissions. */
    public static List<LuksKey> keysFor(Path vault, String vmName, int runningUid) throws ConversionException {
        String where = "luks_keys_vault: " + vault;
        try {
            if (!Files.exists(vault, LinkOption.NOFOLLOW_LINKS)) {
                throw new ConversionException(where + " does not exist");
            }
            // First, so a symbolic link is refused as such and not for the permissions of the link itself.
            if (!Files.isRegularFile(vault, LinkOption.NOFOLLOW_LINKS)) {
                throw new ConversionException(where + " is not a regular file (symbolic links are refused)");
            }
            int owner = (Integer) Files.getAttribute(vault, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != runningUid) {
                throw new ConversionException(where + " is owned by uid " + owner + ", not by the running user (uid "
                        + runningUid + ")");
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(vault, LinkOption.NOFOLLOW_LINKS);
            if (perms.stream().anyMatch(GROUP_OR_OTHER::contains)) {
                throw new ConversionException(where + " must not be accessible by group or other (chmod 600)");
            }
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(Files.readAllBytes(vault));
            } catch (IOException e) {
                // Never pass on the parser's message: it may quote a key.
                throw new ConversionException(where + " is not valid JSON");
            }
            if (root == null || !root.isObject()) {
                throw new ConversionException(where + " must be a JSON object of VM names");
            }
            JsonNode entries = root.get(vmName);
            if (entries == null) {
                return List.of();
            }
            if (!entries.isArray()) {
                throw new ConversionException(where + ": the entry for " + vmName + " must be a list");
            }
            List<LuksKey> keys = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                JsonNode e = entries.get(i);
                JsonNode device = e.get("device");
                JsonNode key = e.get("key");
                if (!e.isObject() || device == null || !device.isTextual() || key == null || !key.isTextual()
                        || device.textValue().isBlank()) {
                    throw new ConversionException(where + ": entry " + i + " for " + vmName
                            + " needs string keys \"device\" and \"key\"");
                }
                keys.add(new LuksKey(device.textValue(), new Secret(key.textValue())));
            }
            return keys;
        } catch (NoSuchFileException e) {
            throw new ConversionException(where + " does not exist");
        } catch (IOException e) {
            throw new ConversionException(where + " cannot be read: " + e.getMessage());
        }
    }

    /** {@code --key <device>:file:<file>} for each key, the key written to a 0600 file. */
    public static List<String> keyArguments(List<LuksKey> keys, SecretStore secrets) throws ConversionException {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            try {
                Path file = secrets.write("luks_key_" + i, keys.get(i).key());
                args.add("--key");
                args.add(keys.get(i).device() + ":file:" + file);
            } catch (IOException e) {
                throw new ConversionException("cannot write a LUKS key file: " + e.getMessage(), e);
            }
        }
        return args;
    }

    /** The uid this process runs as. */
    public static int currentUid() {
        return (int) new com.sun.security.auth.module.UnixSystem().getUid();
    }

}
