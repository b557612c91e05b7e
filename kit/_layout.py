"""Mise en forme d'une feuille brute : trouver l'en-tête, nommer les colonnes, écarter les lignes
parasites (totaux, séparateurs, en-têtes répétés, notes de bas de tableau).

Une feuille brute est une liste de lignes (listes de cellules) : les 60 premières servent à
repérer l'en-tête ; le corps est ensuite traité colonne par colonne, de façon vectorisée.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from kit._parse import normalize_label

SAMPLE_ROWS = 60

_NUMBER_LIKE = re.compile(r"^[-+(−]?\s*\d[\d \u00a0\u202f\u2009.,']*\)?\s*(%|€|eur)?$", re.I)
_DATE_LIKE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")
_TOTAL = re.compile(
    r"^(sous_?totaux?|sous_total|totaux?|total_general|ensemble|moyenne|moyennes|cumul|somme)(_|$)"
)
_TOTAL_SURE = re.compile(r"^(sous_?totaux?|sous_total|total_general|totaux)(_|$)")
_TOTAL_EXACT = {"total", "totaux", "sous_total", "total_general", "ensemble", "sous_totaux"}
_NOTE = re.compile(r"^\s*(sources?\b|notes?\b|nota\b|n\.\s?b\.?|lecture\b|champ\s?:|\(\d+\)|\*|\d\))",
                   re.I)
_MONTHS = {"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
           "octobre", "novembre", "decembre"}


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


def _is_year(v: object) -> bool:
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
    width = float(np.percentile([c for c in counts if c], 90))
    need = max(2, math.ceil(0.6 * width)) if width >= 2 else 1
    header = None
    for i, row in enumerate(kinds):
        texts = sum(k == "texte" for k in row)
        years = sum(k == "nombre" and _is_year(v) for k, v in zip(row, sample[i]))
        if filled_counts[i] < need or texts == 0:
            continue
        if texts + years < 0.8 * counts[i]:
            continue
        labels = [label_text(v) for v in sample[i] if not is_blank_cell(v)]
        if len(set(labels)) < 0.7 * len(labels) or len(labels) < 0.5 * filled_counts[i]:
            continue
        if width >= 3 and counts[i] <= 1:
            continue
        header = i
        break
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
        if (under_group and blank_under) or text_over_numbers >= 2:
            n = below - start + 1
    return start, n


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


def column_letter(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def strip_cells(body: pd.DataFrame) -> pd.DataFrame:
    """Enlève les espaces autour des textes et remplace les cellules vides par NA."""
    out = {}
    for c in body.columns:
        col = body[c]
        if col.dtype == object:
            col = col.mask(col == "")
            kind = pd.api.types.infer_dtype(col, skipna=True)
            if kind == "string":
                col = col.astype("str").str.strip()
                col = col.mask(col == "")
            elif kind not in ("floating", "integer", "mixed-integer-float", "empty", "datetime",
                              "date", "boolean"):
                vals = [v.strip() if type(v) is str else v for v in col.tolist()]
                col = pd.Series(vals, index=body.index, dtype=object)
                col = col.mask(col == "")
        elif isinstance(col.dtype, pd.StringDtype):
            col = col.str.strip()
            col = col.mask(col == "")
        out[c] = col
    return pd.DataFrame(out, index=body.index)


def junk_rows(body: pd.DataFrame, labels: list[str]) -> pd.Series:
    """Motif d'écart de chaque ligne (« » si la ligne est gardée)."""
    present = body.notna()
    counts = present.sum(axis=1)
    motif = pd.Series("", index=body.index, dtype=object)
    motif[counts == 0] = "vide"
    width = len(body.columns)
    nonblank = counts[counts > 0]
    typical = float(nonblank.median()) if len(nonblank) else 0.0
    first_cols = [c for c in body.columns[:3]]
    # en-têtes répétés entre deux blocs
    hits = pd.Series(0, index=body.index)
    named = [(c, labels[i]) for i, c in enumerate(body.columns) if labels[i]][:3]
    for c, label in named:
        last = label.split(" - ")[-1].lower()  # en-tête sur deux lignes : le sous-libellé
        cells = body[c].astype("str").str.strip().str.lower()
        hits += ((cells == label.lower()) | (cells == last)).astype(int)
    motif[(hits >= min(2, len(named))) & (hits > 0) & (motif == "")] = "en-tête répété"
    # lignes de total / sous-total (« ENSEMBLE VOCAL » ou « TOTAL ENERGIES » restent des données)
    for c in first_cols:
        col = body[c]
        is_text = col.map(type) == str if col.dtype == object else col.notna()
        text = col.where(is_text).dropna()
        if not len(text):
            continue
        codes, uniques = pd.factorize(text)
        norm = pd.Series([normalize_label(u) for u in uniques], dtype="str")
        norm = pd.Series(norm.to_numpy()[codes], index=text.index, dtype="str")
        sure = norm.str.match(_TOTAL_SURE.pattern) | norm.isin(_TOTAL_EXACT)
        maybe = norm.str.match(_TOTAL.pattern)
        probe = col.dropna().iloc[:: max(1, col.notna().sum() // 200)]
        label_column = sum(cell_kind(v) == "texte" for v in probe) >= 0.5 * max(1, len(probe))
        short = counts[norm.index] < typical
        sel = sure | (maybe & (short | (not label_column)))
        hit = sel[sel].index
        motif[hit.intersection(motif.index[motif == ""])] = "total"
    # lignes à une seule cellule : séparateurs (année, mois, intitulé de bloc) ou notes
    if width >= 3:
        single = counts[(counts == 1) & (motif == "")].index
        regular = counts[(counts >= max(2, 0.5 * typical)) & (motif == "")].index
        last_regular = regular.max() if len(regular) else None
        for i in single:
            value = body.loc[i][present.loc[i]].iloc[0]
            text = label_text(value)
            if _is_year(value) or normalize_label(text) in _MONTHS:
                motif[i] = "séparateur"
            elif _NOTE.match(text) or (last_regular is not None and i > last_regular):
                motif[i] = "note"
            elif isinstance(value, str):
                motif[i] = "séparateur"
    # deux cellules de texte après la fin du tableau, commençant comme une note : « (1) », « Source »
    if width >= 3:
        pairs = counts[(counts == 2) & (motif == "")].index
        for i in pairs:
            value = body.loc[i][present.loc[i]].iloc[0]
            if isinstance(value, str) and _NOTE.match(value):
                motif[i] = "note"
    return motif
