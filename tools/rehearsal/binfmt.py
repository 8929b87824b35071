"""Register qemu-user-static with binfmt_misc for a foreign architecture, and undo exactly that."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

BINFMT = Path("/proc/sys/fs/binfmt_misc")
CONF_DIR = Path("/usr/lib/binfmt.d")
# Docker's names for architectures, as qemu names its emulators.
QEMU_NAMES = {"arm64": "aarch64", "arm": "arm", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def say(message: str) -> None:
    print(f"[binfmt] {message}", flush=True)


def qemu_name(arch: str) -> str:
    return QEMU_NAMES.get(arch, arch)


def parse_line(text: str) -> tuple[str, str]:
    """The entry's name and its register line, from a binfmt.d file (first line that is not a comment).

    The line is `:name:type:offset:magic:mask:interpreter:flags`; the flags get `F`, so the kernel
    opens the interpreter now and containers, which do not have it in their root, can use it.
    """
    line = next(raw.strip() for raw in text.splitlines() if raw.strip() and not raw.lstrip().startswith("#"))
    fields = line.split(":")
    if len(fields) != 8 or fields[0]:
        raise ValueError(f"not a binfmt_misc register line: {line!r}")
    if "F" not in fields[7]:
        fields[7] += "F"
    return fields[1], ":".join(fields)


@dataclass
class Registration:
    """What setup() found and changed, so teardown() undoes only that."""

    arch: str
    mounted: bool = False
    name: str = ""
    added: bool = False

    def setup(self) -> None:
        conf = CONF_DIR / f"qemu-{qemu_name(self.arch)}.conf"
        if not conf.exists():
            raise RuntimeError(f"{conf} is missing: apt-get install qemu-user-static")
        if not (BINFMT / "register").exists():
            subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)], check=True)
            self.mounted = True
        self.name, line = parse_line(conf.read_text())
        if (BINFMT / self.name).exists():
            say(f"{self.name} was already registered; it stays as it was.")
            return
        (BINFMT / "register").write_text(line)
        self.added = True
        say(f"registered {self.name} ({line.rsplit(':', 2)[-2]}, flags {line.rsplit(':', 1)[-1]})")

    def teardown(self) -> None:
        if self.added and (BINFMT / self.name).exists():
            (BINFMT / self.name).write_text("-1")
            say(f"unregistered {self.name}")
        if self.mounted:
            subprocess.run(["umount", str(BINFMT)], check=False)
