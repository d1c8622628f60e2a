package org.v2vwrapper.remote;

/** What a remote command did: its exit code (255: ssh itself failed) and its output, each trimmed. */
public record SshResult(int exitCode, String stdout, String stderr) {
    public boolean succeeded() {
        return exitCode == 0;
    }
}
