"""`docker build` as a learner runs it: BuildKit, read back from its plain progress output.

The Docker SDK's `images.build()` drives the legacy builder, deprecated for Linux images since Engine
23.0, so where a build is the lesson the cell runs the real command. BuildKit runs independent steps
in parallel and logs them in whatever order they finish; this module sorts them back into Dockerfile
order, so a cell shows the same lines on every run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dockyard.errors import CourseError
from dockyard.shell import run

# "#6 [2/5] WORKDIR /app" or "#9 [builder 2/4] RUN pip wheel ..." (stage names in multi-stage builds)
HEADER = re.compile(r"^#(\d+) \[(?:(\S+) )?(\d+)/(\d+)\] (.*)$")
CONTEXT = re.compile(r"^#(\d+) \[internal\] load build context$")
TRANSFER = re.compile(r"^#(\d+) transferring context: (\S+)")
# "#9 DONE 52.3s": the step's own duration, as BuildKit measured it
DONE = re.compile(r"^#(\d+) DONE (\d+(?:\.\d+)?)s$")
# The random ref in "failed to calculate checksum of ref 28dc...::yf3s...: "/nope": not found"
CHECKSUM_REF = re.compile(r"failed to calculate checksum of ref \S+: ")


# "#8 ERROR: process "/bin/sh -c ..." did not complete successfully: exit code: 1"
STEP_ERROR = re.compile(r"^#(\d+) (ERROR: .*)$")
# "#8 7.136   error: ..." a line a step's command printed, after BuildKit's clock
STEP_OUTPUT = r"^#{vertex} \d+\.\d+ ?(.*)$"
# How many of the failing step's last lines a failure shows: enough for a compiler's or pip's own
# error above the lines that only say a subprocess failed.
FAILED_TAIL = 12


class BuildFailed(CourseError):
    """`docker build` failed; the message is what the learner's terminal shows of the failure."""


def failure(log: str, tail: int = FAILED_TAIL) -> str:
    """The failing step as `docker build` prints it, less BuildKit's clock, then its closing error block.

    That is: the step's header (`[4/4] RUN pip wheel ...`), the last `tail` lines its command printed,
    BuildKit's error line for it, the Dockerfile excerpt around the failing instruction and the final
    `ERROR: failed to build: ...`. BuildKit's own summary between them (`------` ` > [4/4] RUN ...:`)
    repeats the step's last ten lines, so it is left out; the timestamps before each line (seconds
    since the step started) and the vertex numbers (`#8`, given in the order a build meets its steps)
    are left out too, as they change from run to run. A build that fails before any step runs (a
    Dockerfile that does not parse) shows its error lines as they are.
    """
    lines = [CHECKSUM_REF.sub("", line) for line in log.splitlines()]
    failed = next((match for line in lines if (match := STEP_ERROR.match(line))), None)
    if failed is None:
        start = next((n for n, line in enumerate(lines) if line.startswith(("ERROR", "Dockerfile:"))),
                     max(len(lines) - 8, 0))
        return "\n".join(lines[start:])
    vertex, error = failed.groups()
    header = next((line.split(" ", 1)[1] for line in lines
                   if HEADER.match(line) and line.startswith(f"#{vertex} ")), "")
    printed = re.compile(STEP_OUTPUT.format(vertex=vertex))
    output = [match[1] for line in lines if (match := printed.match(line))]
    closing = next((n for n, line in enumerate(lines) if line.startswith("Dockerfile:")), None)
    if closing is None:
        closing = next(n for n, line in enumerate(lines) if line.startswith("ERROR"))
    return "\n".join([header, *output[-tail:], error, *lines[closing:]]).strip("\n")


@dataclass
class Build:
    command: str
    log: str
    steps: list[dict] = field(default_factory=list)
    context: str | None = None

    def result(self, instruction: str) -> str:
        """'cached' or 'built' for the first step whose instruction starts with `instruction`."""
        return next(s["result"] for s in self.steps if s["instruction"].startswith(instruction))

    def seconds(self, instruction: str) -> float:
        """How long the first step whose instruction starts with `instruction` ran, by BuildKit's clock."""
        return next(s["seconds"] for s in self.steps if s["instruction"].startswith(instruction))

    def output_of(self, instruction: str) -> list[str]:
        """What the step's command printed (BuildKit's timestamps removed)."""
        vertex = next(s["vertex"] for s in self.steps if s["instruction"].startswith(instruction))
        prefix = re.compile(rf"^#{vertex} \d+\.\d+ ")
        return [prefix.sub("", line) for line in self.log.splitlines() if prefix.match(line)]


def parse(command: str, log: str) -> Build:
    """The steps of a BuildKit plain-progress log, in Dockerfile order, each cached or built."""
    build = Build(command, log)
    vertices = {}
    context_vertex = None
    for line in log.splitlines():
        if match := HEADER.match(line):
            vertex, stage, number, total, instruction = match.groups()
            vertices[vertex] = {"stage": stage or "", "step": f"{number}/{total}", "number": int(number),
                                "instruction": instruction, "result": "built", "vertex": vertex,
                                "seconds": 0.0}
        elif match := CONTEXT.match(line):
            context_vertex = match[1]
        elif (match := TRANSFER.match(line)) and match[1] == context_vertex:
            build.context = match[2]
        elif (match := DONE.match(line)) and match[1] in vertices:
            vertices[match[1]]["seconds"] = float(match[2])
        elif line.endswith(" CACHED") and line.split()[0][1:] in vertices:
            vertices[line.split()[0][1:]]["result"] = "cached"
    for step in vertices.values():
        if step["instruction"].startswith("FROM "):
            step["result"] = "base"  # FROM names the starting image: neither cached nor built
    build.steps = sorted(vertices.values(), key=lambda s: (s["stage"], s["number"]))
    return build


def build(command: str, show: bool = True, timeout: float = 900) -> Build:
    """Run a `docker build --progress=plain ...` command line and print its steps in order.

    Each step is shown as BuildKit's terminal view shows it, without the timings:
    ` => CACHED [2/5] WORKDIR /app`. A failed build raises BuildFailed with the failing step's last
    lines and BuildKit's error block (see `failure`).
    """
    ran = run(command, timeout=timeout, check=False)
    if ran.returncode != 0:
        raise BuildFailed(failure(ran.output))
    parsed = parse(command, ran.output)
    if show:
        print(f"$ {command}")
        if parsed.context:
            print(f" => [internal] load build context: transferring context: {parsed.context}")
        for step in parsed.steps:
            cached = "CACHED " if step["result"] == "cached" else ""
            stage = f"{step['stage']} " if step["stage"] else ""
            print(f" => {cached}[{stage}{step['step']}] {step['instruction']}")
    return parsed
