"""Lecture typée d'une colonne selon le type Table Schema de son champ (usage interne).

Chaque fonction rend un `Typed` : valeurs converties, cellules illisibles (erreur « type »),
valeurs de remplacement (secret, nd…) et cellules lisibles à la française mais pas écrites
comme le schéma le demande (avertissement « format-non-standard », utile avant publication).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit import _parse

#: Types Table Schema vérifiés ; les autres sont traités comme du texte (avec un avertissement).
CHECKED_TYPES = ("string", "number", "integer", "date", "datetime", "boolean", "year",
                 "yearmonth")

_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_URI = r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s]+"
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_ISO_DATETIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
_DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
_DEFAULT_FALSE = ["false", "False", "FALSE", "0"]


@dataclass
class Typed:
    """Résultat de la lecture typée d'une colonne."""

    values: pd.Series
    invalid: pd.Series
    placeholder: pd.Series
    nonstandard: pd.Series
    #: ce qui est attendu, pour les messages : « un nombre est attendu (ex. 1 234,50) »
    expected: str
    #: écriture standard demandée par le schéma (messages « format-non-standard »)
    standard: str = ""
    #: code de l'erreur pour `invalid` : « type » ou « format »
    code: str = "type"


def raw_text(s: pd.Series) -> pd.Series:
    """Texte d'origine des cellules saisies comme texte (NA sinon), sans espaces autour."""
    if isinstance(s.dtype, pd.StringDtype) or (
            s.dtype == object and pd.api.types.infer_dtype(s) in ("string", "empty")):
        return s.astype("str").str.strip().astype(object).where(s.notna(), None)
    if s.dtype == object:
        return s.map(lambda v: v.strip() if isinstance(v, str) else None)
    return pd.Series(None, index=s.index, dtype=object)


def as_text(s: pd.Series) -> pd.Series:
    """Valeurs d'une colonne sous forme de texte (dates ISO, entiers sans « .0 »), NA si vide."""
    if pd.api.types.is_bool_dtype(s.dtype):
        out = s.astype(object).map(lambda v: "true" if v else "false", na_action="ignore")
    elif pd.api.types.is_datetime64_any_dtype(s.dtype):
        present = s.dropna()
        midnight = bool((present.dt.normalize() == present).all())
        out = s.dt.strftime("%Y-%m-%d") if midnight else s.dt.strftime("%Y-%m-%dT%H:%M:%S")
        out = out.astype(object)
    elif pd.api.types.is_numeric_dtype(s.dtype):
        out = s.astype(object).map(_number_text, na_action="ignore")
    elif isinstance(s.dtype, pd.StringDtype) or pd.api.types.infer_dtype(s) in ("string",
                                                                              "empty"):
        out = s.astype("str").str.strip().astype(object)
    else:
        out = s.map(cell_text, na_action="ignore").astype(object)
    out = out.where(out.notna(), None)
    return out.where(out != "", None)


def _number_text(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def cell_text(v: Any) -> str:
    if isinstance(v, (float, int, np.number)) and not isinstance(v, bool):
        return _number_text(v)
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.isoformat()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v).strip()


def _false(s: pd.Series) -> pd.Series:
    return pd.Series(False, index=s.index)


def _fullmatch(text: pd.Series, pattern: str) -> pd.Series:
    """Masque : texte présent et conforme au motif (NA → False)."""
    ok = text.dropna().astype(str).str.fullmatch(pattern)
    return ok.reindex(text.index, fill_value=False).astype(bool)


def read_typed(s: pd.Series, field: dict[str, Any]) -> Typed:
    """Lit la colonne `s` selon le champ `field` (type, format, decimalChar…)."""
    kind = field.get("type", "string")
    reader = _READERS.get(kind, _read_string)
    return reader(s, field)


