#!/bin/sh
# Start the learner's engine inside its privileged container, as the docker:dind image does.
set -eu
# AppArmor-aware tools look for securityfs.
if [ -d /sys/kernel/security ] && ! mountpoint -q /sys/kernel/security; then
    mount -t securityfs none /sys/kernel/security || echo "securityfs not mounted; continuing" >&2
fi
# cgroup v2: dockerd may enable controllers only in a cgroup that holds no processes, so move this
# container's processes into a child cgroup first. (cgroup v1 needs nothing here.)
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs || :
    sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers \
        > /sys/fs/cgroup/cgroup.subtree_control
fi
# The notebook server shares this network namespace and reaches the hub at the host's address on
# Docker's default bridge (172.17.0.1 on most hosts). This engine's own networks must not cover it,
# so they come from 10.213.0.0/16 (docker0) and 10.214.0.0/16 (user-defined networks, /24 each).
# Set DOCKYARD_ENGINE_BIP and DOCKYARD_ENGINE_POOL where those ranges are in use on your site.
# Plain TCP without TLS, on the loopback address only: the one other process that shares this
# container's network namespace is the learner's notebook server (as the containers of a Kubernetes
# pod share theirs), and the port is published nowhere.
exec dockerd \
    --host=tcp://127.0.0.1:2375 --tls=false \
    --host=unix:///var/run/docker.sock \
    --data-root=/var/lib/docker \
    --init-path=/usr/local/bin/docker-init \
    --bip="${DOCKYARD_ENGINE_BIP:-10.213.0.1/16}" \
    --default-address-pool="base=${DOCKYARD_ENGINE_POOL:-10.214.0.0/16},size=24" \
    "$@"
