package org.v2vwrapper.lifecycle;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CleanupTest {
    @Test
    void actionsRunNewestFirstOnceEvenWhenOneFails() {
        List<String> ran = new ArrayList<>();
        Cleanup c = new Cleanup();
        c.register("a", () -> ran.add("a"));
        c.register("b", () -> {
            ran.add("b");
            throw new IllegalStateException("boom");
        });
        c.register("c", () -> ran.add("c"));
        c.close();
        c.close();
        assertEquals(List.of("c", "b", "a"), ran);
    }
}
