#!/bin/sh
# The shared library exports only public otter_* names (conventions: one prefix, no
# leaked internals). Fails listing any other defined dynamic symbol.
set -eu
lib="$top_builddir/.libs/libotter.so"
if [ ! -f "$lib" ]; then
    echo "SKIP: no shared library (static-only build)"
    exit 77
fi
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' |
      grep -Ev '^otter_[a-z]' || true)
if [ -n "$bad" ]; then
    echo "non-public symbols exported from libotter.so:"
    echo "$bad"
    exit 1
fi
n=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/' | wc -l)
echo "libotter.so exports $n symbols, all otter_*"
[ "$n" -gt 20 ]
