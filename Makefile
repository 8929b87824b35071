# Two commands for a newcomer (see README.md):
#   make book   build the HTML book from the committed outputs (no Docker needed) and open it
#   make test   set up a Docker engine and the course images, then run every test and notebook
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.installed-lab
NOTEBOOKS := chapters exercises

.PHONY: book test setup execute lab lint bench clean soak

# The venv: the course package, editable so that edits to dockyard/ take effect, and the pinned, hashed
# locks (README, "Packaging"). The package goes first: pip checks pyproject.toml's requires-python there
# and names the Python it needs, where a pin would fail less plainly. Only dockyard is installed: tests/ and
# tools/ run from this folder (python -m tools.X; pytest's root conftest.py).
PIP_INSTALL = $(BIN)/pip install --quiet --disable-pip-version-check
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --no-deps -e .
	$(PIP_INSTALL) --require-hashes -r requirements.txt
	touch $@

# JupyterLab's pins on top (make lab, and the test that opens a chapter in it).
$(LAB_STAMP): $(STAMP) requirements/lab.txt
	$(PIP_INSTALL) --require-hashes -r requirements/lab.txt
	touch $@

# Re-pin every lock from its .in with pip-tools (in a throwaway venv under _build/). Pins already in a
# lock stay unless its .in no longer allows them (LOCK_ARGS=--upgrade moves them). requirements.txt, the
# widest, goes first: the others constrain themselves to it (-c in their .in), so a package has one
# version in every lock.
LOCK_VENV ?= _build/pip-tools
PIP_COMPILE = $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
.PHONY: lock
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/pip install --quiet pip==26.3 pip-tools==7.7.0; }
	$(PIP_COMPILE) -o requirements.txt pyproject.toml requirements/book.in requirements/tests.in
	$(PIP_COMPILE) -o requirements/course.txt pyproject.toml requirements/course.in
	$(PIP_COMPILE) -o requirements/lab.txt pyproject.toml requirements/lab.in
	$(PIP_COMPILE) -o classroom/requirements.txt classroom/requirements.in
	$(PIP_COMPILE) -o classroom/learner.txt pyproject.toml classroom/learner.in

book: $(STAMP)
	$(BIN)/python -m tools.widgetjs
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	$(BIN)/python -m dockyard open-book

setup: $(STAMP)
	$(BIN)/python -m dockyard setup

# Three steps, the first two on three workers (pytest-xdist, --dist loadfile: each file, or notebook, runs
# in order on one worker, each chapter's terminal script apart; tests that would meet on the engine take
# turns through dockyard/locks.py; a third worker uses the time the others wait on containers and locks).
# --no-loadscope-reorder keeps the order the plugin gives (tests/support/schedule.py): step 1's longest
# units first, so that no worker starts one near the end, and step 2's notebooks truly shuffled, where
# xdist would sort them by their number of cells:
# 1. unit tests (exercise checks against wrong and right states), the sample app's tests, the
#    engine-down tests, every chapter's terminal script, the built book in Chromium, and a chapter in
#    JupyterLab as `make lab` starts it;
# 2. every notebook under strict nbval, in a shuffled order (the seed is in the header), each first
#    run part-way in a kernel of its own and killed (--kill-first), so the strict run is the run again
#    after an interruption; recorded (--record-run): a learner's own resources planted first, the usual
#    ports taken, a census around each notebook, every course container inspected as it starts;
# 3. tests/final judges that run, even when a notebook failed, and removes the planted resources.
# WORKERS=0 runs steps 1 and 2 in a single process.
WORKERS ?= 3
# Each step writes a JUnit report to _build/test-reports/, which `make bench` sums up.
PYTEST_PARALLEL = $(BIN)/pytest -n $(WORKERS) --dist loadfile --no-loadscope-reorder
REPORT = --junitxml=_build/test-reports
# Every turn of a lock is logged (DOCKYARD_LOCK_LOG, dockyard/locks.py), for make bench.
test: export DOCKYARD_LOCK_LOG = $(CURDIR)/_build/test-reports/locks.jsonl
test: setup $(LAB_STAMP)
	rm -rf _build/test-reports && mkdir -p _build/test-reports
	$(BIN)/python -m tests.support.browser
	$(PYTEST_PARALLEL) $(REPORT)/1-tests-scripts-book.xml tests/terminal tests/book tests/lab tests/unit \
		sample-app/tests tests/reliability
	$(PYTEST_PARALLEL) $(REPORT)/2-notebooks.xml --record-run --kill-first --notebook-order shuffle \
		--nbval $(NOTEBOOKS); notebooks=$$?; \
		$(BIN)/pytest $(REPORT)/3-final.xml tests/final && exit $$notebooks

