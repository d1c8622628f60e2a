package org.v2vwrapper.output.osp;

import java.util.regex.Pattern;

import org.v2vwrapper.ConversionException;

/**
 * Ids that go into request paths. openstack4j's resteasy connector builds URLs with a URI template builder: a
 * space, a brace or a slash in an id makes it print a stack trace on stderr and fail with a
 * NullPointerException. So ids are checked first (OpenStack ids are UUIDs or simple names such as
 * {@code m1.small}).
 */
final class OspIds {
    private static final Pattern SAFE = Pattern.compile("^[A-Za-z0-9._~:@+-]+$");

    private OspIds() {
    }

    static boolean isSafe(String id) {
        return id != null && SAFE.matcher(id).matches();
    }

    static String require(String key, String id) throws ConversionException {
        if (!isSafe(id)) {
            throw new ConversionException(key + " '" + id + "' is not a valid OpenStack id (letters, digits and . _ ~ : @ + - only)");
        }
        return id;
    }

    /** Names sent as query parameters: braces would be read as URI template variables. */
    static String requireQueryValue(String key, String value) throws ConversionException {
        if (value.indexOf('{') >= 0 || value.indexOf('}') >= 0) {
            throw new ConversionException(key + " '" + value + "' contains a brace; give the id instead");
        }
        return value;
    }
}
