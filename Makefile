# The two commands of the README: `make run` and `make test`.
# Both create .venv when missing and (re)install the project when pyproject.toml or the compiled scanner changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ARGS   ?=
PYTEST_ARGS ?=

.PHONY: run test proto bench clean help chromium

help:
	@echo "make run  [ARGS='hydra overrides']  set up .venv and run the default job"
	@echo "make test [PYTEST_ARGS=...]         set up .venv with the test extra, lint (ruff), run the suite"
	@echo "make proto                          regenerate tradesys/messages/*_pb2.py from the .proto files"
	@echo "make bench                          run the benchmarks in bench/"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tradesys needs Python >= 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

# setup.py builds the one compiled module (the book-level scanner): a change to it reinstalls, which rebuilds.
BUILT  := pyproject.toml setup.py tradesys/venue/_levelscan.c

$(VENV)/.installed-run: $(BUILT) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: $(BUILT) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/python run.py $(ARGS)

# The run report's test opens its pages in headless Chromium, from Debian's packages (as root, as CI runs).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium (Debian package) for the report test"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "the tests need chromium: run make test as root on Debian, or install it (apt-get install chromium)"; \
	    exit 1; fi; }

test: $(VENV)/.installed-test chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

proto: $(VENV)/.installed-test
	$(BIN)/python -m tradesys.messages.generate

bench: $(VENV)/.installed-test
	$(BIN)/python bench/bus.py
	$(BIN)/python bench/json_decode.py
	$(BIN)/python bench/sim.py
	$(BIN)/python bench/binance_md.py
	$(BIN)/python bench/strategy_path.py
	$(BIN)/python bench/deribit_md.py
	$(BIN)/python bench/grvt_md.py
	$(BIN)/python bench/order_table.py
	$(BIN)/python bench/budget.py
	$(BIN)/python bench/order_rtt.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/replay_pipeline.py
	$(BIN)/python bench/recorder_load.py
	$(BIN)/python bench/replay_speed.py
	$(BIN)/python bench/backtest_speed.py
	$(BIN)/python bench/sweep_speedup.py
	@if [ "$$(id -u)" = 0 ]; then $(BIN)/python bench/scale.py; \
	else echo "bench/scale.py not run: it makes network namespaces, run it as root"; fi

clean:
	rm -rf $(VENV) .venv-cryptofeed outputs multirun .pytest_cache build
	find tradesys -name '*.so' -delete
