"""Forme écrite des valeurs converties par le chargeur, pour juger le fichier tel qu'envoyé.

`load_table` lit « 14/03/2023 » comme une date et « 27 000,00 » comme un nombre : le tableau
rendu est juste, mais le fichier envoyé ne respecte pas forcément la forme qu'un schéma impose
(motif `pattern`, `format` de date). Le chargeur garde ici, par colonne convertie, les écritures
distinctes de ses cellules (au plus `MAX_DISTINCT`), avec leur nombre et leur première ligne ;
`kit.validation.validate` les confronte au schéma et signale une ligne par colonne.

Limite : le chemin rapide des gros CSV lit directement les nombres (« 0,25 ») sans garder leur
écriture ; seules les colonnes passées par les analyseurs du kit (dates, nombres à espaces de
milliers, colonnes avec valeurs de remplacement…) sont alors jugées.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from kit._parse import PLACEHOLDERS, Distinct, regex_mask

#: écritures distinctes gardées par colonne (au-delà, le contrôle porte sur les premières)
MAX_DISTINCT = 500
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
#: types vus par `infer_dtype` d'une colonne d'objets sans aucun texte
_NO_TEXT = frozenset({"floating", "integer", "mixed-integer-float", "decimal", "boolean",
                      "datetime", "datetime64", "date", "timedelta", "time", "period", "empty"})


def written_forms(raw: pd.Series, kind: str, distinct: Distinct | None = None,
                  key: object = None) -> dict | None:
    """Écritures distinctes non standard des cellules de texte d'une colonne convertie en
    `kind` (« date », « nombre », « entier ») : {"type", "valeurs": {texte: [nombre, première
    ligne]}}. None si aucune (nombres ou dates natifs du tableur, écritures standard).

    Hypothèse : une écriture standard (date AAAA-MM-JJ, nombre « 1234.5 ») n'est pas gardée ;
    un `pattern` ou un `format` qui la refuserait n'est donc pas vérifié ici."""
    if kind not in ("date", "nombre", "entier"):
        return None
    if raw.dtype.kind in "iufM":
        return None
    if isinstance(raw.dtype, pd.StringDtype) and distinct is not None:
        return _from_distinct(raw, kind, distinct.get(key, raw))
    if raw.dtype == object:  # cellules d'un tableur : nombres et dates natifs, ou textes
        inferred = pd.api.types.infer_dtype(raw, skipna=True)
        if inferred in _NO_TEXT:
            return None
        text = raw.dropna() if inferred == "string" else raw[[type(v) is str for v in raw.tolist()]]
    else:
        text = raw.dropna()
    if text.empty:
        return None
    if not isinstance(text.dtype, pd.StringDtype):  # textes déjà nettoyés sinon
        text = text.astype("str").str.strip()
    counts = text.value_counts(sort=False)
    # seules les écritures qui s'écartent de la forme standard (date ISO, nombre simple) sont
    # gardées, hors valeurs de remplacement (« nd », « secret ») : le chemin rapide des CSV
    # et le chemin ordinaire gardent ainsi les mêmes
    standard = _ISO_DATE if kind == "date" else _PLAIN_NUMBER
    keep = np.array([not (standard.fullmatch(v) or v.lower() in PLACEHOLDERS)
                     for v in counts.index.tolist()], dtype=bool)
    counts = counts[keep]
    if counts.empty:
        return None
    if len(counts) > MAX_DISTINCT:
        counts = counts.iloc[:MAX_DISTINCT]
    unique = text.drop_duplicates()
    firsts = dict(zip(unique.tolist(), unique.index.tolist()))
    return {"type": kind, "valeurs": {v: [int(n), int(firsts[v])] for v, n in
                                      zip(counts.index.tolist(), counts.tolist())}}


def _from_distinct(raw: pd.Series, kind: str, got: tuple[np.ndarray, pd.Series]
                   ) -> dict | None:
    """`written_forms` d'une colonne de texte à partir de ses valeurs distinctes (codes de
    `pd.factorize`, dans l'ordre d'apparition) : sans boucle sur les cellules."""
    codes, uniq = got
    uniq = uniq.astype("str")
    standard = (_ISO_DATE if kind == "date" else _PLAIN_NUMBER).pattern
    keep = ~(regex_mask(uniq, standard) | uniq.str.lower().isin(PLACEHOLDERS).to_numpy(bool))
    if not keep.any():
        return None
    valid = codes >= 0
    counts = np.bincount(codes[valid], minlength=len(uniq))
    # premières apparitions : le code maximal vu jusqu'ici augmente exactement là
    running = np.maximum.accumulate(np.where(valid, codes, -1))
    firsts = np.flatnonzero(np.diff(running, prepend=-1) > 0)
    rows = raw.index.to_numpy()[firsts]
    chosen = np.flatnonzero(keep)[:MAX_DISTINCT]
    values = uniq.to_numpy(dtype=object)
    return {"type": kind, "valeurs": {values[k]: [int(counts[k]), int(rows[k])]
                                      for k in chosen.tolist()}}


def _date_ok(text: str, fmt: str) -> bool:
    if fmt in ("default", "", None):
        return bool(_ISO_DATE.fullmatch(text))
    if fmt == "any":
        return True
    try:
        dt.datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


def nonconforming(forms: dict, field: dict) -> tuple[int, str, int] | None:
    """(cellules non conformes, exemple, ligne de l'exemple) au regard du `pattern` et du
    `format` (dates) du champ ; None si toutes les écritures conviennent ou si le schéma ne
    contraint pas la forme écrite."""
    cons = field.get("constraints") or {}
    pattern = cons.get("pattern")
    fmt = field.get("format") if field.get("type") in ("date", "datetime") else None
    if pattern is None and fmt is None:
        return None
    compiled = re.compile(pattern) if pattern is not None else None
    bad, example = 0, None
    for text, (count, row) in forms["valeurs"].items():
        ok = (compiled is None or compiled.fullmatch(text)) and (
            fmt is None or _date_ok(text, fmt))
        if not ok:
            bad += count
            if example is None or row < example[1]:
                example = (text, row)
    return (bad, *example) if bad else None
