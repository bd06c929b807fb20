#!/bin/sh
# Installs what numasim needs on Debian/Ubuntu when it is missing: libnuma-dev (numa.h, libnuma.so,
# numa.pc for the CNuma system-library target). Nothing is done when it is already there.
set -e
if pkg-config --exists numa 2>/dev/null || [ -f /usr/include/numa.h ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "numasim: libnuma-dev is missing and apt-get is not available; install libnuma (numa.h) by hand" >&2
    exit 1
fi
echo "numasim: installing libnuma-dev" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libnuma-dev pkg-config >/dev/null
