package org.otter;

import java.util.Map;

/** Renders parameter maps as the "k=v,k=v" text the C library parses. */
final class Params {
    private Params() {}

    static String text(Map<String, ?> params) {
        if (params == null || params.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, ?> e : params.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new OtterException("INVALID", "parameter names and values must not be null");
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }
}
