"""Typage des colonnes : nombres, dates, booléens, codes (texte avec zéros de tête) ou texte.

Règle : une colonne n'est convertie que si **toutes** ses cellules non vides (hors valeurs de
remplacement « secret », « nd »…) se convertissent ; sinon elle reste en texte et le validateur
signale les cellules fautives. Aucune donnée n'est perdue en silence.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from kit._parse import (
    PLACEHOLDERS,
    SERIAL_MAX,
    SERIAL_MIN,
    Parsed,
    normalize_label,
    parse_booleans,
    parse_dates,
    parse_integers,
    parse_numbers,
)

# (motif sur le libellé normalisé, largeur du code : les zéros de tête sont rétablis)
_CODE_NAMES: list[tuple[re.Pattern, int | None]] = [
    (re.compile(r"(^|_)siret($|_)"), 14),
    (re.compile(r"(^|_)siren($|_)"), 9),
    (re.compile(r"(^|_)(code_?insee|insee|codgeo|code_commune|code_com|depcom|cog|com)($|_)"), 5),
    (re.compile(r"(^|_)(code_postal|codepostal|cp|postal|cdpost|codpost)($|_)"), 5),
    (re.compile(r"(^|_)(tel|telephone|phone|fax|mobile|portable)($|_)"), 10),
    (re.compile(r"(^|_)(code|id|identifiant|ref|reference|numero|n|no|num|matricule|uai|rna|"
                r"iris|nic|siret|siren|nir|iban|immatriculation)($|_)|^id[a-z]"), None),
]
_WIDTH_PATTERN = re.compile(r"^\^?(?:\\d|\[0-9\])\{(\d+)\}\$?$")


def code_width(label: str) -> tuple[bool, int | None]:
    """(est-ce une colonne de codes ?, largeur à rétablir) d'après son libellé."""
    norm = normalize_label(label)
    if re.search(r"(^|_)(libelle|nom|intitule|designation|adresse|objet)($|_)", norm):
        return False, None
    for pattern, width in _CODE_NAMES:
        if pattern.search(norm):
            return True, width
    return False, None


def _to_code_text(col: pd.Series, width: int | None) -> pd.Series:
    """Codes en texte ; les nombres (Excel) perdent leur « .0 » et retrouvent leurs zéros."""
    if not (isinstance(col.dtype, pd.StringDtype) or _kind(col) in ("string", "empty")):
        col = pd.Series([_cell_text(v) for v in col.tolist()], index=col.index, dtype="str")
    text = col.astype("str")
    width = width or _usual_width(text)
    if width:  # un ou deux zéros de tête perdus ; un code plus court est une erreur à voir
        length = text.str.len()
        short = text.str.fullmatch(r"\d+").fillna(False) & length.between(width - 2, width - 1)
        if short.any():
            text = text.mask(short, text.str.zfill(width))
    return text


def _cell_text(v: object) -> str | None:
    """Texte d'une cellule brute : 7999.0 → « 7999 », date → « 2024-01-05 »."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        v = int(v)
    if isinstance(v, (dt.datetime, pd.Timestamp)):
        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat(sep=" ")
    return str(v).strip()


def _usual_width(text: pd.Series) -> int | None:
    """Largeur commune des codes numériques d'une colonne (5 : INSEE ou postal, 9 : SIREN,
    14 : SIRET) quand au moins 80 % des codes l'ont ; sinon None."""
    digits = text[text.str.fullmatch(r"\d+").fillna(False)]
    if len(digits) < 3:
        return None
    lengths = digits.str.len().value_counts()
    usual, count = int(lengths.index[0]), int(lengths.iloc[0])
    return usual if usual in (5, 9, 14) and count >= 0.8 * len(digits) else None


def _to_text(col: pd.Series) -> pd.Series:
    if isinstance(col.dtype, pd.StringDtype):
        return col
    return _to_code_text(col, None)


def _has_leading_zero_codes(col: pd.Series) -> bool:
    if _kind(col) in ("floating", "integer", "mixed-integer-float", "empty"):
        return False
    text = col[col.map(type) == str] if col.dtype == object and _kind(col) != "string" else col
    text = text.dropna()
    if text.empty:
        return False
    return bool(text.astype("str").str.match(r"^0\d+$").any())


def _kind(col: pd.Series) -> str:
    return pd.api.types.infer_dtype(col, skipna=True)


