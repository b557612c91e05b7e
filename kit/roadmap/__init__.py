"""Feuille de route du projet de données : qui fait quoi, pour quand, avec quel argent.

Le classeur ``feuille_de_route.xlsx`` (modèle du dossier ``templates/``) a trois feuilles :
« Actions et jalons », « Budget » et « Risques ». `load_roadmap` les lit et les valide,
`check_roadmap` cherche ce qui doit remonter au comité de pilotage (chaque problème cite sa
cellule) : cas d'usage ou dépendance inconnus, dépendances en boucle, échéance avant le début,
« fait » sans date de fin, actions en retard à la date du comité, actions sans pilote, postes
sans source de financement, dossiers de financement à déposer bientôt (60 jours par défaut),
engagé au-delà du planifié. `late_actions`, `due_before`, `budget_by_source` et `risk_matrix`
préparent les tableaux du comité ; `run_roadmap` lit la section ``feuille_de_route`` de la
configuration ::

    feuille_de_route:
      fichier: feuille_de_route/feuille_de_route.xlsx
      date: '2026-01-15'             # date du comité (défaut : indicateurs.date)
      prochain_comite: '2026-02-16'  # défaut : un mois plus tard
      delai_depot_jours: 60          # alerte sur les dossiers de financement

Hypothèse : une action est « en retard » si son statut le dit, ou si son échéance est passée
alors qu'elle n'est ni « fait » ni « abandonné ».
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kit.errors import ConfigError
from kit.roadmap._checks import (
    CLOSED,
    DONE,
    check_actions,
    check_budget,
    check_risks,
    cycles,
    is_late,
)
from kit.schemas import load_schema
from kit.workspace import load_many, problems_frame, section_paths

__all__ = ["CLOSED", "DONE", "FUNDING_SOURCES", "SHEETS", "Roadmap", "budget_by_source",
           "check_roadmap", "cycles", "due_before", "late_actions", "load_roadmap",
           "risk_matrix", "run_roadmap"]

#: Feuilles du classeur → schéma (même ordre que le modèle ``feuille_de_route.xlsx``).
SHEETS = {"Actions et jalons": "feuille_de_route", "Budget": "feuille_de_route_budget",
          "Risques": "feuille_de_route_risques"}
#: Sources de financement permises, dans l'ordre du modèle.
FUNDING_SOURCES: list[str] = next(
    f["constraints"]["enum"] for f in load_schema("feuille_de_route_budget")["fields"]
    if f["name"] == "source_financement")
#: Jours avant la date limite de dépôt d'un dossier de financement à partir desquels on alerte.
DEADLINE_DAYS = 60
_NO_SOURCE = "non renseignée"
_AMOUNTS = ["montant_planifie", "montant_engage", "montant_paye"]


@dataclass
class Roadmap:
    """Feuille de route lue et contrôlée."""

    #: une action ou un jalon par ligne (colonnes du schéma ``feuille_de_route``, plus
    #: fichier, feuille, ligne)
    actions: pd.DataFrame
    #: un poste de dépense par ligne (schéma ``feuille_de_route_budget``)
    budget: pd.DataFrame
    #: un risque par ligne (schéma ``feuille_de_route_risques``)
    risks: pd.DataFrame
    #: problèmes (fichier, feuille, cellule, ligne, colonne, valeur, code, niveau, message)
    problems: pd.DataFrame
    #: date du comité à laquelle la feuille de route est lue (None : pas de contrôle des retards)
    date: dt.date | None = None
    #: date du prochain comité
    next_committee: dt.date | None = None
    deadline_days: int = DEADLINE_DAYS
    use_cases: list[str] | None = field(default=None)
    #: problèmes de lecture seuls (ceux de `load_roadmap`), repris par `check_roadmap`
    read_problems: pd.DataFrame | None = None


def load_roadmap(path: str | Path) -> Roadmap:
    """Lit et valide les trois feuilles du classeur de la feuille de route.

    Une feuille absente ou illisible donne un problème « fichier-illisible » et un tableau
    vide : les autres feuilles sont lues.

    Examples
    --------
    >>> import tempfile
    >>> from kit.templates import WORKBOOKS, write_workbook_template
    >>> chemin = write_workbook_template(WORKBOOKS["feuille_de_route"],
    ...                                  Path(tempfile.mkdtemp()) / "fdr.xlsx")
    >>> fdr = load_roadmap(chemin)
    >>> len(fdr.actions), len(fdr.budget), fdr.problems.empty
    (0, 0, True)
    """
    tables, problems = {}, []
    for sheet, schema in SHEETS.items():
        table, found = load_many(path, schema, sheet=sheet)
        tables[schema] = table
        problems.append(found)
    return Roadmap(actions=tables["feuille_de_route"], budget=tables["feuille_de_route_budget"],
                   risks=tables["feuille_de_route_risques"], problems=problems_frame(problems),
                   read_problems=problems_frame(problems))


def check_roadmap(roadmap: Roadmap, date: dt.date | None = None,
                  use_cases: Iterable[str] | None = None,
                  deadline_days: int | None = None) -> pd.DataFrame:
    """Contrôles de la feuille de route à la date `date` (par défaut ``roadmap.date``).

    Parameters
    ----------
    roadmap
        Sortie de `load_roadmap`.
    date
        Date du comité : actions en retard à cette date, dossiers à déposer bientôt.
    use_cases
        Codes des cas d'usage de l'étape 2 ; None : pas de contrôle des codes.
    deadline_days
        Alerte quand la date limite de dépôt d'un financement demandé est à moins de ce nombre
        de jours (défaut ``roadmap.deadline_days``, 60).

    Returns
    -------
    pandas.DataFrame
        Problèmes de lecture et de contrôle, colonnes `kit.validation.PROBLEM_COLUMNS`.
    """
    date = date if date is not None else roadmap.date
    use_cases = use_cases if use_cases is not None else roadmap.use_cases
    days = deadline_days if deadline_days is not None else roadmap.deadline_days
    found = [*check_actions(roadmap.actions, date, use_cases),
             *check_budget(roadmap.budget, date, days, use_cases),
             *check_risks(roadmap.risks)]
    read = roadmap.read_problems if roadmap.read_problems is not None else roadmap.problems
    return problems_frame([read, *found])


def _actions_view(actions: pd.DataFrame, mask: pd.Series, date: dt.date) -> pd.DataFrame:
    out = actions.loc[mask, ["identifiant", "titre", "pilote", "echeance", "statut"]].copy()
    due = pd.to_datetime(out["echeance"])
    out["jours_de_retard"] = (pd.Timestamp(date) - due).dt.days.clip(lower=0).astype("Int64")
    return out.reset_index(drop=True)


def late_actions(roadmap: Roadmap | pd.DataFrame, date: dt.date) -> pd.DataFrame:
    """Actions en retard à `date` : identifiant, titre, pilote, échéance, statut et jours de
    retard (0 quand le statut « en retard » précède l'échéance)."""
    actions = roadmap.actions if isinstance(roadmap, Roadmap) else roadmap
    mask = pd.Series([is_late(r, date) for _, r in actions.iterrows()], index=actions.index,
                     dtype=bool)
    return _actions_view(actions, mask, date)


def due_before(roadmap: Roadmap | pd.DataFrame, date: dt.date,
               today: dt.date | None = None) -> pd.DataFrame:
    """Actions ni faites ni abandonnées dont l'échéance tombe au plus tard le `date` (le
    prochain comité), regroupées par pilote puis par échéance ; ``en_retard`` dit celles déjà
    en retard le `today` (par défaut ``roadmap.date``)."""
    actions = roadmap.actions if isinstance(roadmap, Roadmap) else roadmap
    if today is None and isinstance(roadmap, Roadmap):
        today = roadmap.date
    due = pd.to_datetime(actions["echeance"])
    mask = (due <= pd.Timestamp(date)) & ~actions["statut"].astype(object).isin(CLOSED)
    out = actions.loc[mask, ["pilote", "identifiant", "titre", "echeance", "statut"]].copy()
    out["pilote"] = out["pilote"].fillna("sans pilote")
    out["en_retard"] = [today is not None and is_late(r, today)
                        for _, r in actions.loc[mask].iterrows()]
    return out.sort_values(["pilote", "echeance", "identifiant"], kind="stable"
                           ).reset_index(drop=True)


def budget_by_source(roadmap: Roadmap | pd.DataFrame) -> pd.DataFrame:
    """Montants planifiés, engagés et payés (€ HT) et nombre de postes par source de
    financement, dans l'ordre de `FUNDING_SOURCES` ; les postes sans source sont comptés à
    part (« non renseignée »). Une ligne « Total » termine le tableau."""
    budget = roadmap.budget if isinstance(roadmap, Roadmap) else roadmap
    source = budget["source_financement"].astype(object).where(
        budget["source_financement"].notna(), _NO_SOURCE)
    amounts = budget[_AMOUNTS].apply(pd.to_numeric, errors="coerce").astype(float)
    grouped = amounts.groupby(source).sum()
    grouped["postes"] = source.value_counts()
    order = [s for s in [*FUNDING_SOURCES, _NO_SOURCE] if s in grouped.index]
    out = grouped.reindex(order).rename_axis("source_financement").reset_index()
    total = {"source_financement": "Total", **{c: amounts[c].sum() for c in _AMOUNTS},
             "postes": len(budget)}
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    out["postes"] = out["postes"].astype(int)
    return out


def risk_matrix(roadmap: Roadmap | pd.DataFrame) -> pd.DataFrame:
    """Nombre de risques non clos par probabilité (lignes, de 4 à 1) et impact (colonnes, de 1
    à 4), comme on lit une matrice des risques : les plus graves en haut à droite."""
    risks = roadmap.risks if isinstance(roadmap, Roadmap) else roadmap
    open_ = risks[(risks["statut"].fillna("").astype(str) != "clos") & risks["probabilite"].notna()
                  & risks["impact"].notna()]
    counts = pd.crosstab(open_["probabilite"].astype(int), open_["impact"].astype(int))
    out = counts.reindex(index=[4, 3, 2, 1], columns=[1, 2, 3, 4], fill_value=0).astype(int)
    out.index.name, out.columns.name = "probabilité", "impact"
    return out


def _date(value: Any, key: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"« feuille_de_route.{key} » : une date AAAA-MM-JJ est attendue, "
                          f"reçu {value!r}.") from None


def _use_case_codes(config: dict[str, Any]) -> list[str] | None:
    if not (config.get("priorisation") or {}).get("cas_usage"):
        return None
    _, paths = section_paths(config, "priorisation", {"cas_usage": "fichier des cas d'usage"})
    cases, _ = load_many(paths["cas_usage"], "cas_usage")  # problèmes signalés à l'étape 2
    return [str(c) for c in cases["code"].dropna()]


def run_roadmap(config: dict[str, Any], date: dt.date | None = None) -> Roadmap:
    """Lit la section ``feuille_de_route`` de la configuration et contrôle la feuille de route.

    Clés : ``fichier`` (classeur), ``date`` (date du comité ; défaut : `date`, sinon
    ``indicateurs.date``, sinon ``diagnostic.date``), ``prochain_comite`` (défaut : un mois
    plus tard), ``delai_depot_jours`` (défaut 60). Les codes des cas d'usage viennent du
    fichier ``priorisation.cas_usage`` s'il est configuré.

    Raises
    ------
    ConfigError
        Section ou clé ``fichier`` absente, fichier introuvable, date illisible.
    """
    section, paths = section_paths(config, "feuille_de_route",
                                   {"fichier": "classeur de la feuille de route"})
    day = _date(section.get("date"), "date") or date
    for other in ("indicateurs", "diagnostic"):
        day = day or _date((config.get(other) or {}).get("date"), "date")
    following = _date(section.get("prochain_comite"), "prochain_comite")
    if following is None and day is not None:
        following = (pd.Timestamp(day) + pd.DateOffset(months=1)).date()
    roadmap = load_roadmap(paths["fichier"])
    roadmap.date, roadmap.next_committee = day, following
    roadmap.deadline_days = int(section.get("delai_depot_jours", DEADLINE_DAYS))
    roadmap.use_cases = _use_case_codes(config)
    roadmap.problems = check_roadmap(roadmap)
    return roadmap
