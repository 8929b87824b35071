#!/bin/sh
# As the official image does: without a config file, listen on all interfaces of the container
# (the container network is the boundary) and run as the redis user.
set -e
if [ "$1" = "redis-server" ]; then
    shift
    set -- redis-server --bind "* -::*" --protected-mode no --dir /data "$@"
    [ "$(id -u)" = 0 ] && exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
