"""Mise en forme d'une feuille brute : trouver l'en-tête, nommer les colonnes, nettoyer les
cellules (les lignes parasites sont repérées par `kit.io._junk`).

Une feuille brute est une liste de lignes (listes de cellules) : les 60 premières servent à
repérer l'en-tête ; le corps est ensuite traité colonne par colonne, de façon vectorisée.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit._parse import Distinct, arrow_array

SAMPLE_ROWS = 60

_NUMBER_LIKE = re.compile(r"^[-+(−]?\s*\d[\d \u00a0\u202f\u2009.,']*\)?\s*(%|€|eur)?$", re.I)
_DATE_LIKE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")


def is_blank_cell(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    if isinstance(v, str):
        return not v.strip()
    return False


def cell_kind(v: object) -> str:
    """« vide », « nombre », « date » ou « texte » (pour repérer l'en-tête)."""
    if type(v) is str:
        return _text_kind(v)
    if is_blank_cell(v):
        return "vide"
    if isinstance(v, bool):
        return "texte"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return "nombre"
    if isinstance(v, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return "date"
    s = str(v).strip()
    if _NUMBER_LIKE.match(s):
        return "nombre"
    if _DATE_LIKE.match(s):
        return "date"
    return "texte"


@functools.lru_cache(maxsize=4096)
def _text_kind(v: str) -> str:
    """`cell_kind` d'un texte (les mêmes valeurs reviennent souvent : mémorisé)."""
    s = v.strip()
    if not s:
        return "vide"
    if _NUMBER_LIKE.match(s):
        return "nombre"
    if _DATE_LIKE.match(s):
        return "date"
    return "texte"


def is_year(v: object) -> bool:
    try:
        f = float(str(v).strip())
    except ValueError:
        return False
    return f.is_integer() and 1900 <= f <= 2100


def label_text(v: object) -> str:
    """Texte d'une cellule d'en-tête : retours à la ligne et espaces multiples réduits."""
    if is_blank_cell(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return re.sub(r"\s+", " ", str(v)).strip()


def merged_fill(rows: list[list], merged: list | None) -> list[list]:
    """Recopie la valeur d'une cellule fusionnée dans toutes les cellules de la fusion."""
    if not merged:
        return rows
    out = [list(r) for r in rows]
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(out) or c0 >= len(out[r0]):
            continue
        value = out[r0][c0]
        for r in range(r0, min(r1, len(out) - 1) + 1):
            for c in range(c0, min(c1, len(out[r]) - 1) + 1):
                out[r][c] = value
    return out


def find_header(rows: list[list], merged: list | None = None) -> tuple[int | None, int]:
    """Position (0-based) de la première ligne d'en-tête et nombre de lignes d'en-tête.

    Renvoie (None, 0) quand aucune ligne ne ressemble à un en-tête (tableau sans en-tête).
    """
    sample = rows[:SAMPLE_ROWS]
    filled = merged_fill(sample, [m for m in (merged or []) if m[0][0] == m[1][0]])
    kinds = [[cell_kind(v) for v in r] for r in sample]
    counts = [sum(k != "vide" for k in r) for r in kinds]
    filled_counts = [sum(not is_blank_cell(v) for v in r) for r in filled]
    if not any(counts):
        return None, 0
    # largeur du tableau : celle de ses lignes les plus larges, ou, dans un export texte aux
    # séparateurs non protégés (quelques lignes à champs en trop), la plus fréquente
    widths = [c for c in counts if c]
    width = float(np.percentile(widths, 90))
    header = _header_row(sample, kinds, counts, filled, filled_counts, width)
    if header is None and (common := max(set(widths), key=widths.count)) < width:
        header = _header_row(sample, kinds, counts, filled, filled_counts, common)
    if header is None:
        return None, 0
    start, n = header, 1
    # ligne de regroupement au-dessus (« Marché global » / « Lots »), éventuellement séparée de
    # l'en-tête par une ligne de numéros de renvoi (1, 2, 3…)
    above = header - 1
    if above >= 0 and counts[above] and all(k in ("nombre", "vide") for k in kinds[above]):
        above -= 1
    if above >= 0 and 2 <= counts[above] < counts[header] and all(
        k in ("texte", "vide") for k in kinds[above]
    ):
        start, n = above, header - above + 1
    # deuxième ligne d'en-tête sous la première (sous-libellés, unités, codes de variables)
    below = header + 1
    if below < len(kinds) and counts[below] and all(k in ("texte", "vide") for k in kinds[below]):
        top, bot = filled[header], kinds[below]
        data = kinds[below + 1: below + 31]
        numeric_below = [
            sum(r[c] in ("nombre", "date") for r in data if c < len(r)) >= 0.8 * max(
                1, sum(r[c] != "vide" for r in data if c < len(r)))
            and any(c < len(r) and r[c] != "vide" for r in data)
            for c in range(len(bot))
        ]
        under_group = any(
            bot[c] != "vide" and (c >= len(top) or is_blank_cell(top[c])
                                  or (is_blank_cell(sample[header][c]) if c < len(sample[header])
                                      else True))
            for c in range(len(bot))
        )
        blank_under = any(bot[c] == "vide" and not is_blank_cell(top[c])
                          for c in range(min(len(bot), len(top))))
        text_over_numbers = sum(bot[c] == "texte" and numeric_below[c] for c in range(len(bot)))
        if (under_group and blank_under and counts[below] >= 2) or text_over_numbers >= 2:
            n = below - start + 1
    return start, n


def _header_row(sample: list[list], kinds: list[list[str]], counts: list[int],
                filled: list[list], filled_counts: list[int], width: float) -> int | None:
    """Première ligne qui ressemble à l'en-tête d'un tableau de `width` colonnes remplies."""
    need = max(2, math.ceil(0.6 * width)) if width >= 2 else 1
    for i, row in enumerate(kinds):
        texts = sum(k == "texte" for k in row)
        years = sum(k == "nombre" and is_year(v) for k, v in zip(row, sample[i]))
        if filled_counts[i] < need or (texts == 0 and not _year_header(sample[i], row)):
            continue
        if texts + years < 0.8 * counts[i]:
            continue
        labels = [label_text(v) for v in sample[i] if not is_blank_cell(v)]
        if len(labels) < 0.5 * filled_counts[i]:
            continue
        if len(set(labels)) < 0.7 * len(labels) and not (
                i > 0 and _unique_under_groups(filled[i - 1], sample[i])):
            continue
        if width >= 3 and counts[i] <= 1:
            continue
        return i
    return None


def _year_header(row: list, kinds: list[str]) -> bool:
    """Ligne d'en-tête faite seulement d'années (« 1949 », « 1950 »… en texte ou en nombres),
    au moins trois, strictement croissantes ou décroissantes : colonnes d'années d'un tableau
    de comptes (les cellules de libellé de l'en-tête peuvent être vides)."""
    values = [float(str(v).strip()) for v, k in zip(row, kinds) if k != "vide" and is_year(v)]
    if len(values) < 3 or len(values) != sum(k != "vide" for k in kinds):
        return False
    steps = np.diff(values)
    return bool((steps > 0).all() or (steps < 0).all())


def _unique_under_groups(top: list, row: list) -> bool:
    """Libellés répétés d'une ligne (« Total » sous « Ensemble », « Hommes », « Femmes ») rendus
    uniques par la ligne de regroupement au-dessus (fusions recopiées)."""
    pairs = [(label_text(top[c]) if c < len(top) else "", label_text(v))
             for c, v in enumerate(row) if not is_blank_cell(v)]
    groups = {t for t, _ in pairs if t}
    return len(groups) >= 2 and len(set(pairs)) == len(pairs)


#: libellé au format dBase (export d'un fichier .dbf) : nom, lettre du type, largeur, décimales
_DBASE = re.compile(r"^(?P<name>[^,]+),(?P<kind>[CNFDLM]),\d{1,3}(?:,\d{1,2})?$", re.IGNORECASE)


def strip_dbase(labels: list[str]) -> tuple[list[str], dict[str, str]]:
    """En-tête d'un export dBase (« NOM,C,50 », « MONTANT,N,12,2 ») : la moitié au moins des
    libellés portent un descripteur de type. Renvoie les libellés sans descripteur et, par
    nom, le descripteur retiré ; sinon les libellés tels quels."""
    filled = [lab for lab in labels if lab]
    found = {i: m for i, lab in enumerate(labels) if (m := _DBASE.match(lab.strip()))}
    if len(filled) < 2 or len(found) < 0.5 * len(filled):
        return labels, {}
    out, removed = list(labels), {}
    for i, m in found.items():
        out[i] = m["name"].strip()
        removed[out[i]] = labels[i].strip()[len(m["name"]) + 1:]
    return out, removed


def header_labels(rows: list[list], start: int, n: int, merged: list | None) -> list[str]:
    """Libellés des colonnes à partir des lignes d'en-tête (fusions recopiées, niveaux joints)."""
    width = max(len(r) for r in rows[start:start + n])
    block = [list(r) + [""] * (width - len(r)) for r in rows[start:start + n]]
    local = [((r0 - start, c0), (r1 - start, c1)) for (r0, c0), (r1, c1) in (merged or [])
             if start <= r0 < start + n]
    keep = [i for i, r in enumerate(block)
            if not all(cell_kind(v) in ("nombre", "vide") for v in r) or i == len(block) - 1]
    before = [block[i] for i in keep]
    block = merged_fill(block, local)
    levels = [block[i] for i in keep]
    if len(levels) == 2:
        top, bot = levels
        # libellés et codes de variables sur deux lignes complètes (sans fusion)
        alias = not local and all(is_blank_cell(a) == is_blank_cell(b)
                                  for a, b in zip(before[0], before[1]))
        if alias:  # libellés et codes de variables : on garde la ligne la plus parlante
            levels = [max(levels, key=lambda r: sum(len(label_text(v)) for v in r))]
        else:
            last = ""
            for c in range(width):  # un groupe sans fusion couvre les colonnes vides à sa droite
                if not is_blank_cell(top[c]):
                    last = top[c]
                elif last and not is_blank_cell(bot[c]) and c > 0 and not is_blank_cell(bot[c - 1]):
                    top[c] = last
                else:
                    last = ""
    labels = []
    for c in range(width):
        parts: list[str] = []
        for r in levels:
            text = label_text(r[c])
            if text and text not in parts:
                parts.append(text)
        labels.append(" - ".join(parts))
    return labels


def unique_labels(labels: list[str], letters: list[str]) -> list[str]:
    """Libellés uniques ; une colonne sans libellé devient « Colonne D »."""
    seen: dict[str, int] = {}
    out = []
    for label, letter in zip(labels, letters):
        label = label or f"Colonne {letter}"
        key = label.lower()
        seen[key] = seen.get(key, 0) + 1
        out.append(label if seen[key] == 1 else f"{label} ({seen[key]})")
    return out


#: au début d'une colonne (deux fois plus de cellules), nombre de valeurs distinctes sous lequel
#: la propreté des textes est vérifiée sur les valeurs distinctes plutôt que sur la colonne
_HEAD_DISTINCT = 1000


def strip_cells(body: pd.DataFrame, distinct: Distinct | None = None) -> pd.DataFrame:
    """Enlève les espaces autour des textes et remplace les cellules vides par NA.

    Une colonne de texte (pyarrow) déjà propre est gardée telle quelle. `distinct` : cache des
    valeurs distinctes du tableau ; une colonne à peu de valeurs distinctes est vérifiée sur
    celles-ci, qui resservent ensuite (lignes parasites, typage).
    """
    out = dict(body.items())
    short_text, changed = [], False  # petites colonnes de textes : nettoyées ensemble
    for c, col in out.items():
        if col.dtype == object:
            if len(col) <= 5000 and all(type(v) is str for v in col.tolist()):
                short_text.append(c)
                continue
            col = _strip_object(col)
            if col is None:  # aucun texte : rien à nettoyer
                continue
        elif isinstance(col.dtype, pd.StringDtype):
            if _already_clean(col, distinct, c):  # gardée telle quelle (et ses valeurs
                # distinctes)
                continue
            col = col.str.strip()
            col = col.mask(col == "")
        else:
            continue
        out[c], changed = col, True
    if short_text:
        out.update(_strip_texts({c: out[c] for c in short_text}, body.index))
    return pd.DataFrame(out, index=body.index) if changed or short_text else body


def _strip_object(col: pd.Series) -> pd.Series | None:
    """Colonne de cellules brutes (objets) nettoyée : textes sans espaces autour, textes vides
    → NA ; type « str » si tout ce qui n'est pas vide est du texte. None si la colonne ne
    contient aucun texte (elle reste telle quelle)."""
    kind = pd.api.types.infer_dtype(col, skipna=True)  # textes vides compris
    if kind in ("floating", "integer", "mixed-integer-float", "empty", "datetime", "date",
                "boolean"):
        return None
    if kind == "string":  # comme `col.astype("str").str.strip()`, en deux fois moins de temps
        trimmed = pc.utf8_trim_whitespace(pa.array(col.to_numpy(), type=pa.large_string(),
                                                   from_pandas=True))
        trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.large_string()), trimmed)
        text = pd.Series(trimmed, index=col.index, dtype="str")
        if text.notna().any():
            return text
        empty = col == ""  # rien que des espaces : colonne de textes vide ; rien que des
        return text if not (empty | col.isna()).all() else col.mask(empty)  # « » : objets
    # types mêlés (nombres et quelques textes) : seuls les textes sont repris
    cells = col.to_numpy(dtype=object, copy=True)
    pos = [i for i, kind in enumerate(map(type, cells)) if kind is str]
    nan = np.nan
    cells[pos] = [v.strip() or nan for v in cells[pos].tolist()]
    return pd.Series(cells, index=col.index, dtype=object)


def _already_clean(col: pd.Series, distinct: Distinct | None = None, key: object = None
                   ) -> bool:
    """Colonne de texte (pyarrow) sans espace autour d'aucun texte ni texte vide : le
    nettoyage ne la changerait pas. Mêmes espaces que `Series.str.strip` (utf8_trim_whitespace),
    vérifiés en trois opérations pyarrow sur toute la colonne, ou sur ses valeurs distinctes
    (`distinct`, clé `key`) quand le début de la colonne en a peu."""
    arr = arrow_array(col)
    if arr is None:
        return False
    if distinct is not None and len(arr) > 2 * _HEAD_DISTINCT and pc.count_distinct(
            arr.slice(0, 2 * _HEAD_DISTINCT)).as_py() < _HEAD_DISTINCT:
        arr = arrow_array(distinct.uniques(key, col))
    length = pc.binary_length(arr)
    trimmed = pc.binary_length(pc.utf8_trim_whitespace(arr))
    if pc.any(pc.not_equal(length, trimmed)).as_py():
        return False
    shortest = pc.min(trimmed).as_py()
    return shortest is None or shortest > 0


def strip_text_rows(rows: list[list[str]]) -> list[list]:
    """Petit bloc de textes (en-tête d'un CSV) nettoyé comme par `strip_cells` : mêmes espaces
    retirés autour des textes, cellules vides → NaN."""
    trimmed = iter(pd.Series([v for r in rows for v in r], dtype="str").str.strip().tolist())
    return [[t if (t := next(trimmed)) != "" else np.nan for _ in r] for r in rows]


def _strip_texts(cols: dict, index: pd.Index) -> dict:
    """`strip_cells` pour de petites colonnes dont toutes les cellules sont des textes, en un
    seul passage : « » → NA ; sinon textes sans espaces autour (« » → NA), type « str »."""
    values = [v for col in cols.values() for v in col.tolist() if v != ""]
    trimmed = iter(pd.Series(values, dtype="str").str.strip().tolist())
    out = {}
    for c, col in cols.items():
        vals = col.tolist()
        if all(v == "" for v in vals):  # comme `col.mask(col == "")` : rien que des vides
            out[c] = pd.Series(np.nan, index=index, dtype=object)
            continue
        vals = [next(trimmed) if v != "" else "" for v in vals]
        out[c] = pd.Series([v if v != "" else np.nan for v in vals], index=index, dtype="str")
    return out
