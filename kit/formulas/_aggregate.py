"""Agrégats par période sur les lignes rangées d'une table (tranches contiguës).

Règles (voir aussi `kit.formulas`) :
- période sans aucune ligne dans la table : NaN, quel que soit l'agrégat ;
- période avec des lignes mais aucune retenue par le filtre : `somme` et `nombre` valent 0,
  `moyenne`, `mediane`, `min`, `max`, `premier`, `dernier` valent NaN ;
- valeurs manquantes : ignorées, et signalées dans les problèmes de l'indicateur ; si toutes
  les lignes retenues d'une période sont vides, `somme` vaut NaN (et non 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from kit.formulas import _units as U
from kit.formulas._ast import Call, Node, normalize_name, to_text
from kit.formulas._tables import Table, format_periods


class Engine(Protocol):
    """Ce que les agrégats demandent au moteur d'évaluation (`kit.formulas._eval.Engine`).

    Décrit ici pour que ce module n'importe pas le moteur, qui l'importe : pas de cycle.
    """

    freq: str

    def _cached(self, key: object, compute: Callable[[], Any]) -> Any: ...

    def row(self, node: Node, t: Table) -> Any: ...

    def fail(self, problem: str, node: Node | None = None, hint: str = "") -> Exception: ...

    def warn(self, message: str) -> None: ...


@dataclass
class _Selection:
    """Lignes retenues : masque (None = toutes), indices (None = toutes), nombre par période."""

    mask: np.ndarray | None
    idx: np.ndarray | None
    counts: np.ndarray


def _select(t: Table, mask: np.ndarray | None) -> _Selection:
    if mask is None or mask.all():
        return _Selection(None, None, t.rows)
    idx = np.flatnonzero(mask)
    return _Selection(mask, idx, np.diff(np.searchsorted(idx, t.bounds)))


def _and(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    return b if a is None else a if b is None else a & b


def selection(eng: Engine, where: Node | None, t: Table) -> _Selection:
    if where is None:
        return _select(t, None)
    return eng._cached(("sel", t.name, where), lambda: _select(
        t, np.array(np.broadcast_to(eng.row(where, t).value, (t.n,)))))


def aggregate(eng: Engine, call: Call, t: Table, whole: bool):
    """(numéro de la première période, valeur par période, unité) d'une agrégation."""
    f, nb = call.function, t.nbins
    absent = t.rows == 0
    sel = selection(eng, call.where, t)
    if f == "nombre" and (call.arg is None or whole):
        out = sel.counts.astype("float64")
        out[absent] = np.nan
        return t.start, out, ()
    v = eng.row(call.arg, t)
    if f in ("nombre", "nombre_distinct"):
        return t.start, _count(eng, call, t, v, sel, absent), ()
    if v.kind != "num":
        kind = {"str": "du texte", "date": "des dates"}.get(v.kind, v.kind)
        raise eng.fail(f"{f}( porte sur {kind} : « {to_text(call.arg)} » n'est pas numérique",
                       call.arg, "Vérifiez le chargement de la colonne (nombres à la "
                       "française ?), ou comptez les lignes avec nombre(...)")
    values = v.value if np.ndim(v.value) else np.full(t.n, float(v.value))
    nan = eng._cached(("nan", t.name, call.arg),
                      lambda: (lambda m: m if m.any() else None)(np.isnan(values)))
    if nan is not None:
        missing = nan if sel.mask is None else nan & sel.mask
        n_missing = int(np.count_nonzero(missing))
        if n_missing:
            bins = np.repeat(np.arange(nb), np.diff(np.searchsorted(
                np.flatnonzero(missing), t.bounds)))
            eng.warn(f"{n_missing} valeur(s) manquante(s) ignorée(s) dans {to_text(call)} "
                     f"(périodes {format_periods(np.unique(bins) + t.start, eng.freq)})")
        ok = _select(t, _and(sel.mask, ~nan))
    else:
        ok = sel
    unit = _unit(eng, call, t, v.unit, ok)
    vals = values if ok.idx is None else values.take(ok.idx)
    seg = t.bounds[:-1] if ok.idx is None else np.searchsorted(ok.idx, t.bounds[:-1])
    nz = np.flatnonzero(ok.counts)
    out = np.full(nb, np.nan)
    if f in ("somme", "moyenne"):
        sums = np.add.reduceat(vals, seg[nz]) if len(nz) else np.empty(0)
        if f == "somme":
            out[:] = 0.0
            out[(sel.counts > 0) & (ok.counts == 0)] = np.nan  # lignes retenues toutes vides
            out[nz] = sums
        else:
            out[nz] = sums / ok.counts[nz]
    elif len(nz) and f in ("min", "max"):
        out[nz] = (np.minimum if f == "min" else np.maximum).reduceat(vals, seg[nz])
    elif len(nz) and f == "mediane":
        bins = np.repeat(np.arange(nb), ok.counts)
        med = pd.Series(vals).groupby(bins).median()
        out[med.index.to_numpy()] = med.to_numpy()
    elif len(nz):  # premier / dernier : plus petite / plus grande date de la période
        keys = t.sortkey if ok.idx is None else t.sortkey.take(ok.idx)
        reduce = np.minimum if f == "premier" else np.maximum
        target = np.repeat(reduce.reduceat(keys, seg[nz]), ok.counts[nz])
        pos = np.flatnonzero(keys == target)
        seg_id = np.searchsorted(seg[nz], pos, side="right") - 1
        if f == "premier":
            ids, first = np.unique(seg_id, return_index=True)
            out[nz[ids]] = vals[pos[first]]
        else:
            ids, last = np.unique(seg_id[::-1], return_index=True)
            out[nz[ids]] = vals[pos[::-1][last]]
    out[absent] = np.nan
    return t.start, out, unit