def convert_column(col: pd.Series, label: str, field: dict | None = None
                   ) -> tuple[pd.Series, str, int]:
    """Convertit une colonne brute ; renvoie (colonne, type, nombre de valeurs de remplacement)."""
    ftype = (field or {}).get("type")
    is_code, width = code_width(label)
    if field is not None:
        pattern = (field.get("constraints") or {}).get("pattern", "")
        m = _WIDTH_PATTERN.match(pattern or "")
        width = int(m.group(1)) if m else (width if is_code else None)
        if ftype in (None, "string", "any"):
            native_num = _kind(col) in ("floating", "integer", "mixed-integer-float", "mixed-integer")
            if is_code or width or native_num or ftype == "string":
                return _to_code_text(col, width), "code" if (is_code or width) else "texte", 0
    if col.isna().all():
        return _to_text(col), "texte", 0
    if field is None and is_code:
        return _to_code_text(col, width), "code", 0
    kind = _kind(col)
    named_date = "date" in normalize_label(label) or ftype in ("date", "datetime")
    if ftype is None:
        if kind in ("floating", "integer", "mixed-integer-float"):
            serials = col.dropna()
            if named_date and serials.between(SERIAL_MIN, SERIAL_MAX).all():
                return parse_dates(col).values, "date", 0  # numéros de série Excel
            return _numeric(col.astype("float64"))
        if kind in ("datetime", "datetime64", "date"):
            return parse_dates(col).values, "date", 0
        if kind == "boolean":
            return col.astype("boolean"), "booleen", 0
    if ftype in (None, "boolean") and _boolean_candidate(col, strict=ftype is None):
        res = _attempt(parse_booleans, col)
        if res is not None:
            return res.values, "booleen", int(res.placeholder.sum())
    wordy = ftype is None and _has_wordy_text(col)  # « Dupont » n'est ni un nombre ni une date
    if ftype in (None, "number", "integer", "year") and not wordy:
        if ftype is not None or not _has_leading_zero_codes(col):
            parser = parse_integers if ftype in ("integer", "year") else parse_numbers
            res = _attempt(parser, col)
            if res is not None and res.values.notna().any():
                if ftype in ("integer", "year"):
                    return res.values, "entier", int(res.placeholder.sum())
                values, kind_name, _ = _numeric(res.values)
                return values, kind_name, int(res.placeholder.sum())
    if ftype in (None, "date", "datetime") and not wordy:
        if ftype is not None or named_date or kind not in ("floating", "integer"):
            res = _attempt(parse_dates, col, serial=named_date)
            if res is not None and res.values.notna().any():
                return res.values, "date", int(res.placeholder.sum())
    return _to_text(col), "texte", 0


def _has_wordy_text(col: pd.Series) -> bool:
    """Au moins un texte sans aucun chiffre (hors valeurs de remplacement) parmi les 200
    premières valeurs distinctes : la colonne ne peut être ni numérique ni de dates."""
    uniq = pd.Series(pd.unique(col.dropna())[:200], dtype=object)
    text = uniq[uniq.map(lambda v: isinstance(v, str))].astype("str").str.strip()
    text = text[~text.str.lower().isin(PLACEHOLDERS)]
    return bool((~text.str.contains(r"\d")).any())


def _attempt(parser, col: pd.Series, **kw) -> Parsed | None:
    """Analyse la colonne valeur distincte par valeur distincte ; None si une cellule résiste.

    Un échantillon de valeurs distinctes est essayé d'abord : une colonne de texte libre est
    ainsi écartée sans analyser ses milliers de valeurs.
    """
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    uniq = pd.Series(uniques, dtype=col.dtype if isinstance(col.dtype, pd.StringDtype) else object)
    if len(uniq) > 200 and parser(uniq.iloc[:100], **kw).invalid.any():
        return None
    res = parser(uniq, **kw)
    if res.invalid.any():
        return None

    def spread(s: pd.Series) -> pd.Series:
        return pd.Series(s.array.take(codes, allow_fill=True), index=col.index)

    placeholder = spread(res.placeholder.astype("boolean")).fillna(False).astype(bool)
    return Parsed(spread(res.values), pd.Series(False, index=col.index), placeholder)


def _numeric(values: pd.Series) -> tuple[pd.Series, str, int]:
    finite = values.dropna()
    if len(finite) and (finite == np.floor(finite)).all() and finite.abs().max() < 2**53:
        return values.round().astype("Int64"), "entier", 0
    return values.astype("float64"), "nombre", 0


def _boolean_candidate(col: pd.Series, strict: bool) -> bool:
    """Une colonne de booléens contient au moins un mot (oui, non, x…), pas seulement 0/1."""
    uniq = {str(v).strip().lower() for v in col.dropna().unique()[:50]}
    uniq.discard("")
    words = {"oui", "non", "vrai", "faux", "x", "true", "false", "yes", "no"}
    if not uniq:
        return False
    if strict:
        return bool(uniq & words) and uniq <= words | {"0", "1", "o", "n"}
    return True
