package org.v2vwrapper.v2vlog;

/** Validation of the ids virt-v2v prints (oVirt disk/VM ids, Cinder volume ids): hex digits and dashes. */
final class Ids {

    private Ids() {
    }

    static boolean isId(String s) {
        if (s.isEmpty() || s.length() > 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }
}
