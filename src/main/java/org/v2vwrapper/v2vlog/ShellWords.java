package org.v2vwrapper.v2vlog;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a command line as virt-v2v echoes it: words separated by blanks, each word possibly single-quoted the
 * OCaml {@code Filename.quote} way ({@code 'it'\''s'}). Double quotes and backslashes outside single quotes are
 * kept literally except {@code \'}, which is how a quote inside a quoted word is written.
 */
final class ShellWords {

    private ShellWords() {
    }

    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                int close = line.indexOf('\'', i + 1);
                if (close < 0) {
                    close = line.length();
                }
                word.append(line, i + 1, close);
                i = close;
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length() && line.charAt(i + 1) == '\'') {
                word.append('\'');
                i++;
                inWord = true;
            } else if (c == ' ' || c == '\t') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
