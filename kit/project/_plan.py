"""Quelles étapes peuvent tourner pour une collectivité : ce que chaque notebook lit dans la
configuration, et ce qui manque quand il ne peut pas encore tourner (``python -m kit rapport``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.workspace import expand_sources

__all__ = ["NOTEBOOKS", "Step", "plan_steps"]

#: Notebooks de la méthode, dans l'ordre, avec leur titre pour l'index des rapports.
NOTEBOOKS = {
    "00_demarrage": "Démarrage : fichiers des services",
    "01_diagnostic": "Étape 1 — Diagnostic",
    "02_priorisation": "Étape 2 — Priorisation des cas d'usage",
    "03_indicateurs": "Étape 3 — Indicateurs",
    "04_benchmark": "Étape 4 — Comparaison avec des territoires semblables",
    "05_comite": "Étape 5 — Comité de pilotage",
}
#: Pour chaque notebook : (section, clé, modèle attendu dans un dossier, ce que c'est).
_NEEDS: dict[str, list[tuple[str, str, str | None, str]]] = {
    "01_diagnostic": [("diagnostic", "inventaires", "inventaire_donnees",
                       "les inventaires des données des services (inventaire_donnees.xlsx)"),
                      ("diagnostic", "maturite", "questionnaire_maturite",
                       "les questionnaires de maturité (questionnaire_maturite.xlsx)")],
    "02_priorisation": [("priorisation", "cas_usage", "cas_usage",
                         "les cas d'usage candidats (cas_usage.xlsx)"),
                        ("priorisation", "groupe_travail", "groupe_travail",
                         "le groupe de travail (groupe_travail.xlsx)")],
    "03_indicateurs": [("indicateurs", "catalogue", "catalogue_indicateurs",
                        "le catalogue des indicateurs (catalogue_indicateurs.xlsx)")],
    "04_benchmark": [("benchmark", "indicateurs", None,
                      "les valeurs des territoires comparés (export OFGL, DGFiP ou tableau)")],
    "05_comite": [("diagnostic", "inventaires", "inventaire_donnees",
                   "les inventaires des données des services"),
                  ("diagnostic", "maturite", "questionnaire_maturite",
                   "les questionnaires de maturité"),
                  ("indicateurs", "catalogue", "catalogue_indicateurs",
                   "le catalogue des indicateurs")],
}


@dataclass(frozen=True)
class Step:
    """Un notebook et ce qu'il lui faut : ``ready`` ou la raison en français."""

    notebook: str
    title: str
    ready: bool
    reason: str


def _present(config: dict[str, Any], section: str, key: str, template: str | None) -> bool:
    value = (config.get(section) or {}).get(key)
    if isinstance(value, dict):  # maturité : une campagne → un dossier
        return any(_present({section: {key: v}, "_dossier": config.get("_dossier", ".")},
                            section, key, template) for v in value.values())
    if not value:
        return False
    path = Path(config.get("_dossier", ".")) / str(value)
    if not path.exists():
        return False
    return bool(expand_sources(path, template=template)) if path.is_dir() else True


def plan_steps(config: dict[str, Any]) -> list[Step]:
    """Notebooks que la configuration permet d'exécuter, et sinon le fichier qui manque.

    Parameters
    ----------
    config
        Configuration lue par `kit.workspace.load_config`.

    Returns
    -------
    list[Step]
        Un élément par notebook, dans l'ordre de la méthode.
    """
    steps = []
    for notebook, title in NOTEBOOKS.items():
        if notebook == "00_demarrage":
            ok = bool(config.get("fichiers"))
            why = "" if ok else ("aucun fichier de service listé dans « fichiers » de la "
                                 "configuration")
            steps.append(Step(notebook, title, ok, why))
            continue
        missing = [what for section, key, template, what in _NEEDS[notebook]
                   if not _present(config, section, key, template)]
        reason = "" if not missing else (
            "il manque " + " et ".join(missing) + " : déposez le fichier et indiquez-le dans la "
            "configuration")
        steps.append(Step(notebook, title, not missing, reason))
    return steps
