package org.v2vwrapper.request;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * "Did you mean …?" for request keys: the known key closest to a given one, when it is within a small edit
 * distance (optimal string alignment: insertions, deletions, substitutions and swaps of neighbours each count 1).
 */
public final class KeySuggestions {
    /** Every top-level key of a request (the properties of docs/schema/request.schema.json; a test keeps them equal). */
    public static final List<String> TOP_LEVEL_KEYS = List.of(
            "allocation", "conversion_host_uuid", "daemonize", "insecure_connection", "install_drivers",
            "iteration_seconds", "local_output_dir", "luks_keys_vault", "nbd_export_only", "network_mappings",
            "osp_destination_project_id", "osp_environment", "osp_flavor_id", "osp_guest_id",
            "osp_security_group_ids", "osp_security_groups_ids", "osp_server_id", "osp_source_environment",
            "osp_volume_type_id", "output_format", "rhv_cluster", "rhv_debug", "rhv_password", "rhv_storage",
            "rhv_url", "source_disks", "ssh_key", "throttling", "transport_method", "two_phase", "vm_name", "vmware_fingerprint",
            "vmware_password", "vmware_uri", "warm");

    private KeySuggestions() {
    }

    /** The largest distance still taken for a typo of a key this long: 1 up to 4 characters, else 2. */
    static int allowedDistance(String key) {
        return key.length() <= 4 ? 1 : 2;
    }

    /** The candidate closest to {@code key} within the allowed distance (first one on a tie), if any. */
    public static Optional<String> closest(String key, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            if (c.equals(key)) {
                continue;
            }
            int d = distance(key.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            if (d <= Math.min(allowedDistance(key), allowedDistance(c)) && d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** A known top-level key that {@code unknownKey} is probably a typo of. */
    public static Optional<String> forUnknownTopLevelKey(String unknownKey) {
        return closest(unknownKey, TOP_LEVEL_KEYS);
    }

    /** Optimal string alignment distance. */
    static int distance(String a, String b) {
        int n = a.length();
        int m = b.length();
        if (Math.abs(n - m) > 2) {
            return Math.abs(n - m);
        }
        int[][] d = new int[n + 1][m + 1];
        for (int i = 0; i <= n; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= m; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[n][m];
    }
}
