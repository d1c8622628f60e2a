package org.v2vwrapper.request;

import org.v2vwrapper.text.Printable;

/**
 * The request cannot be carried out. The message is one line, names the offending key first and never
 * contains a secret value.
 */
public class InvalidRequestException extends Exception {
    private final String key;

    public InvalidRequestException(String key, String problem) {
        // Key names come from the request: escaped, so a key with a newline or an ANSI escape keeps the one line.
        super(Printable.escape(key) + ": " + Printable.escape(problem));
        this.key = Printable.escape(key);
    }

    public String key() {
        return key;
    }
}
