package org.otter.flink.examples;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} command-line options of the examples. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    static Args parse(String[] argv) {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String k = argv[i];
            if (!k.startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --name value, got '" + k + "'");
            }
            a.values.put(k.substring(2), argv[++i]);
        }
        return a;
    }

    String get(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    long getLong(String name, long dflt) {
        String v = values.get(name);
        return v == null ? dflt : Long.parseLong(v);
    }

    double getDouble(String name, double dflt) {
        String v = values.get(name);
        return v == null ? dflt : Double.parseDouble(v);
    }
}
