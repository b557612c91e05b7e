"""Contrôles de la feuille de route (usage interne de `kit.roadmap`) : chaque problème cite sa
cellule (fichier, feuille, « H12 »), comme partout dans le kit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from kit._format import fmt_date, fmt_number
from kit.workspace import row_problem, split_ids

__all__ = [
    "CLOSED",
    "DONE",
    "check_actions",
    "check_budget",
    "check_risks",
    "cycles",
    "is_late",
]

#: Statut d'une action finie ; statuts d'une action qui n'est plus attendue.
DONE = "fait"
CLOSED = ("fait", "abandonné")


def _text(value: Any) -> str:
    """Texte d'une cellule (« » si vide : pd.NA ne se compare pas)."""
    return value.strip() if isinstance(value, str) else ""


def _day(value: Any) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def is_late(row: pd.Series, date: dt.date) -> bool:
    """Action en retard à `date` : statut « en retard », ou échéance passée sans être finie ni
    abandonnée."""
    status = _text(row.get("statut"))
    if status == "en retard":
        return True
    due = _day(row.get("echeance"))
    return due is not None and due < date and status not in CLOSED


def cycles(actions: pd.DataFrame) -> list[list[str]]:
    """Groupes d'actions qui dépendent les unes des autres en boucle (algorithme de Tarjan :
    composantes fortement connexes de plus d'une action, ou action qui dépend d'elle-même).

    >>> t = pd.DataFrame({"identifiant": ["A", "B", "C"], "depend_de": ["B", "A", "A"]})
    >>> cycles(t)
    [['A', 'B']]
    """
    ids = [str(i).strip().upper() for i in actions["identifiant"].dropna()]
    graph = {i: [] for i in ids}
    for ident, deps in zip(actions["identifiant"], actions["depend_de"]):
        if ident is not None and not pd.isna(ident):
            graph[str(ident).strip().upper()] += [d for d in split_ids(deps) if d in graph]
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    # récursif : une feuille de route compte au plus quelques centaines d'actions
    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1 or node in graph[node]:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return sorted(found)


