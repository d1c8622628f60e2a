package org.v2vwrapper.run;

/** Receives a log's bytes in order as they appear; {@link #end()} once nothing more will come. */
public interface LogConsumer {
    void accept(byte[] buf, int off, int len);

    void end();
}
