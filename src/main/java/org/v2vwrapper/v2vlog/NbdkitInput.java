package org.v2vwrapper.v2vlog;

import java.util.List;

/**
 * virt-v2v 2.x's {@code running nbdkit:} block: the argument line after it names the disk an input nbdkit serves.
 * Only input sockets ({@code …/in<N>}) count: output-side nbdkits ({@code …/out<N>}) print the same block.
 *
 * @param index 0-based disk index, from the socket name {@code in<N>}
 * @param path  the source disk as the source names it ({@code file=…} of the file and vddk plugins, {@code path=…}
 *              of ssh, mapped to a datastore path)
 */
record NbdkitInput(int index, String path) {

    /** The input disk that an nbdkit argument line serves, or null (output side, or no disk named). */
    static NbdkitInput parse(String argumentLine) {
        List<String> words = ShellWords.split(argumentLine);
        int unix = words.indexOf("--unix");
        if (unix < 0 || unix + 1 >= words.size()) {
            return null;
        }
        int index = inputIndex(words.get(unix + 1));
        if (index < 0) {
            return null;
        }
        for (String w : words.subList(unix + 2, words.size())) {
            if ((w.startsWith("file=") || w.startsWith("path=")) && w.length() > 5) {
                return new NbdkitInput(index, VmwarePaths.datastorePath(w.substring(5)));
            }
        }
        return null;
    }

    /** N of a socket path ending in {@code /in<N>}, or -1. */
    private static int inputIndex(String socket) {
        String name = socket.substring(socket.lastIndexOf('/') + 1);
        if (name.length() < 3 || !name.startsWith("in")) {
            return -1;
        }
        for (int i = 2; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        return name.length() > 9 ? -1 : Integer.parseInt(name.substring(2));
    }
}
