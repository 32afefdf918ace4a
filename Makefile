# One-command set-up: every target creates .venv and installs grokdesk into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint typecheck unit keyring-test xvfb-test bench bundle deb \
	install-desktop fuzz clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/grokdesk

lint: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# The unit and widget tests run in two worker processes (pytest-xdist); each has its own
# QApplication. A worker that dies is reported with the test it was running.
UNIT := QT_QPA_PLATFORM=offscreen $(BIN)/pytest -n 2 -m "not keyring_integration and not xvfb and not packaging"

unit: $(STAMP)
	$(UNIT)

keyring-test: $(STAMP)
	tests/keyring_integration/run.sh $(BIN)/pytest

xvfb-test: $(STAMP)
	tests/xvfb/run.sh $(BIN)/pytest

test: $(STAMP)
	$(BIN)/ruff check
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(UNIT)
	tests/keyring_integration/run.sh $(BIN)/pytest
	tests/xvfb/run.sh $(BIN)/pytest
	packaging/ci-bundle.sh $(BIN)

bundle: $(STAMP)
	$(BIN)/pyinstaller packaging/grokdesk.spec --noconfirm --distpath dist --workpath build/pyinstaller

deb: bundle
	packaging/linux/build-deb.sh dist/grokdesk dist

install-desktop: $(STAMP)
	packaging/linux/install-desktop.sh $(CURDIR)/$(BIN)/grokdesk

# Long random fuzzing; the short fixed-seed run (50 examples each) is part of `make test`.
FUZZ_EXAMPLES ?= 5000
fuzz: $(STAMP)
	GROKDESK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/fuzz -q --timeout=0

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
