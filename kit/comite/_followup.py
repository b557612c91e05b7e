"""Suivi d'un comité de pilotage à l'autre : chaque comité laisse un relevé (JSON) de ses
décisions proposées et du statut de chaque indicateur ; le comité suivant dit quelles décisions
sont réglées, lesquelles restent ouvertes (et depuis quand), lesquelles sont nouvelles, et quels
indicateurs ont changé de statut.

Le relevé ne contient que des agrégats (décisions, codes et statuts d'indicateurs, chiffres
clés) : jamais de donnée personnelle.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from kit._gate import mask_personal
from kit.errors import KitError

__all__ = ["compare_decisions", "compare_statuses", "latest_snapshot", "save_snapshot",
           "snapshot"]

_KEY = ["étape", "sujet"]
PREFIX = "comite_"


def snapshot(collectivite: str, date: dt.date, figures: pd.DataFrame, decisions: pd.DataFrame,
             statuses: pd.Series, since: pd.Series | None = None) -> dict[str, Any]:
    """Relevé d'un comité : chiffres clés, décisions (avec la date de leur première
    apparition) et statut de chaque indicateur."""
    rows = decisions.to_dict("records")
    for row, first in zip(rows, since if since is not None else [None] * len(rows)):
        row["depuis"] = first if isinstance(first, str) else date.isoformat()
    return {"collectivite": collectivite, "date": date.isoformat(),
            "chiffres_cles": figures.to_dict("records"), "decisions": rows,
            "indicateurs": {str(k): str(v) for k, v in statuses.items()}}


def save_snapshot(record: dict[str, Any], dest: str | Path) -> Path:
    """Écrit le relevé dans `dest` sous le nom ``comite_AAAA-MM-JJ.json``.

    Chaque texte du relevé (clés comprises) passe d'abord par `kit._gate.mask_personal` :
    un e-mail, un téléphone, un NIR ou un IBAN glissé dans un libellé y est écrit
    « [masqué] ».
    """
    record = _masked(record)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{PREFIX}{record['date']}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal(value)[0]
    if isinstance(value, dict):
        return {_masked(k): _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    return value


def latest_snapshot(folder: str | Path, before: dt.date) -> dict[str, Any] | None:
    """Dernier relevé de `folder` daté d'avant `before` ; None s'il n'y en a pas.

    Raises
    ------
    KitError
        Relevé illisible (JSON abîmé ou modifié à la main) : le message nomme le fichier.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None
    dated = []
    for path in folder.glob(f"{PREFIX}*.json"):
        try:
            day = dt.date.fromisoformat(path.stem[len(PREFIX):])
        except ValueError:
            continue  # autre fichier du dossier
        if day < before:
            dated.append((day, path))
    if not dated:
        return None
    path = max(dated)[1]
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not (isinstance(record.get("decisions"), list)
                and isinstance(record.get("indicateurs"), dict)):
            raise KeyError("decisions, indicateurs")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KitError(f"Le relevé du comité précédent « {path.name} » est illisible "
                       f"({type(exc).__name__}) : supprimez-le ou remplacez-le par le fichier "
                       "écrit par le kit.", path) from None
    return record


def compare_decisions(now: pd.DataFrame, previous: dict[str, Any] | None) -> pd.DataFrame:
    """Décisions d'aujourd'hui et du comité précédent : « nouvelle », « toujours ouverte »
    (avec la date de première apparition) ou « réglée » (absente aujourd'hui)."""
    columns = ["suivi", "priorité", "étape", "sujet", "depuis"]
    if previous is None:
        out = now.assign(suivi="nouvelle", depuis=None)
        return out[columns]
    # le relevé précédent a été écrit masqué : comparer les sujets masqués de la même façon
    now = now.assign(sujet=[mask_personal(v)[0] for v in now["sujet"]])
    before = pd.DataFrame(previous["decisions"], columns=[*_KEY, "priorité", "depuis"])
    merged = now[[*_KEY, "priorité"]].merge(before, on=_KEY, how="outer", indicator=True,
                                            suffixes=("", "_avant"))
    merged["suivi"] = merged["_merge"].map({"left_only": "nouvelle", "both": "toujours ouverte",
                                            "right_only": "réglée"}).astype(str)
    before_rank = pd.to_numeric(merged["priorité_avant"], errors="coerce")
    merged["priorité"] = merged["priorité"].fillna(before_rank).fillna(3).astype(int)
    merged.loc[merged["suivi"] == "nouvelle", "depuis"] = None
    merged["_ordre"] = merged["suivi"].map({"toujours ouverte": 0, "nouvelle": 1, "réglée": 2})
    merged = merged.sort_values(["_ordre", "priorité"], kind="stable")
    return merged[columns].reset_index(drop=True)


def compare_statuses(now: pd.DataFrame, previous: dict[str, Any] | None) -> pd.DataFrame:
    """Indicateurs dont le statut a changé depuis le comité précédent."""
    columns = ["code", "indicateur", "statut avant", "statut maintenant"]
    if previous is None:
        return pd.DataFrame(columns=columns)
    out = now[["code", "libelle", "statut"]].rename(
        columns={"libelle": "indicateur", "statut": "statut maintenant"})
    out["statut avant"] = out["code"].map(previous["indicateurs"])
    changed = out[out["statut avant"].notna()
                  & (out["statut avant"] != out["statut maintenant"])]
    return changed[columns].reset_index(drop=True)
