# GridSafety: `make run` for the demo portal, `make test` for the suite.
# Both create .venv and install what they need on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-e2e install lint messages check-deploy bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

## The portal with the demo school: web, Celery worker and beat. Ctrl-C stops all three.
run: $(VENV)/.installed-run
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py escalate
	PY=$(PY) scripts/run-dev.sh

## The whole suite. Browser, PostgreSQL and Redis tests skip with a reason where those are absent.
test: $(VENV)/.installed-test
	$(PY) -m pytest $(PYTEST_ARGS)

## Only the browser tests.
test-e2e: $(VENV)/.installed-test
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

## Issue 6's benchmark, ours and django-helpdesk's, one table (bench/README.md).
## make bench ARGS="--engine postgres"   or   ARGS="--hazards 5000 --runs 5 --skip-peer"
bench: $(VENV)/.installed-test
	$(PY) -m bench $(ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

## Refresh the translation catalogue, then compile it (commit both .po and .mo).
messages: $(VENV)/.installed-run
	DEBUG=1 $(PY) manage.py makemessages --locale zh_Hans --no-location --no-obsolete --extension html,txt,py,md --ignore ".venv/*" --ignore "var/*"
	DEBUG=1 $(PY) manage.py compilemessages --locale zh_Hans --ignore ".venv/*"

check-deploy: $(VENV)/.installed-run
	DEBUG=0 SECRET_KEY=$$(openssl rand -hex 32 2>/dev/null || echo check-deploy-$$RANDOM-$$RANDOM-$$RANDOM-$$RANDOM-$$RANDOM) \
	  ALLOWED_HOSTS=safety.example.edu.cn $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var *.egg-info
