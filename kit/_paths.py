"""Chemins du dépôt : la racine du projet (dossier qui contient le paquet `kit`).

Un seul endroit calcule la racine ; les modèles (`templates/`), les exemples (`data/samples/`)
et les rapports (`reports/`) en dépendent.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PROJECT_ROOT", "REPORTS_DIR", "SAMPLES_DIR", "TEMPLATES_DIR"]

#: Racine du projet (dossier qui contient le paquet `kit`).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Données d'exemple de la collectivité fictive (Clairval).
SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"
#: Modèles à remplir, générés depuis les schémas.
TEMPLATES_DIR = PROJECT_ROOT / "templates"
#: Rapports produits par `python -m kit demo`.
REPORTS_DIR = PROJECT_ROOT / "reports"
