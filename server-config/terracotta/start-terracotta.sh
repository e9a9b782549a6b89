#!/bin/sh
# Starts the Terracotta server for the loopback's clustered tier (docs/cluster.md) with
# cluster.cfg beside this script, in the foreground; Ctrl-C stops it (see "Stop" below).
#
#   start-terracotta.sh [KIT_DIR]
#
# KIT_DIR  the unpacked kit, ehcache-clustered-3.11.1-kit (the directory holding server/bin).
#          Without it: $TERRACOTTA_KIT, else ./terracotta-kit/ehcache-clustered-3.11.1-kit, which is
#          fetched from Maven Central with `mvn dependency:copy` when missing.
# Environment:
#   TERRACOTTA_CONFIG  the configuration (default: cluster.cfg beside this script)
#   TERRACOTTA_DATA    the server's working directory: config/ (activated configuration), logs/,
#                      metadata/ (default: ./terracotta-data)
#   JAVA_HOME          a JDK or JRE 17 (default: the java on PATH)
#   JAVA_OPTS          extra server JVM options (the kit's script starts it with -Xmx2049m)
#
# Stop: Ctrl-C, or SIGTERM to the server JVM (it logs "PID is <pid>"); this script's own pid becomes
# the kit's wrapper sh, which does not pass SIGTERM on (kill the process group, or let systemd's
# default KillMode=control-group do it). The kit's version must equal the ehcache-clustered client
# in loopback.war.
set -eu

EHCACHE_VERSION=3.11.1
HERE=$(cd "$(dirname "$0")" && pwd)
CONFIG=${TERRACOTTA_CONFIG:-$HERE/cluster.cfg}
DATA=${TERRACOTTA_DATA:-$PWD/terracotta-data}
KIT=${1:-${TERRACOTTA_KIT:-}}

if [ -z "$KIT" ]; then
  KIT=$PWD/terracotta-kit/ehcache-clustered-$EHCACHE_VERSION-kit
  if [ ! -d "$KIT" ]; then
    echo "start-terracotta: fetching org.ehcache:ehcache-clustered:$EHCACHE_VERSION:tgz:kit into $PWD/terracotta-kit"
    mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy -Dartifact="org.ehcache:ehcache-clustered:$EHCACHE_VERSION:tgz:kit" \
        -DoutputDirectory="$PWD/terracotta-kit"
    tar -xzf "$PWD/terracotta-kit/ehcache-clustered-$EHCACHE_VERSION-kit.tgz" -C "$PWD/terracotta-kit"
  fi
fi
SCRIPT=$KIT/server/bin/start-tc-server.sh
if [ ! -f "$SCRIPT" ]; then
  echo "start-terracotta: $SCRIPT not found: KIT_DIR must be the unpacked ehcache-clustered-$EHCACHE_VERSION-kit" >&2
  exit 2
fi
if [ ! -f "$CONFIG" ]; then
  echo "start-terracotta: TERRACOTTA_CONFIG=$CONFIG not found" >&2
  exit 2
fi
if [ -z "${JAVA_HOME:-}" ]; then
  JAVA=$(command -v java) || { echo "start-terracotta: no java on PATH; set JAVA_HOME" >&2; exit 2; }
  JAVA_HOME=$(cd "$(dirname "$(readlink -f "$JAVA")")/.." && pwd)
fi
export JAVA_HOME

mkdir -p "$DATA"
CONFIG=$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")
if [ -d "$DATA/config" ]; then
  # The server ignores -config-file once it has activated a configuration there.
  echo "start-terracotta: using the configuration activated in $DATA/config ($CONFIG is read on the first start only)"
fi
cd "$DATA"
# Without -config-dir the server would keep its configuration in ~/terracotta/config, shared by
# every server of this user. The kit's script is run with sh: its tarball may lose exec bits.
exec sh "$SCRIPT" -config-file "$CONFIG" -config-dir "$DATA/config" -auto-activate
