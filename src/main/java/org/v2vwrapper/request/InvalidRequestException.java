package org.v2vwrapper.request;

/**
 * The request cannot be carried out. The message is one line, names the offending key first and never
 * contains a secret value.
 */
public class InvalidRequestException extends Exception {
    private final String key;

    public InvalidRequestException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
