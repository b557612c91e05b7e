"""Lignes parasites sous l'en-tête : lignes vides, en-têtes répétés entre deux blocs, totaux et
sous-totaux, séparateurs (année, mois, intitulé de bloc), notes de bas de tableau.

Le repérage est vectorisé colonne par colonne ; sur les colonnes de texte, il travaille sur les
valeurs distinctes (`kit._parse.Distinct`) quand elles sont déjà connues.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kit._parse import Distinct, arrow_array, normalize_label, regex_mask
from kit.io._layout import cell_kind, is_year, label_text

_TOTAL = re.compile(
    r"^(sous_?totaux?|sous_total|totaux?|total_general|ensemble|moyenne|moyennes|cumul|somme)(_|$)"
)
_TOTAL_SURE = re.compile(r"^(sous_?totaux?|sous_total|total_general|totaux)(_|$)")
_TOTAL_EXACT = {"total", "totaux", "sous_total", "total_general", "ensemble", "sous_totaux"}
_NOTE = re.compile(r"^\s*(sources?\b|notes?\b|nota\b|n\.\s?b\.?|lecture\b|champ\s?:|\(\d+\)|\*|\d\))",
                   re.I)
_MONTHS = {"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
           "octobre", "novembre", "decembre"}

#: une valeur dont le libellé normalisé commence par un mot de total contient l'un de ces
#: fragments (texte ASCII) ou un caractère non ASCII (accents : on vérifie alors en détail)
_TOTAL_HINT = r"(?i)sous|tota|ensemble|moyenne|cumul|somme|[^\x00-\x7f]"
#: motifs d'écart d'une ligne (« » : gardée ; « vide » : comptée à part, sans être citée)
REASONS = np.array(["", "vide", "en-tête répété", "total", "séparateur", "note"], dtype=object)


def _as_mask(s: pd.Series) -> np.ndarray:
    return s.fillna(False).to_numpy(dtype=bool)


def _number_text(text: str) -> bool:
    """`text` peut-il être l'écriture d'un nombre (str(2023) → « 2023 », « 1.5 », « nan ») ?"""
    try:
        float(text)
    except ValueError:
        return text in ("true", "false")
    return True


def _spread(mask: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Masque sur les valeurs distinctes → masque sur les cellules (vides : faux)."""
    return np.append(mask, False)[codes]


def _uniques(col: pd.Series, distinct: Distinct | None, key: object) -> pd.Series | None:
    """Valeurs distinctes d'une colonne de texte (calculées une fois, elles servent ensuite au
    typage) ; None pour une autre colonne ou sans `distinct`."""
    if distinct is None or not isinstance(col.dtype, pd.StringDtype):
        return None
    return distinct.uniques(key, col)


def _lower_in(uniq: pd.Series, values: list[str]) -> np.ndarray:
    """`uniq.str.lower().isin(values)` (valeurs distinctes, sans NA), en pyarrow direct : sans
    les frais fixes de l'accesseur `.str`, qui comptent sur un tableau de quelques lignes."""
    arr = arrow_array(uniq)
    if arr is None:
        return _as_mask(uniq.str.lower().isin(values))
    return pc.is_in(pc.utf8_lower(arr), value_set=pa.array(values)).to_numpy(
        zero_copy_only=False)


def _total_hint(uniq: pd.Series) -> np.ndarray:
    """`uniq.str.contains(_TOTAL_HINT)` (valeurs distinctes, sans NA)."""
    return regex_mask(uniq, _TOTAL_HINT, "contains")


def _header_hits(col: pd.Series, label: str, last: str, distinct: Distinct | None, key: object
                 ) -> np.ndarray:
    """Cellules égales au libellé de la colonne (ou à son sous-libellé)."""
    if col.dtype != object and not isinstance(col.dtype, pd.StringDtype) and not (
            _number_text(label) or _number_text(last)):
        return np.zeros(len(col), dtype=bool)  # une colonne de nombres ne répète pas un mot
    uniq = _uniques(col, distinct, key)
    if uniq is not None:  # textes déjà nettoyés : valeurs distinctes
        if not _lower_in(uniq, [label, last]).any():
            return np.zeros(len(col), dtype=bool)
        codes, uniq = distinct.get(key, col)
        return _spread(_lower_in(uniq, [label, last]), codes)
    cells = col.astype("str").str.strip().str.lower()
    return _as_mask((cells == label) | (cells == last))


