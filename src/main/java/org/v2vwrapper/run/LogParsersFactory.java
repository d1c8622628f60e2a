package org.v2vwrapper.run;

import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.v2vlog.LogFeed;
import org.v2vwrapper.v2vlog.MachineReadableParser;
import org.v2vwrapper.v2vlog.V2vLogParser;

/**
 * Connects the run's log tails to the virt-v2v log parsers. virt-v2v's stdout and stderr share one log file,
 * so one feed reads both in the order they were written.
 */
public enum LogParsersFactory implements ConversionRun.LogParsers {
    INSTANCE;

    @Override
    public LogConsumer v2vLog(ConversionState state, V2vCapabilities caps) {
        return consumer(new V2vLogParser(state).newStream());
    }

    @Override
    public LogConsumer machineReadableLog(ConversionState state) {
        return consumer(new MachineReadableParser(state).newStream());
    }

    private static LogConsumer consumer(LogFeed feed) {
        return new LogConsumer() {
            @Override
            public void accept(byte[] buf, int off, int len) {
                feed.feed(buf, off, len);
            }

            @Override
            public void end() {
                feed.close();
            }
        };
    }
}
