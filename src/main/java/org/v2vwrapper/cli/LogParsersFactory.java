package org.v2vwrapper.cli;

import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.run.ConversionRun;
import org.v2vwrapper.run.LogConsumer;
import org.v2vwrapper.state.ConversionState;

/** Connects the run's log tails to the virt-v2v log parsers. (Parser wiring lands with the v2vlog package.) */
enum LogParsersFactory implements ConversionRun.LogParsers {
    INSTANCE;

    private static final LogConsumer IGNORE = new LogConsumer() {
        @Override
        public void accept(byte[] buf, int off, int len) {
        }

        @Override
        public void end() {
        }
    };

    @Override
    public LogConsumer v2vLog(ConversionState state, V2vCapabilities caps) {
        return IGNORE;
    }

    @Override
    public LogConsumer machineReadableLog(ConversionState state) {
        return IGNORE;
    }
}
