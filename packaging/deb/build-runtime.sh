#!/usr/bin/env bash
# Package time (pom.xml runs this after the shaded jar): the Java runtime the .deb brings and its AOT
# cache, laid out under OUT as they are installed under /usr/lib/vigil.
#   build-runtime.sh JDK_HOME JAR SAMPLE_CONFIG OUT
# The runtime holds only the modules jdeps finds in the jar, plus what code reaches without naming it:
# jdk.unsupported (Netty also finds sun.misc.Unsafe by reflection) and jdk.charsets (a charset provider,
# for mail encodings). The AOT cache (JEP 483/514) is recorded by a training run of check-config on
# this runtime, so it matches the runtime it ships with.
set -euo pipefail
jdk=$1 jar=$2 sample=$3 out=$4
rm -rf "$out"
mkdir -p "$out"
# The jar with picocli's Java 5 class files made current (CurrentClassFiles.java says why): else the AOT
# cache cannot hold them and every start reads and verifies them again.
"$jdk/bin/java" "$(dirname "$0")/CurrentClassFiles.java" "$jar" "$out/vigil.jar"
modules=$("$jdk/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps "$out/vigil.jar")
modules="$modules,jdk.unsupported,jdk.charsets"
modules=$(tr , "\n" <<<"$modules" | sort -u | paste -sd, -)
# The modules image uncompressed: the JVM maps it and touches only the classes it reads, where a
# compressed image costs ~8 MiB more memory in every process (measured: docs/performance.md). The
# package is gzipped anyway.
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --output "$out/runtime"
echo "vigil runtime: $modules ($(du -sm "$out/runtime" | cut -f1) MB)"
# Training: what the AOT cache should hold is what start-up loads, for check-config (as /usr/bin/vigil runs
# it: --service) and the CLI.
# The same flags as /usr/bin/vigil's, else the JVM refuses the cache.
train=$(mktemp -d)
trap 'rm -rf "$train"' EXIT
cp "$sample" "$train/keepalived.conf"
chmod 600 "$train/keepalived.conf"
"$out/runtime/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:-UsePerfData -Xss512k \
    -XX:+UseCompactObjectHeaders -XX:MaxRAMPercentage=25 -XX:TieredStopAtLevel=1 -XX:AOTCacheOutput="$out/vigil.aot" \
    -jar "$out/vigil.jar" check-config --service -f "$train/keepalived.conf" >/dev/null
echo "vigil AOT cache: $(du -sm "$out/vigil.aot" | cut -f1) MB"
