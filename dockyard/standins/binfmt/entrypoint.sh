#!/bin/sh
# tonistiigi/binfmt's command line: --uninstall NAMES, then --install ARCHES (comma-separated), each
# reported on stderr, then the status on stdout as JSON. It mounts binfmt_misc if it is not mounted.
set -u
MOUNT=/proc/sys/fs/binfmt_misc
install="" uninstall=""
while [ $# -gt 0 ]; do
    case "$1" in
        --install|-install) install=$2; shift 2 ;;
        --install=*|-install=*) install=${1#*=}; shift ;;
        --uninstall|-uninstall) uninstall=$2; shift 2 ;;
        --uninstall=*|-uninstall=*) uninstall=${1#*=}; shift ;;
        *) echo "flag provided but not defined: $1" >&2; exit 2 ;;
    esac
done

# Docker's architecture names, as QEMU names its emulators.
qemu_name() {
    case "${1#linux/}" in
        arm64|aarch64) echo aarch64 ;;
        arm|arm/*) echo arm ;;
        386|i386) echo i386 ;;
        amd64|x86_64) echo x86_64 ;;
        *) echo "${1#linux/}" ;;
    esac
}

# The platform Docker gives an emulator's architecture, for the status.
platform_of() {
    case "$1" in
        qemu-aarch64) echo linux/arm64 ;;
        qemu-arm) echo linux/arm/v7 ;;
        qemu-i386) echo linux/386 ;;
        qemu-x86_64) echo linux/amd64 ;;
        qemu-*) echo "linux/${1#qemu-}" ;;
    esac
}

mounted=""
if [ ! -e "$MOUNT/status" ]; then
    mount -t binfmt_misc binfmt_misc "$MOUNT" || { echo "error: cannot mount binfmt_misc filesystem at $MOUNT" >&2; exit 0; }
    mounted=yes
fi

for name in $(echo "$uninstall" | tr ',' ' '); do
    entry=$MOUNT/$name
    [ -e "$entry" ] || entry=$MOUNT/qemu-$(qemu_name "$name")
    if [ -e "$entry" ] && echo -1 > "$entry"; then
        echo "uninstalling: $name OK" >&2
    else
        echo "uninstalling: $name not found" >&2
    fi
done

for arch in $(echo "$install" | tr ',' ' '); do
    arch=${arch#linux/}
    qemu=$(qemu_name "$arch")
    conf=/usr/lib/binfmt.d/qemu-$qemu.conf
    if [ ! -e "$conf" ] || [ ! -e "/usr/bin/qemu-$qemu" ]; then
        echo "installing: $arch unsupported architecture: $arch" >&2
        continue
    fi
    # magic and mask from Debian's register line; interpreter and flags as the official image writes them
    magic=$(grep -v '^#' "$conf" | head -n 1 | cut -d: -f5)
    mask=$(grep -v '^#' "$conf" | head -n 1 | cut -d: -f6)
    if [ -e "$MOUNT/qemu-$qemu" ]; then
        echo "installing: $arch qemu-$qemu already registered" >&2
    elif printf ':qemu-%s:M:0:%s:%s:/usr/bin/qemu-%s:CF' "$qemu" "$magic" "$mask" "$qemu" > "$MOUNT/register"; then
        echo "installing: $arch OK" >&2
    else
        echo "installing: $arch cannot register \"/usr/bin/qemu-$qemu\" to $MOUNT/register" >&2
    fi
done

native=linux/$(dpkg --print-architecture)
supported="\"$native\""
emulators=""
for entry in "$MOUNT"/*; do
    name=${entry##*/}
    case "$name" in register|status) continue ;; esac
    head -n 1 "$entry" | grep -q '^enabled' || continue
    emulators="$emulators${emulators:+,}
    \"$name\""
    platform=$(platform_of "$name")
    [ -n "$platform" ] && [ "$platform" != "$native" ] && supported="$supported,
    \"$platform\""
done
printf '{\n  "supported": [\n    %s\n  ],\n  "emulators": %s\n}\n' "$supported" \
    "$([ -n "$emulators" ] && printf '[%s\n  ]' "$emulators" || echo null)"
[ -z "$mounted" ] || umount "$MOUNT"