def _read_string(s: pd.Series, field: dict[str, Any]) -> Typed:
    values = as_text(s)
    fmt = field.get("format", "default")
    invalid = _false(s)
    expected = "un texte est attendu"
    if fmt == "email":
        invalid = values.notna() & ~_fullmatch(values, _EMAIL)
        expected = "une adresse e-mail est attendue (ex. nom@exemple.fr)"
    elif fmt == "uri":
        invalid = values.notna() & ~_fullmatch(values, _URI)
        expected = "une adresse web complète est attendue (ex. https://www.exemple.fr)"
    return Typed(values, invalid, _false(s), _false(s), expected, code="format")


def _strict_number(text: pd.Series, field: dict[str, Any]) -> pd.Series:
    """Écriture standard Table Schema : « 1234.5 » (decimalChar / groupChar du schéma)."""
    dec = re.escape(field.get("decimalChar", "."))
    group = field.get("groupChar")
    if group:
        text = text.str.replace(group, "", regex=False)
    if field.get("bareNumber", True) is False:
        text = text.str.replace(r"^[^\d+\-.,]+|[^\d.,]+$", "", regex=True)
    pattern = rf"[+-]?(\d+({dec}\d*)?|{dec}\d+)([eE][+-]?\d+)?|NaN|[+-]?INF"
    return _fullmatch(text, pattern)


def _number_example(field: dict[str, Any]) -> str:
    return "1234" + field.get("decimalChar", ".") + "5"


def _read_number(s: pd.Series, field: dict[str, Any]) -> Typed:
    parsed = _parse.parse_numbers(s)
    text = raw_text(s)
    nonstd = text.notna() & ~parsed.invalid & ~parsed.placeholder
    nonstd &= ~_strict_number(text, field)
    return Typed(parsed.values, parsed.invalid, parsed.placeholder, nonstd,
                 "un nombre est attendu (ex. 1 234,50)",
                 f"un nombre écrit sans espace ni symbole, séparateur décimal "
                 f"« {field.get('decimalChar', '.')} » (ex. {_number_example(field)})")


def _read_integer(s: pd.Series, field: dict[str, Any]) -> Typed:
    parsed = _parse.parse_integers(s)
    text = raw_text(s)
    nonstd = text.notna() & ~parsed.invalid & ~parsed.placeholder
    nonstd &= ~_fullmatch(text, r"[+-]?\d+")
    return Typed(parsed.values, parsed.invalid, parsed.placeholder, nonstd,
                 "un nombre entier est attendu (ex. 12)",
                 "un nombre entier écrit sans espace ni symbole (ex. 1234)")


def _date_format(field: dict[str, Any]) -> tuple[str | None, str]:
    """(format strptime ou None pour ISO, exemple lisible)."""
    fmt = field.get("format", "default")
    if isinstance(fmt, str) and "%" in fmt:
        return fmt, pd.Timestamp("2024-12-31").strftime(fmt)
    return None, "2024-12-31"


def _read_date(s: pd.Series, field: dict[str, Any]) -> Typed:
    parsed = _parse.parse_dates(s)
    text = raw_text(s)
    pattern, example = _date_format(field)
    values, invalid = parsed.values, parsed.invalid
    if field.get("format") == "any":
        strict = text.notna()
    elif pattern is None:
        strict = _fullmatch(text, _ISO_DATE)
    else:
        exact = pd.to_datetime(text.where(text.notna()), format=pattern, errors="coerce")
        strict = exact.notna()
        # une date au format du schéma est valide même si le lecteur français ne la lit pas
        values = values.where(~(invalid & strict), exact.astype(values.dtype))
        invalid = invalid & ~strict
    nonstd = text.notna() & ~invalid & ~parsed.placeholder & ~strict
    fmt_txt = pattern or "%Y-%m-%d"
    std = (fmt_txt.replace("%Y", "AAAA").replace("%m", "MM").replace("%d", "JJ")
           .replace("%y", "AA"))
    return Typed(values, invalid, parsed.placeholder, nonstd,
                 "une date est attendue (ex. 31/12/2024 ou 2024-12-31)",
                 f"une date au format {std} (ex. {example})")


