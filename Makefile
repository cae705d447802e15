# errspec — developer commands. Needs only Python >= 3.11 and make.
#   make demo   set up .venv, install errspec, run it on the bundled example
#   make test   set up .venv with the test extras and run what CI runs
#
# Both install from the committed lock (constraints/lock.txt: every package, build tools
# included, pinned), so a fresh clone gets today's versions next month too. The package's
# own dependency ranges in pyproject.toml stay loose for users. `make lock` refreshes the
# lock from the newest releases; `make test-latest` runs the suite against them unpinned,
# so drift is seen on purpose.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip --disable-pip-version-check --quiet
DEMO   := .errspec-demo
LOCK   := constraints/lock.txt
# How packages are pinned: by the lock (default), or not at all (test-latest).
PINS   ?= --constraint $(LOCK)
# The wheel test installs the built wheel with the same pins (empty: unpinned).
export ERRSPEC_LOCK ?= $(CURDIR)/$(LOCK)

.PHONY: help demo test test-latest fuzz mutate lock lint typecheck pytest generate check-generated clean

help:
	@echo "make demo         install errspec in .venv and run it on examples/"
	@echo "make test         everything CI runs: ruff, mypy, pytest (incl. the wheel install check)"
	@echo "make test-latest  the same in .venv-latest against the newest releases (no lock)"
	@echo "make fuzz         the fuzz tests with many random examples (FUZZ_EXAMPLES=$(FUZZ_EXAMPLES))"
	@echo "make mutate       a mutation run over the core modules: which small bugs no test notices"
	@echo "make lock         refresh $(LOCK) from the newest releases"
	@echo "make generate     regenerate schemas/*/openapi-3.{0,1}.yaml from schema + profile"
	@echo "make clean        remove .venv, .venv-latest and build output"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "errspec needs Python >= 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

# The build tools, pinned: errspec itself is built without build isolation by this
# hatchling (an isolated build would fetch the newest hatchling on every fresh clone).
$(VENV)/.installed-build: $(LOCK) | $(PY)
	$(PIP) install --upgrade $(PINS) pip hatchling editables
	@touch $@

$(VENV)/.installed-runtime: pyproject.toml $(LOCK) $(VENV)/.installed-build
	$(PIP) install $(PINS) --no-build-isolation -e .
	@touch $@

$(VENV)/.installed-examples: pyproject.toml $(LOCK) $(VENV)/.installed-build
	$(PIP) install $(PINS) --no-build-isolation -e '.[examples]'
	@touch $@ $(VENV)/.installed-runtime

$(VENV)/.installed-test: pyproject.toml $(LOCK) $(VENV)/.installed-build
	$(PIP) install $(PINS) --no-build-isolation -e '.[test]'
	@touch $@ $(VENV)/.installed-runtime $(VENV)/.installed-examples

demo: $(VENV)/.installed-examples
	@echo "== the envelope catalogue"
	$(BIN)/errspec envelopes
	@echo
	@echo "== one envelope: what errspec knows about it"
	$(BIN)/errspec envelopes error-string
	@echo
	@echo "== export OpenAPI 3.1 components to $(DEMO)/"
	@rm -rf $(DEMO)
	$(BIN)/errspec components problem-details --openapi 3.1 -o $(DEMO)/problem-details.openapi-3.1.yaml
	$(BIN)/errspec components problem-details --openapi 3.0 -o $(DEMO)/problem-details.openapi-3.0.yaml
	@echo
	@echo "== the worked example spec \$$refs errspec's components by relative path: lint is clean"
	$(PY) examples/validate_example.py
	$(BIN)/errspec lint examples/openapi.yaml
	@echo
	@echo "== lint an older spec of the same API (exit 1: findings)"
	$(BIN)/errspec lint examples/legacy-api.yaml || test $$? -eq 1
	@echo
	@echo "== check the example API's recorded error responses (exit 1: findings)"
	$(BIN)/errspec check examples/responses/* --envelope problem-details || test $$? -eq 1
	@echo
	@echo "== which envelope is each response in?"
	$(BIN)/errspec detect examples/responses/*
	@echo
	@echo "== recorded traffic against the spec: each entry checked against its operation (exit 1)"
	$(BIN)/errspec check examples/traffic.har --spec examples/openapi.yaml || test $$? -eq 1
	@echo
	@echo "== the example app's own test suite (examples/tests): errspec's pytest plugin,"
	@echo "== spec-aware checks and schemathesis catch the app's planted defect (exit 1)"
	cd examples && { ../$(BIN)/python -m pytest -p no:cacheprovider; status=$$?; rm -rf .hypothesis; \
	  test $$status -eq 1 || { echo "expected the suite to fail on the planted defect (exit 1), got $$status"; exit 1; }; }
	@echo
	@echo "== the defect fixed (TASKS_APP_DEFECT=0: the 404 goes through errspec's handlers"
	@echo "== like every other error): the same suite passes"
	cd examples && { TASKS_APP_DEFECT=0 ../$(BIN)/python -m pytest -q -p no:cacheprovider; status=$$?; rm -rf .hypothesis; exit $$status; }

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test
	$(BIN)/pytest

test: lint typecheck pytest

# The fuzz tests with many random (not derandomized) examples; `make test` runs a few
# deterministic ones. A failure prints the input that reproduces it.
FUZZ_EXAMPLES ?= 3000
fuzz: $(VENV)/.installed-test
	ERRSPEC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:cacheprovider tests/test_fuzz.py
	ERRSPEC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:cacheprovider tests/test_yamlfast.py \
		-k "dumped or handwritten"

# A mutation run (bench/mutate.py) over the committed tree: lists the mutants no test kills.
MUTATE ?= errspec/_rules.py errspec/_http.py errspec/_pointer.py errspec/_lint.py errspec/_spec.py
mutate: $(VENV)/.installed-test
	$(PY) bench/mutate.py $(MUTATE) --per-file 40

# The suite against the newest releases of everything, in its own venv: drift on purpose.
test-latest:
	$(MAKE) test VENV=.venv-latest PINS="--upgrade --upgrade-strategy eager" ERRSPEC_LOCK=

# Refresh the lock: resolve the test, examples and schemathesis extras afresh in a
# throw-away venv and pin what got installed (pip, setuptools, hatchling and editables included).
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip hatchling editables
	.venv-lock/bin/python -m pip install --quiet '.[test,examples,schemathesis]'
	@mkdir -p $(dir $(LOCK))
	{ echo "# errspec's development lock: make test and make demo install exactly these."; \
	  echo "# Refreshed by \`make lock\` (pip freeze of a fresh venv, Python $$(.venv-lock/bin/python -c 'import platform; print(platform.python_version())'))."; \
	  .venv-lock/bin/python -m pip freeze --all --exclude errspec; } > $(LOCK)
	rm -rf .venv-lock
	@echo "wrote $(LOCK): review the diff, run make test, commit it"

generate: $(VENV)/.installed-runtime
	$(PY) -m errspec._generate

check-generated: $(VENV)/.installed-runtime
	$(PY) -m errspec._generate --check

clean:
	rm -rf .venv .venv-latest .venv-lock dist build $(DEMO) .mypy_cache .ruff_cache .pytest_cache examples/.hypothesis