# The flake proof, run before resolving work that touched a notebook (not in CI: about 28 minutes):
# every notebook five times in a row, each run in its own shuffled order on the same workers as make
# test; lists any cell that failed even once (tests/support/soak.py).
soak: setup
	$(BIN)/python -m tests.support.soak --runs 5 --workers $(WORKERS)

# Re-run one notebook in place after editing it, storing real outputs and widget state.
execute: setup
	$(BIN)/jupyter execute --inplace $(NB)

# Work through the notebooks in JupyterLab (its pins are in requirements/lab.txt), as root or not,
# with no news pop-up and no update checks (tools/lab.py).
lab: setup $(LAB_STAMP)
	$(BIN)/python -m tools.lab --notebook-dir=.

lint: $(STAMP)
	$(BIN)/ruff check dockyard tests tools sample-app conftest.py
	$(BIN)/python -m tools.lint

bench: setup
	$(BIN)/python -m tools.bench --bundle

# Check this machine for the course: engine, a container, a published port, plugins, disk, images,
# ports, Python and pins; one row each with its fix (dockyard/doctor.py); fails when a check fails.
.PHONY: doctor
doctor: $(STAMP)
	$(BIN)/python -m dockyard doctor

clean:
	rm -rf _build

# The classroom (instructors/classroom.md): JupyterHub with a private Docker engine per learner. The
# hub's venv and its proxy live in classroom/; the smoke test builds the two classroom images, spawns
# two learners, runs chapter 1's first cells in each, checks that neither reaches the other's engine,
# and leaves no labelled container, network or volume behind.
CLASSROOM_STAMP := classroom/.venv/.installed

$(CLASSROOM_STAMP): classroom/requirements.txt classroom/package.json classroom/package-lock.json
	test -x classroom/.venv/bin/python || $(PYTHON) -m venv classroom/.venv
	classroom/.venv/bin/pip install --quiet --disable-pip-version-check --require-hashes -r classroom/requirements.txt
	cd classroom && npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: classroom-test
classroom-test: setup $(CLASSROOM_STAMP)
	$(BIN)/python classroom/smoke.py

# The engine's part of the suite for arm64 (README, "arm64"), as root: a second engine from the same
# binaries in its own network namespace, arm64 stand-ins built under emulation (qemu-user-static),
# then unit tests, every notebook, the terminal scripts and the final checks against it; all of it
# undone afterwards, and the main engine compared with how it was (tools/rehearsal/). setup first:
# the comparison needs the main engine answering, and the second engine runs its binaries.
.PHONY: test-arm64
test-arm64: setup
	$(BIN)/python -m tools.rehearsal --platform linux/arm64

# The engine's notebooks on the classic image store (overlay2: engines older than 29, and installs that
# kept it), on a second engine beside the main one, with a /tmp of its own (README, Prerequisites).
# The main engine that make test starts uses the containerd image store. setup first.
.PHONY: test-classic
test-classic: setup
	$(BIN)/python -m tools.rehearsal --platform linux/amd64 --store overlay2 --keep -- \
		-n 2 --dist loadfile --nbval chapters exercises
