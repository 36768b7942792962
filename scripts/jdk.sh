# Sourced by ./vigil and ./run-tests: finds a JDK 25 and sets JAVA_HOME, or says what to install.
vigil_is_jdk25() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "$v" = "25" ]
}

vigil_find_jdk25() {
  local c
  if [ -n "${JAVA_HOME:-}" ] && vigil_is_jdk25 "$JAVA_HOME"; then return 0; fi
  if c=$(command -v javac 2>/dev/null); then
    c=$(dirname "$(dirname "$(readlink -f "$c")")")
    if vigil_is_jdk25 "$c"; then export JAVA_HOME=$c; return 0; fi
  fi
  for c in /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    if [ -d "$c" ] && vigil_is_jdk25 "$c"; then export JAVA_HOME=$c; return 0; fi
  done
  cat >&2 <<'MSG'
vigil: no Java 25 JDK found (looked at JAVA_HOME, javac on PATH, /usr/lib/jvm, /opt).
Install one, for example on Debian/Ubuntu:  apt-get install temurin-25-jdk   (Adoptium repository)
or unpack a JDK 25 and run with JAVA_HOME=/path/to/jdk-25 ./vigil ...
MSG
  return 1
}
