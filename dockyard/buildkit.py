"""`docker build` as a learner runs it: BuildKit, read back from its plain progress output.

The Docker SDK's `images.build()` drives the legacy builder, deprecated for Linux images since Engine
23.0, so where a build is the lesson the cell runs the real command.

What a build cell shows, and why: the cell's command is what a learner types (`docker build -t ...`),
and in a terminal BuildKit's view ends with one line per step (` => CACHED [2/5] WORKDIR /app  0.0s`).
The cell prints those lines, saying so in a line of its own, without the timings and the internal
steps. It does not print the `--progress=plain` log it reads them from: BuildKit logs parallel steps in
the order they finish and numbers them in the order it meets them, so that log differs between two
runs of the same build and a stored output could not be compared. The lines printed here are the same
on every run (see `build`). Each chapter that builds shows one whole plain log (`Build.log`) once,
compared only through its asserts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dockyard.errors import CourseError
from dockyard.shell import Ran, run

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
# The containerd image store can lose the snapshot a build is about to unpack a layer onto when another
# client deletes an image at that moment: an engine race, met where builds and removals run side by side
# (the test suite's workers, or a prune in another terminal). Run again, the build unpacks afresh.
SNAPSHOT_RACE = re.compile(r"failed to prepare extraction snapshot .* does not exist: not found")
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

    def logged(self) -> set[str]:
        """The instructions the plain log names in its steps' headers (`#6 [2/5] WORKDIR /app`)."""
        return {match[5] for line in self.log.splitlines() if (match := HEADER.match(line))}

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
    build.steps = sorted(_own_from_steps(list(vertices.values())), key=lambda s: (s["stage"], s["number"]))
    return build


def _own_from_steps(steps: list[dict]) -> list[dict]:
    """The steps with each FROM step under this build's own label, in its own stage.

    BuildKit runs a step once for every build on the engine that needs it at the same moment, and logs
    it under the label of the build that asked first: a FROM step this build shares with a concurrent
    one may read `[builder 1/3] FROM ...` where this build's Dockerfile has `[1/5] FROM ...`. The image
    it names is the same, so each FROM step goes back to a stage of this build that has none, by stage
    name first, then in the order the log names them; its label is rebuilt from that stage's other
    steps. FROM names the starting image, neither cached nor built, so its result is "base" whatever
    the log says (a shared FROM step reads CACHED or not by which build got there first).
    """
    own = [step for step in steps if not step["instruction"].startswith("FROM ")]
    totals = {step["stage"]: step["step"].split("/")[1] for step in own}
    froms = [step for step in steps if step["instruction"].startswith("FROM ")]
    placed, waiting = {}, []
    for step in froms:
        total = totals.get(step["stage"], step["step"].split("/")[1] if not totals else None)
        if step["number"] == 1 and step["step"].split("/")[1] == total and step["stage"] not in placed:
            placed[step["stage"]] = step
        else:
            waiting.append(step)
    for stage in [stage for stage in totals if stage not in placed]:
        if waiting:
            match = next((step for step in waiting if step["stage"] == stage), waiting[0])
            waiting.remove(match)
            placed[stage] = {**match, "stage": stage, "step": f"1/{totals[stage]}", "number": 1}
    for step in placed.values():
        step["result"] = "base"
    return own + list(placed.values())


# The line a cell prints between the command and its steps, so the reader knows what the lines are.
VIEW = "(BuildKit's terminal view of the steps when the build ends, without timings or internal steps)"


def plain(command: str) -> str:
    """The command line with `--progress=plain`, the log this module reads, unless it names a progress."""
    if "--progress" in command:
        return command
    return command.replace("docker build ", "docker build --progress=plain ", 1)


def run_build(line: str, timeout: float = 900) -> Ran:
    """Run a `docker build` command line, without raising on failure; run it once more when it lost a
    snapshot to a concurrent image removal (SNAPSHOT_RACE)."""
    ran = run(line, timeout=timeout, check=False)
    if ran.returncode != 0 and SNAPSHOT_RACE.search(ran.output):
        ran = run(line, timeout=timeout, check=False)
    return ran


def build(command: str, show: bool = True, timeout: float = 900) -> Build:
    """Run a `docker build ...` command line and print the steps as BuildKit's terminal view ends.

    Typed in a terminal, `docker build` redraws its steps as they run and leaves one line per step:
    ` => CACHED [2/5] WORKDIR /app  0.0s`. That view is what the cell prints, after the command and a
    line that says so: the steps in Dockerfile order, each CACHED or not, without the timings (they
    change with every run) and without BuildKit's internal steps (loading the Dockerfile, the
    .dockerignore, the base image's metadata) except the build context, whose size a lesson reads.
    The build itself runs with `--progress=plain`, whose log names every step with its result but in
    the order steps finish, which varies between runs as BuildKit runs independent steps in parallel;
    `parse` reads it and puts the steps back in Dockerfile order, so a cell shows the same lines on
    every run. Each chapter that builds shows one build's whole plain log (`Build.log`) once.

    A failed build raises BuildFailed with the failing step's last lines and BuildKit's error block
    (see `failure`).
    """
    ran = run_build(plain(command), timeout)
    if ran.returncode != 0:
        raise BuildFailed(failure(ran.output))
    parsed = parse(command, ran.output)
    if show:
        print("\n".join(render(parsed)))
    return parsed


def render(parsed: Build) -> list[str]:
    """The lines a build cell prints: the command, what the lines are, and the steps (see `build`)."""
    lines = [f"$ {parsed.command}", VIEW]
    if parsed.context:
        lines += [" => [internal] load build context", f" => => transferring context: {parsed.context}"]
    for step in parsed.steps:
        cached = "CACHED " if step["result"] == "cached" else ""
        stage = f"{step['stage']} " if step["stage"] else ""
        lines.append(f" => {cached}[{stage}{step['step']}] {step['instruction']}")
    return lines
