package org.v2vwrapper.throttle.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LimitsParserTest {
    private static LimitsUpdate parsed(String json) {
        LimitsParser.FileResult r = LimitsParser.parseFile(json.getBytes(StandardCharsets.UTF_8));
        return assertInstanceOf(LimitsParser.Parsed.class, r, () -> r.toString()).update();
    }

    private static String malformed(String json) {
        LimitsParser.FileResult r = LimitsParser.parseFile(json.getBytes(StandardCharsets.UTF_8));
        return assertInstanceOf(LimitsParser.Malformed.class, r, () -> r.toString()).message();
    }

    @Test
    void readsManageIqsShape() {
        LimitsUpdate u = parsed("{\"cpu\": \"50%\", \"network\": \"1048576\"}");
        assertEquals(Optional.of(OptionalLong.of(50)), u.cpuPercent());
        assertEquals(Optional.of(OptionalLong.of(1048576)), u.networkBytesPerSecond());
        assertEquals(Map.of("cpu", "50%", "network", "1048576"), u.applyTo(Limits.UNLIMITED).stateView(true, true));
    }

    @Test
    void missingKeysKeepTheCurrentValueAndUnlimitedRemovesALimit() {
        Limits current = Limits.of(30L, 1000L);
        assertEquals(Limits.of(30L, null), parsed("{\"network\": \"unlimited\"}").applyTo(current));
        assertEquals(Limits.of(250L, 1000L), parsed("{\"cpu\": \"250%\"}").applyTo(current));
        assertEquals(current, parsed("{}").applyTo(current));
        assertEquals(current, parsed("{\"memory\": \"1G\", \"blockio\": \"x\"}").applyTo(current));
        assertEquals(Limits.UNLIMITED, parsed("{\"cpu\": \"UNLIMITED\", \"network\": \" unlimited \"}").applyTo(current));
    }

    @Test
    void networkMayBeAJsonInteger() {
        assertEquals(Optional.of(OptionalLong.of(2000)), parsed("{\"network\": 2000}").networkBytesPerSecond());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"cpu\": \"50\"}", "{\"cpu\": \"0%\"}", "{\"cpu\": \"-5%\"}", "{\"cpu\": \"1.5%\"}",
        "{\"cpu\": 50}", "{\"cpu\": \"100001%\"}", "{\"network\": \"0\"}", "{\"network\": \"1M\"}",
        "{\"network\": 1.5}", "{\"network\": \"99999999999999999999\"}", "{\"network\": null}", "{\"cpu\": []}",
        "[1]", "\"50%\"", "{\"cpu\": \"50%\"", "", "   ", "{\"cpu\": \"50%\"} trailing"})
    void malformedFilesAreAWarning(String json) {
        String message = malformed(json);
        assertTrue(message.startsWith("throttling file ignored: "), message);
        assertFalse(message.contains("\n"), message);
    }

    @Test
    void aMalformedValueChangesNothingEvenBesideAGoodOne() {
        String message = malformed("{\"cpu\": \"20%\", \"network\": \"fast\"}");
        assertTrue(message.contains("network"), message);
    }

    @Test
    void messagesNeverEchoTheValue() {
        String secretish = "s3cr3t-<script>\\u0000";
        assertFalse(malformed("{\"cpu\": \"" + secretish + "\"}").contains("s3cr3t"));
        assertFalse(malformed("{\"network\": \"" + secretish + "\"}").contains("s3cr3t"));
        assertFalse(malformed("{\"cpu\": s3cr3t}").contains("s3cr3t"));
        assertFalse(malformed("\u00ff{").contains("\u00ff"));
        assertTrue(malformed("not json s3cr3t").contains("not valid JSON"));
        LimitsParser.FileResult r = LimitsParser.parseFile(new byte[] {(byte) 0xff, (byte) 0xfe});
        assertTrue(((LimitsParser.Malformed) r).message().contains("not UTF-8"));
    }

    @Test
    void theRequestKeyGivesKeyPathErrors() throws Exception {
        ObjectMapper json = new ObjectMapper();
        LimitsUpdate u = LimitsParser.parseRequestValue(json.readTree("{\"cpu\": \"10%\"}"), "throttling");
        assertEquals(Optional.of(OptionalLong.of(10)), u.cpuPercent());
        assertEquals(Optional.empty(), u.networkBytesPerSecond());

        InvalidLimitsException e = assertThrows(InvalidLimitsException.class,
            () -> LimitsParser.parseRequestValue(json.readTree("{\"network\": \"hunter2\"}"), "throttling"));
        assertEquals("throttling.network", e.keyPath());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());

        e = assertThrows(InvalidLimitsException.class,
            () -> LimitsParser.parseRequestValue(json.readTree("\"50%\""), "throttling"));
        assertEquals("throttling", e.keyPath());
        assertEquals("must be an object, not a string", e.reason());
    }
}
