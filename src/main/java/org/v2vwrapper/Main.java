package org.v2vwrapper;

import org.v2vwrapper.cli.Streams;
import org.v2vwrapper.cli.WrapperCommand;

/** Entry point of the {@code v2v-wrapper} launcher. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(WrapperCommand.execute(Streams.system(), args));
    }
}
