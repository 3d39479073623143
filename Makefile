# Two commands for a fresh machine (Python 3.11+ with venv):
#   make demo   install circolari in .venv and render the bundled examples into out/
#   make test   install the test extras, lint (ruff, config in pyproject.toml) and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench clean

demo: $(VENV)/.installed
	$(BIN)/circolari render examples/
	$(BIN)/circolari render examples/serie/

# PYTHONDONTWRITEBYTECODE= : compiled modules and pytest's rewritten test modules are kept in the
# (gitignored) __pycache__ folders even where the environment turns that off; without them each
# test worker and each subprocess compiles every module again (4-5 s of CPU per worker).
test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n auto --dist worksteal  # one worker per core; an idle worker takes half of the busy one's tests

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py
	$(BIN)/python bench/bench_coldstart.py
	$(BIN)/python bench/bench_finish.py
	$(BIN)/python bench/bench_write.py
	$(BIN)/python bench/bench_mail.py
	$(BIN)/python bench/bench_check.py
	$(BIN)/python bench/bench_pdfa_check.py
	$(BIN)/python bench/bench_tags.py
	$(BIN)/python bench/bench_review.py
	$(BIN)/python bench/bench_verify.py
	$(BIN)/python bench/bench_tsa.py
	$(BIN)/python bench/bench_sign_key.py
	$(BIN)/python bench/bench_cold_commands.py
	$(BIN)/python bench/bench_ipa.py
	$(BIN)/python bench/bench_series.py
	$(BIN)/python bench/bench_series_small.py
	$(BIN)/python bench/bench_hostile.py
	$(BIN)/python bench/bench_inprocess.py
	$(BIN)/python bench/bench_input.py
	$(BIN)/python bench/bench_suite.py
	$(BIN)/python bench/bench_tmp.py

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) out
