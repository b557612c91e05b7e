"""Décisions du comité et feuille de route : chaque décision proposée reçoit un identifiant
stable d'un comité à l'autre (« D251117-03 » : proposée pour la première fois le 17 novembre
2025, troisième de ce jour-là) ; la feuille de route le cite dans sa colonne « Décision du
comité ». Le relevé du comité garde, pour chaque décision, si elle a été prise (au moins une
action la met en œuvre), qui la porte et pour quand ; le comité suivant dit si elle est faite,
dans les temps ou en retard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from kit.roadmap import CLOSED, DONE, Roadmap

__all__ = ["carried_decisions", "decision_ids", "taken_decisions"]

_KEY = ("étape", "sujet")


def _id(day: str, rank: int) -> str:
    return f"D{dt.date.fromisoformat(day):%y%m%d}-{rank:02d}"


def _previous_ids(previous: dict[str, Any] | None) -> dict[tuple[str, str], str]:
    """Identifiants des décisions du relevé précédent (calculés pour un relevé d'avant les
    identifiants : date de première apparition et rang dans le relevé)."""
    out: dict[tuple[str, str], str] = {}
    counts: dict[str, int] = {}
    for row in (previous or {}).get("decisions", []):
        since = str(row.get("depuis") or previous.get("date"))
        counts[since] = counts.get(since, 0) + 1
        out[(row.get("étape"), row.get("sujet"))] = row.get("id") or _id(since, counts[since])
    return out


def decision_ids(decisions: pd.DataFrame, previous: dict[str, Any] | None,
                 date: dt.date) -> pd.DataFrame:
    """Ajoute en tête la colonne ``id`` : celle du comité précédent pour une décision toujours
    ouverte, sinon « D » + date du jour (AAMMJJ) + rang.

    >>> now = pd.DataFrame({"étape": ["1", "2"], "sujet": ["a", "b"]})
    >>> prev = {"date": "2025-12-15",
    ...         "decisions": [{"étape": "1", "sujet": "a", "id": "D251117-02"}]}
    >>> decision_ids(now, prev, dt.date(2026, 1, 15))["id"].tolist()
    ['D251117-02', 'D260115-01']
    """
    known = _previous_ids(previous)
    ids, rank = [], 0
    for key in zip(decisions["étape"], decisions["sujet"]):
        if key in known:
            ids.append(known[key])
        else:
            rank += 1
            ids.append(_id(date.isoformat(), rank))
    out = decisions.drop(columns="id", errors="ignore").copy()
    out.insert(0, "id", ids)
    return out


def _actions_of(roadmap: Roadmap | None) -> pd.DataFrame:
    if roadmap is None or roadmap.actions.empty:
        return pd.DataFrame(columns=["decision_comite", "pilote", "echeance", "statut",
                                     "fin_reelle"])
    acts = roadmap.actions
    acts = acts[acts["decision_comite"].notna()].copy()
    acts["decision_comite"] = acts["decision_comite"].astype(str).str.strip().str.upper()
    return acts


def _iso(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def taken_decisions(decisions: pd.DataFrame, roadmap: Roadmap | None) -> pd.DataFrame:
    """Ajoute ``prise`` (une action de la feuille de route cite la décision), ``porteur``
    (pilotes de ces actions) et ``échéance`` (la plus tardive, AAAA-MM-JJ)."""
    acts = _actions_of(roadmap)
    out = decisions.copy()
    taken, owners, dues = [], [], []
    for ident in out["id"]:
        mine = acts[acts["decision_comite"] == str(ident).upper()]
        taken.append(not mine.empty)
        owners.append(" ; ".join(sorted(set(mine["pilote"].dropna().astype(str)))) or None)
        dues.append(_iso(pd.to_datetime(mine["echeance"]).max()) if not mine.empty else None)
    out["prise"], out["porteur"], out["échéance"] = taken, owners, dues
    return out


def carried_decisions(previous: dict[str, Any] | None, roadmap: Roadmap | None,
                      date: dt.date) -> pd.DataFrame:
    """Décisions du comité précédent prises (ou citées par la feuille de route) : « faite »
    (toutes leurs actions finies ou abandonnées, au moins une faite), « en retard » (échéance
    passée), sinon « dans les temps ». Sans feuille de route, l'échéance du relevé sert seule."""
    columns = ["id", "sujet", "porteur", "échéance", "suivi"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    acts = _actions_of(roadmap)
    ids = _previous_ids(previous)
    rows = []
    for row in previous.get("decisions", []):
        ident = ids[(row.get("étape"), row.get("sujet"))]
        mine = acts[acts["decision_comite"] == ident.upper()]
        if mine.empty and not row.get("prise"):
            continue
        due = _iso(pd.to_datetime(mine["echeance"]).max()) if not mine.empty \
            else row.get("échéance")
        owner = " ; ".join(sorted(set(mine["pilote"].dropna().astype(str)))) if not mine.empty \
            else row.get("porteur")
        status_ = mine["statut"].fillna("").astype(str)
        if not mine.empty and status_.isin(CLOSED).all() and (status_ == DONE).any():
            status = "faite"
        elif due is not None and dt.date.fromisoformat(due) < date:
            status = "en retard"
        else:
            status = "dans les temps"
        rows.append({"id": ident, "sujet": row.get("sujet"), "porteur": owner or None,
                     "échéance": due, "suivi": status})
    return pd.DataFrame(rows, columns=columns)