def check_actions(actions: pd.DataFrame, date: dt.date | None,
                  use_cases: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Cas d'usage ou dépendance inconnus, cycles, échéance avant le début, « fait » sans date
    de fin, actions en retard à `date`, actions sans pilote."""
    found: list[dict[str, Any]] = []
    known_cases = None if use_cases is None else {str(c).upper() for c in use_cases}
    ids = {str(i).strip().upper() for i in actions["identifiant"].dropna()}
    in_cycle = {i: group for group in cycles(actions) for i in group}
    for _, row in actions.iterrows():
        ident = row["identifiant"] if isinstance(row["identifiant"], str) else "?"
        code = row.get("cas_usage")
        if known_cases is not None and isinstance(code, str) and code.upper() not in known_cases:
            found.append(row_problem(actions, row, "cas_usage", (
                f"L'action {ident} cite le cas d'usage {code}, absent de la liste des cas "
                "d'usage de l'étape 2 : corrigez le code."), "cas-inconnu", "avertissement"))
        unknown = [d for d in split_ids(row.get("depend_de")) if d not in ids]
        if unknown:
            found.append(row_problem(actions, row, "depend_de", (
                f"L'action {ident} dépend de {', '.join(unknown)}, absente(s) de la feuille de "
                "route : corrigez l'identifiant ou ajoutez l'action."), "dependance-inconnue"))
        group = in_cycle.get(ident.strip().upper())
        if group:
            found.append(row_problem(actions, row, "depend_de", (
                f"Dépendances en boucle : {' → '.join([*group, group[0]])} — aucune de ces "
                "actions ne peut commencer. Retirez une des dépendances."), "cycle-dependances"))
        start, due = _day(row.get("debut")), _day(row.get("echeance"))
        if start and due and due < start:
            found.append(row_problem(actions, row, "echeance", (
                f"L'action {ident} finit ({fmt_date(due)}) avant de commencer "
                f"({fmt_date(start)}) : corrigez l'une des deux dates."), "echeance-avant-debut"))
        if _text(row.get("statut")) == DONE and _day(row.get("fin_reelle")) is None:
            found.append(row_problem(actions, row, "fin_reelle", (
                f"L'action {ident} est « fait » sans date de fin réelle : saisissez-la, elle "
                "dit au comité si l'échéance a été tenue."), "fait-sans-fin", "avertissement"))
        if date is not None and is_late(row, date):
            late = f", échéance du {fmt_date(due)} dépassée" if due and due < date else ""
            found.append(row_problem(actions, row, "echeance", (
                f"L'action {ident} est en retard au {fmt_date(date)}{late} : demandez au "
                "pilote une nouvelle date et ce qui bloque."), "action-en-retard",
                "avertissement"))
        if not _text(row.get("pilote")) and _text(row.get("statut")) not in CLOSED:
            found.append(row_problem(actions, row, "pilote", (
                f"L'action {ident} n'a pas de pilote : désignez une fonction ou un service "
                "(jamais le nom d'une personne)."), "sans-pilote"))
    return found


def check_budget(budget: pd.DataFrame, date: dt.date | None, deadline_days: int = 60,
                 use_cases: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Lignes sans source de financement, cas d'usage inconnu, dossiers de financement à
    déposer bientôt (moins de `deadline_days` jours) ou trop tard, demande sans date limite,
    engagé au-delà du planifié, payé au-delà de l'engagé."""
    found: list[dict[str, Any]] = []
    known_cases = None if use_cases is None else {str(c).upper() for c in use_cases}
    for _, row in budget.iterrows():
        item = row["poste"] if isinstance(row["poste"], str) else "?"
        code = row.get("cas_usage")
        if known_cases is not None and isinstance(code, str) and code.upper() not in known_cases:
            found.append(row_problem(budget, row, "cas_usage", (
                f"Le poste « {item} » cite le cas d'usage {code}, absent de la liste des cas "
                "d'usage de l'étape 2 : corrigez le code."), "cas-inconnu", "avertissement"))
        if not isinstance(row.get("source_financement"), str):
            found.append(row_problem(budget, row, "source_financement", (
                f"Le poste « {item} » n'a pas de source de financement : indiquez qui le paie "
                "(fonds propres, subvention demandée…)."), "sans-financement"))
        deadline = _day(row.get("date_limite_depot"))
        if _text(row.get("financement")) == "demandé":
            if deadline is None:
                found.append(row_problem(budget, row, "date_limite_depot", (
                    f"Financement demandé pour « {item} » sans date limite de dépôt : "
                    "saisissez-la pour que le comité la suive."), "depot-sans-date",
                    "avertissement"))
            elif date is not None and deadline < date:
                found.append(row_problem(budget, row, "date_limite_depot", (
                    f"La date limite de dépôt du dossier ({row.get('source_financement')}) pour "
                    f"« {item} » est passée ({fmt_date(deadline)}) : vérifiez que le dossier "
                    "a été déposé, sinon cherchez un autre financement."), "depot-depasse"))
            elif date is not None and (deadline - date).days <= deadline_days:
                found.append(row_problem(budget, row, "date_limite_depot", (
                    f"Dossier de financement ({row.get('source_financement')}) pour « {item} » "
                    f"à déposer avant le {fmt_date(deadline)}, dans {(deadline - date).days} "
                    "jours : préparez-le dès maintenant."), "depot-proche", "avertissement"))
        planned, committed, paid = (row.get(c) for c in
                                    ("montant_planifie", "montant_engage", "montant_paye"))
        if pd.notna(planned) and pd.notna(committed) and committed > planned:
            found.append(row_problem(budget, row, "montant_engage", (
                f"« {item} » : {fmt_number(committed, 0)} € engagés pour "
                f"{fmt_number(planned, 0)} € planifiés : ajustez le budget ou l'engagement."),
                "engage-au-dela"))
        if pd.notna(committed) and pd.notna(paid) and paid > committed:
            found.append(row_problem(budget, row, "montant_paye", (
                f"« {item} » : {fmt_number(paid, 0)} € payés pour {fmt_number(committed, 0)} € "
                "engagés : un paiement sans engagement est irrégulier, vérifiez."),
                "paye-au-dela"))
    return found


def check_risks(risks: pd.DataFrame) -> list[dict[str, Any]]:
    """Risques ouverts sans pilote ou sans parade."""
    found: list[dict[str, Any]] = []
    for _, row in risks.iterrows():
        if _text(row.get("statut")) == "clos":
            continue
        name = row["risque"] if isinstance(row["risque"], str) else "?"
        for column, what in (("pilote", "pilote"), ("parade", "parade")):
            if not _text(row.get(column)):
                found.append(row_problem(risks, row, column, (
                    f"Le risque « {name} » n'a pas de {what} : complétez la ligne."),
                    f"risque-sans-{column}", "avertissement"))
    return found