def _total_hits(col: pd.Series, counts: np.ndarray, typical: float,
                distinct: Distinct | None, key: object) -> np.ndarray:
    """Lignes de total repérées dans la colonne `col` (« Total », « Sous-total Nord »…)."""
    hit = np.zeros(len(col), dtype=bool)
    uniq = _uniques(col, distinct, key)
    if uniq is not None:
        if not _total_hint(uniq).any():
            return hit
        all_codes, uniq = distinct.get(key, col)
        hint = _spread(_total_hint(uniq), all_codes)
        pos = np.flatnonzero(hint)
    else:
        if col.dtype == object:
            is_text = np.fromiter((type(v) is str for v in col.to_numpy()), bool, len(col))
        elif isinstance(col.dtype, pd.StringDtype):
            is_text = col.notna().to_numpy()
        else:  # nombres, dates : jamais un libellé de total
            return hit
        if not is_text.any():
            return hit
        text = col[is_text].astype("str")
        pos = np.flatnonzero(is_text)[_as_mask(text.str.contains(_TOTAL_HINT, regex=True))]
    if not len(pos):
        return hit
    codes, uniques = pd.factorize(col.iloc[pos])
    norm = [normalize_label(u) for u in uniques]
    sure = np.array([bool(_TOTAL_SURE.match(x)) or x in _TOTAL_EXACT for x in norm])[codes]
    maybe = np.array([bool(_TOTAL.match(x)) for x in norm])[codes]
    short = counts[pos] < typical
    sel = sure | (maybe & short)
    if (maybe & ~sel).any():  # colonne de libellés ? (« ENSEMBLE VOCAL » reste une donnée)
        probe = col.dropna().iloc[:: max(1, int(col.notna().sum()) // 200)]
        label_column = sum(cell_kind(v) == "texte" for v in probe) >= 0.5 * max(1, len(probe))
        if not label_column:
            sel = sure | maybe
    hit[pos[sel]] = True
    return hit


def junk_rows(body: pd.DataFrame, labels: list[str],
              hidden: dict[object, pd.Series] | None = None,
              distinct: Distinct | None = None) -> pd.Series:
    """Motif d'écart de chaque ligne (« » si la ligne est gardée).

    `body` a été nettoyé par `strip_cells`. `hidden` : par colonne, cellules que `body` montre
    vides mais qui contiennent un texte (valeurs de remplacement lues comme manquantes par le
    lecteur CSV rapide), indexées par ligne ; elles comptent comme le texte qu'elles
    contiennent. `distinct` : valeurs distinctes des colonnes, déjà calculées ou à garder.
    """
    code, _ = junk_codes(body, labels, hidden, distinct)
    return pd.Series(REASONS[code], index=body.index, dtype=object)


def junk_codes(body: pd.DataFrame, labels: list[str],
               hidden: dict[object, pd.Series] | None = None,
               distinct: Distinct | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`junk_rows` en codes : (motif de chaque ligne, indice dans `REASONS` ; cellules non
    vides, tableau lignes × colonnes, cellules cachées comprises)."""
    hidden = hidden or {}
    present = body.notna().to_numpy(copy=bool(hidden))  # modifiable si on y ajoute des cellules
    hidden_at = {}  # colonne (position) → (lignes (positions), textes)
    for c, cells in hidden.items():
        j = body.columns.get_loc(c)
        hidden_at[j] = (body.index.get_indexer(cells.index), cells.to_numpy(dtype=object))
        present[hidden_at[j][0], j] = True
    counts = present.sum(axis=1)
    code = np.zeros(len(body), dtype=np.int8)
    code[counts == 0] = 1
    width = len(body.columns)
    nonblank = counts[counts > 0]
    typical = float(np.median(nonblank)) if len(nonblank) else 0.0
    # en-têtes répétés entre deux blocs
    hits = np.zeros(len(body), dtype=int)
    named = [(c, labels[i]) for i, c in enumerate(body.columns) if labels[i]][:3]
    for c, label in named:
        label, last = label.lower(), label.split(" - ")[-1].lower()  # sous-libellé
        hits += _header_hits(body[c], label, last, distinct, c)
        if c in hidden:
            rows = body.index.get_indexer(hidden[c].index)
            low = hidden[c].str.lower().to_numpy()
            hits[rows] += (low == label) | (low == last)
    code[(hits >= min(2, len(named))) & (hits > 0) & (code == 0)] = 2
    # lignes de total / sous-total (« ENSEMBLE VOCAL » ou « TOTAL ENERGIES » restent des données)
    for c in body.columns[:3]:
        code[_total_hits(body[c], counts, typical, distinct, c) & (code == 0)] = 3

    def first_value(r: int) -> object:
        j = int(present[r].argmax())
        if j in hidden_at:
            at = np.flatnonzero(hidden_at[j][0] == r)
            if len(at):
                return hidden_at[j][1][at[0]]
        return body.iat[r, j]

    # lignes à une seule cellule : séparateurs (année, mois, intitulé de bloc) ou notes
    if width >= 2:
        index = body.index.to_numpy()
        regular = np.flatnonzero((counts >= max(2, 0.5 * typical)) & (code == 0))
        last_regular = index[regular].max() if len(regular) else None
        for r in np.flatnonzero((counts == 1) & (code == 0)).tolist():
            value = first_value(r)
            text = label_text(value)
            if width == 2:  # une cellule seule peut être un enregistrement incomplet : n'est
                # une note que celle qui commence comme une note, après la dernière ligne
                # complète
                if last_regular is not None and index[r] > last_regular and isinstance(
                        value, str) and _NOTE.match(text):
                    code[r] = 5
            elif is_year(value) or normalize_label(text) in _MONTHS:
                code[r] = 4
            elif _NOTE.match(text) or (last_regular is not None and index[r] > last_regular):
                code[r] = 5
            elif isinstance(value, str):
                code[r] = 4
    # deux cellules de texte après la fin du tableau, commençant comme une note : « (1) », « Source »
    if width >= 3:
        for r in np.flatnonzero((counts == 2) & (code == 0)).tolist():
            value = first_value(r)
            if isinstance(value, str) and _NOTE.match(value):
                code[r] = 5
    return code, present