def _count(eng: Engine, call: Call, t: Table, v, sel: _Selection,
           absent: np.ndarray) -> np.ndarray:
    """nombre(colonne) : valeurs présentes ; nombre_distinct(colonne) : valeurs distinctes."""
    if v.kind == "str" and not isinstance(v.value, str):
        labels = v.value.labels()[0]
    elif v.kind in ("num", "date"):
        data = v.value if np.ndim(v.value) else np.full(t.n, float(v.value))
        labels = pd.factorize(data, use_na_sentinel=True)[0]
    else:
        raise eng.fail(f"{call.function}( attend une colonne", call)
    ok = _select(t, _and(sel.mask, labels >= 0))
    if call.function == "nombre":
        out = ok.counts.astype("float64")
    else:
        lab = (labels if ok.idx is None else labels.take(ok.idx)).astype(np.int64)
        width = int(lab.max(initial=0)) + 1
        bins = np.repeat(np.arange(t.nbins, dtype=np.int64), ok.counts)
        pairs = np.unique(bins * width + lab)
        out = np.bincount(pairs // width, minlength=t.nbins).astype("float64")
    out[absent] = np.nan
    return out


def _unit(eng: Engine, call: Call, t: Table, unit: U.Unit, ok: _Selection) -> U.Unit:
    """Unité de l'agrégat ; erreur « mélange d'unités » si la colonne unité varie."""
    if not U.has_row_unit(unit):
        return unit
    codes, lookup = t.labels(t.unit_col)
    sub = codes if ok.idx is None else codes.take(ok.idx)
    names = {c: s.strip() for s, c in lookup.items()}
    found = {names[c] for c in np.unique(sub[sub >= 0]).tolist()}
    if len(found) <= 1:
        return U.substitute(unit, found.pop() if found else None)
    bins = np.repeat(np.arange(t.nbins), ok.counts)
    parts = []
    for name in sorted(found):
        wanted = [c for c, s in names.items() if s == name]
        periods = np.unique(bins[np.isin(sub, wanted)]) + t.start
        parts.append(f"« {name} » pour {format_periods(periods, eng.freq)}")
    col = normalize_name(str(t.unit_col))
    kept = f"({to_text(call.where)}) et " if call.where is not None else ""
    raise eng.fail(f"mélange d'unités dans {to_text(call)} (colonne « {t.unit_col} » de la "
                   f"table « {t.name} ») : " + " ; ".join(parts), call,
                   "Convertissez ces lignes dans une seule unité avant le calcul, ou filtrez "
                   f"sur l'unité : {call.function}({to_text(call.arg)} où {kept}{col} = "
                   f"\"{sorted(found)[0]}\")")
