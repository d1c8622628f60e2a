package org.v2vwrapper.state;

/** The {@code last_message} of the state file. */
public record LastMessage(String message, Type type) {
    public enum Type {
        ERROR, WARNING, INFO;

        @com.fasterxml.jackson.annotation.JsonValue
        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static LastMessage error(String message) {
        return new LastMessage(message, Type.ERROR);
    }

    public static LastMessage info(String message) {
        return new LastMessage(message, Type.INFO);
    }
}
