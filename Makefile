# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test lint format translations bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo
	@echo "Open http://127.0.0.1:5000 and sign in, for example, as coordinator@example.org"
	@echo "Demo accounts (password nrm-demo-password): police@, inspector@, doctor@, ngo@,"
	@echo "teacher@, coordinator@, auditor@ and admin@example.org. Stop with Ctrl+C."
	@echo
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(STAMP) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract every marked string, merge it into each catalog and compile the catalogs.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output --project referral .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations --statistics

# Speed and memory figures (not pass/fail tests): audit verification as the chain grows.
bench: $(STAMP)
	PYTHONPATH=. $(BIN)/python tests/benchmarks/bench_audit.py

clean:
	rm -rf $(VENV) instance
