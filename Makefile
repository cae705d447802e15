# errspec — developer commands. Needs only Python >= 3.11 and make.
#   make demo   set up .venv, install errspec, run it on the bundled example
#   make test   set up .venv with the test extras and run what CI runs
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip --disable-pip-version-check --quiet
DEMO   := .errspec-demo

.PHONY: help demo test lint typecheck pytest generate check-generated clean

help:
	@echo "make demo      install errspec in .venv and run it on examples/"
	@echo "make test      everything CI runs: ruff, mypy, pytest (incl. the wheel install check)"
	@echo "make generate  regenerate schemas/*/openapi-3.{0,1}.yaml from schema + profile"
	@echo "make clean     remove .venv and build output"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "errspec needs Python >= 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed-runtime: pyproject.toml | $(PY)
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-examples: pyproject.toml | $(PY)
	$(PIP) install -e '.[examples]'
	@touch $@ $(VENV)/.installed-runtime

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -e '.[test]'
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

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test
	$(BIN)/pytest

test: lint typecheck pytest

generate: $(VENV)/.installed-runtime
	$(PY) -m errspec._generate

check-generated: $(VENV)/.installed-runtime
	$(PY) -m errspec._generate --check

clean:
	rm -rf $(VENV) dist build $(DEMO) .mypy_cache .ruff_cache .pytest_cache examples/.hypothesis
