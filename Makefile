# kit-territoires — deux commandes sur une machine neuve : `make demo` et `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installe

.PHONY: help install demo test bench samples templates clean

help: ## Affiche cette aide
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 > /dev/null
	touch $(STAMP)

install: $(STAMP) ## Crée .venv et installe le kit (mode éditable)

demo: $(STAMP) ## Exécute tous les notebooks sur data/samples et écrit les rapports HTML dans reports/
	$(BIN)/python -m kit demo

test: $(STAMP) ## Lance toute la suite de tests, dont nbval sur chaque notebook
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest tests kit --doctest-modules
	$(BIN)/python -m pytest --nbval-lax notebooks -p no:cacheprovider

bench: $(STAMP) ## Lance les bancs d'essai de benchmarks/ (kit contre la référence de chaque issue)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

samples: $(STAMP) ## Régénère les fichiers d'exemple de data/samples
	$(BIN)/python -m tools.samples

templates: $(STAMP) ## Régénère les modèles à remplir de templates/ depuis kit/schemas
	$(BIN)/python -m kit.templates

clean: ## Supprime .venv et reports/
	rm -rf $(VENV) reports
