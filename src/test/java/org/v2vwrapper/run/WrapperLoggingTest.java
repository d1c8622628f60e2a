package org.v2vwrapper.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A log record is one line of the wrapper log, whatever the text it quotes. */
class WrapperLoggingTest {
    @Test
    void messagesCannotSplitALineOrCarryTerminalEscapes(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("w.log");
        WrapperLogging.toFile(log);
        try {
            LoggerFactory.getLogger("test").warn("ignoring unknown key {}",
                    "x\n2026-01-01T00:00:00.000Z INFO  [main] forged: conversion ended\r\u2028\u001b[2J\u202Eevil");
        } finally {
            WrapperLogging.stop();
        }
        List<String> lines = Files.readAllLines(log);
        assertEquals(1, lines.size(), String.join("\n", lines));
        String line = lines.get(0);
        assertTrue(line.contains("ignoring unknown key x\\u000A2026-01-01"), line);
        assertTrue(line.contains("\\u000D\\u2028\\u001B[2J\\u202Eevil"), line);
        assertTrue(line.chars().noneMatch(c -> c < 0x20 || c == 0x2028 || c == 0x202E || c == 0x1b), line);
    }
}
