#!/usr/bin/env bash
# Installs the Debian packages Otter builds and tests with, only those missing.
set -euo pipefail
pkgs=(build-essential autoconf automake libtool pkg-config
      libopenblas-dev liblapacke-dev libmicrohttpd-dev libjansson-dev librocksdb-dev check
      python3 python3-venv clang-format curl openssl openjdk-17-jdk-headless maven clang
      libclang-rt-14-dev)
# python3: CLI tests; python3-venv: tests/schemathesis.sh's venv; clang-format: the style
# check; curl: the otterd tests and the quick start; openssl: a self-signed certificate
# for otterd's TLS test; openjdk-17-jdk-headless (Debian 12's default JDK) and maven: the
# JNI library and the Flink module (flink/, make check-flink); clang and
# libclang-rt-14-dev (libFuzzer and the sanitizer runtimes): make check-fuzz
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#pkgs[@]} Debian packages present"
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
