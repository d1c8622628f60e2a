package org.v2vwrapper.v2vlog;

import com.fasterxml.jackson.databind.ObjectMapper;

/** One shared Jackson mapper, created on first use: most logs never need it, and creating it costs start-up time. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }
}