def _read_datetime(s: pd.Series, field: dict[str, Any]) -> Typed:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        values = s.dt.tz_convert(None) if s.dt.tz is not None else s
        return Typed(values, _false(s), _false(s), _false(s), "")
    text = raw_text(s)
    iso = pd.to_datetime(text.where(_fullmatch(text, _ISO_DATETIME)), format="ISO8601",
                         utc=True, errors="coerce").dt.tz_convert(None)
    rest = s.where(iso.isna() | text.isna())
    parsed = _parse.parse_dates(rest)
    values = iso.astype("datetime64[us]").fillna(parsed.values)
    invalid = parsed.invalid & iso.isna()
    nonstd = text.notna() & ~invalid & ~parsed.placeholder & iso.isna()
    return Typed(values, invalid, parsed.placeholder, nonstd,
                 "une date et heure est attendue (ex. 2024-12-31T14:30:00)",
                 "une date et heure ISO 8601 (ex. 2024-12-31T14:30:00Z)")


def _read_boolean(s: pd.Series, field: dict[str, Any]) -> Typed:
    trues = [str(v) for v in field.get("trueValues", _DEFAULT_TRUE)]
    falses = [str(v) for v in field.get("falseValues", _DEFAULT_FALSE)]
    parsed = _parse.parse_booleans(s)
    text = raw_text(s)
    values = parsed.values.copy()
    values[text.isin(trues)] = True
    values[text.isin(falses)] = False
    strict = text.isin(trues + falses)
    invalid = parsed.invalid & ~strict
    nonstd = text.notna() & ~invalid & ~parsed.placeholder & ~strict
    choix = " ou ".join(f"« {v} »" for v in (trues[:1] + falses[:1]))
    return Typed(values, invalid, parsed.placeholder, nonstd,
                 f"une valeur oui/non est attendue ({choix})",
                 f"exactement {choix}")


def _read_year(s: pd.Series, field: dict[str, Any]) -> Typed:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        values = s.dt.year.astype("Int64")
        return Typed(values, _false(s), _false(s), _false(s), "")
    parsed = _parse.parse_integers(s)
    text = raw_text(s)
    invalid = parsed.invalid | (parsed.values.notna() & ~parsed.values.between(0, 9999))
    nonstd = text.notna() & ~invalid & ~parsed.placeholder & ~_fullmatch(text, r"\d{4}")
    return Typed(parsed.values.mask(invalid), invalid, parsed.placeholder, nonstd,
                 "une année sur 4 chiffres est attendue (ex. 2024)",
                 "une année sur 4 chiffres (ex. 2024)")


def _read_yearmonth(s: pd.Series, field: dict[str, Any]) -> Typed:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return Typed(s.dt.to_period("M"), _false(s), _false(s), _false(s), "")
    text = as_text(s)
    placeholder = text.str.lower().isin(_parse.PLACEHOLDERS).fillna(False).astype(bool)
    strict = _fullmatch(text, r"\d{4}-(0[1-9]|1[0-2])")
    loose = _fullmatch(text, r"(0?[1-9]|1[0-2])[/.-]\d{4}|\d{4}/(0?[1-9]|1[0-2])")
    invalid = text.notna() & ~placeholder & ~strict & ~loose
    digits = text.where(strict | loose).str.findall(r"\d+")
    iso = digits.map(lambda d: f"{max(d, key=len)}-{int(min(d, key=len)):02d}",
                     na_action="ignore")
    values = pd.PeriodIndex(iso.where(iso.notna(), None), freq="M").to_series(index=s.index)
    return Typed(values, invalid, placeholder, loose & ~strict,
                 "un mois est attendu (ex. 2024-03)", "un mois au format AAAA-MM (ex. 2024-03)")


_READERS = {
    "string": _read_string,
    "number": _read_number,
    "integer": _read_integer,
    "date": _read_date,
    "datetime": _read_datetime,
    "boolean": _read_boolean,
    "year": _read_year,
    "yearmonth": _read_yearmonth,
}
