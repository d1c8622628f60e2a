package org.v2vwrapper.text;

/**
 * An exception described for a log without any message text: class names and stack frames only. For
 * exceptions raised while handling request values, whose messages may quote a value (and the value a secret).
 */
public final class Throwables {
    private static final int MAX_FRAMES = 12;

    private Throwables() {
    }

    public static String withoutMessages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        for (Throwable t = e; t != null && depth < 8; t = t.getCause(), depth++) {
            sb.append(depth == 0 ? "" : " caused by ").append(t.getClass().getName());
            StackTraceElement[] frames = t.getStackTrace();
            for (int i = 0; i < Math.min(frames.length, depth == 0 ? MAX_FRAMES : 3); i++) {
                sb.append(i == 0 ? " at " : " < ").append(frames[i]);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }
}
