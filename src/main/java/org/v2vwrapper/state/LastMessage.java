package org.v2vwrapper.state;

/** The {@code last_message} of the state file. */
public record LastMessage(String message, Type type) {
    /** Messages quote request values and server answers: escaped, so no reader sees a split line or a bidi trick. */
    public LastMessage {
        message = org.v2vwrapper.text.Printable.escape(message);
    }

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
