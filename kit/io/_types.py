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
    Distinct,
    Parsed,
    arrow_array,
    could_be_date,
    normalize_label,
    parse_booleans,
    parse_dates,
    parse_integers,
    parse_numbers,
    regex_mask,
)
from kit.errors import KitError
from kit.territories import load_former_codes, load_territories

# (motif sur le libellé normalisé, largeur du code : les zéros de tête sont rétablis)
_CODE_NAMES: list[tuple[re.Pattern, int | None]] = [
    (re.compile(r"(^|_)siret($|_)"), 14),
    (re.compile(r"(^|_)siren($|_)"), 9),
    (re.compile(r"(^|_)(code_?insee|insee|codgeo|code_commune|code_com|depcom|cog|com)($|_)"), 5),
    # code de la commune dans son département (DGFiP : « icom », 3 chiffres)
    (re.compile(r"(^|_)icom($|_)"), 3),
    (re.compile(r"(^|_)(code_postal|codepostal|cp|postal|cdpost|codpost)($|_)"), 5),
    (re.compile(r"(^|_)(tel|telephone|phone|fax|mobile|portable)($|_)"), 10),
    (re.compile(r"(^|_)(code|id|identifiant|ref|reference|numero|n|no|num|matricule|uai|rna|"
                r"iris|nic|siret|siren|nir|iban|immatriculation)($|_)|^id[a-z]"), None),
]
#: codes reconnus à leur libellé, sauf si le libellé est celui d'une mesure (« Nombre de
#: départements », « Montant par article ») : département (« 01 », « 2A », « 971 »), région,
#: NAF/APE, comptes et chapitres budgétaires (« 011 »)
_MORE_CODE_NAMES: list[tuple[re.Pattern, int | None]] = [
    (re.compile(r"(^|_)(dep|dept|departements?|code_?dep|code_?departement|num_?dep|cdep)"
                r"($|_)"), 2),
    (re.compile(r"(^|_)(reg|regions?|code_?reg|code_?region)($|_)"), 2),
    (re.compile(r"(^|_)(naf|ape|code_?naf|code_?ape|naf_?rev2|activite_principale)($|_)"), None),
    (re.compile(r"(^|_)(chapitre|article|imputation|compte|compte_nature|numero_compte|"
                r"num_compte|code_compte|code_nature|nature_comptable|fonction|sous_fonction)"
                r"($|_)"), None),
]
#: libellé d'une colonne de communes, qui peut ne porter que la partie communale du code
_COMMUNE_PART = re.compile(r"(^|_)(com|code_com|code_commune|commune|cod_com|c_com)($|_)")
_MEASURE = re.compile(r"(^|_)(nombre|nb|nbre|total|totale|somme|montant|taux|part|population|"
                      r"pop|effectifs?|moyenne|ratio|part)($|_)")
_WIDTH_PATTERN = re.compile(r"^\^?(?:\\d|\[0-9\])\{(\d+)\}\$?$")


def code_width(label: str) -> tuple[bool, int | None]:
    """(est-ce une colonne de codes ?, largeur à rétablir) d'après son libellé."""
    norm = normalize_label(label)
    if re.search(r"(^|_)(libelle|nom|intitule|designation|adresse|objet)($|_)", norm):
        return False, None
    measure = _MEASURE.search(norm)
    if not measure:  # « Code INSEE de la région » : code de région, pas de commune
        for pattern, width in _MORE_CODE_NAMES[:2]:
            if pattern.search(norm):
                return True, width
    for pattern, width in _CODE_NAMES:
        if pattern.search(norm):
            return True, width
    if not measure:
        for pattern, width in _MORE_CODE_NAMES:
            if pattern.search(norm):
                return True, width
    return False, None


def _commune_codes(col: pd.Series, label: str) -> bool:
    """Colonne de nombres entiers qui sont tous des codes INSEE de commune une fois complétés
    à 5 chiffres (« 1053 » → « 01053 ») : au moins trois valeurs distinctes, libellé qui n'est
    pas celui d'une mesure. Vérifié sur le Code officiel géographique embarqué."""
    if _MEASURE.search(normalize_label(label)):
        return False
    low, high = col.min(), col.max()  # test rapide avant les valeurs distinctes
    if pd.isna(low) or low < 1001 or high > 97617:
        return False
    values = pd.unique(col.dropna().to_numpy(dtype="float64"))
    if len(values) < 3 or len(values) > 40000 or not (
            (values >= 1001) & (values <= 97617) & (values == np.floor(values))).all():
        return False
    if ((values >= 1900) & (values <= 2100)).all() or re.search(
            r"(^|_)(annee|annees|exercice|year|an|millesime)($|_)", normalize_label(label)):
        return False  # des années (2018 → « 02018 » existe aussi dans l'Ain)
    try:  # référentiel lu une fois, au premier besoin
        known = _commune_set()
    except KitError:
        return False
    return all(f"{int(v):05d}" in known for v in values)


_COMMUNES: set[str] = set()


def _commune_set() -> set[str]:
    """Codes des communes actuelles et anciennes (communes fusionnées, arrondissements)."""
    if not _COMMUNES:
        _COMMUNES.update(load_territories("commune")["code"].astype(str).tolist())
        _COMMUNES.update(load_former_codes()["code_ancien"].astype(str).tolist())
    return _COMMUNES


def _to_code_text(col: pd.Series, width: int | None, distinct: _Distinct | None = None
                  ) -> pd.Series:
    """Codes en texte ; les nombres (Excel) perdent leur « .0 » et retrouvent leurs zéros."""
    if distinct is not None and isinstance(col.dtype, pd.StringDtype) and (
            distinct.peek() is not None or col.iloc[:2000].nunique() <= 200):
        # sur les valeurs distinctes, déjà connues ou peu nombreuses (comptes, départements)
        return _fix_codes(col.astype("str"), width, distinct)
    if not (isinstance(col.dtype, pd.StringDtype) or _kind(col) in ("string", "empty")):
        col = pd.Series([_cell_text(v) for v in col.tolist()], index=col.index, dtype="str")
    text = col.astype("str")
    width = width or _usual_width(text)
    if width:  # un ou deux zéros de tête perdus ; un code plus court est une erreur à voir
        length = text.str.len()
        # un code écrit avec son zéro de tête (« 001 ») est tel que le fichier le donne
        short = text.str.fullmatch(r"\d+").fillna(False) & length.between(width - 2, width - 1) \
            & ~text.str.startswith("0")
        if short.any():
            text = text.mask(short, text.str.zfill(width))
    return text


def _commune_part(col: pd.Series, label: str, width: int | None, distinct: _Distinct) -> int | None:
    """Largeur 3 au lieu de 5 pour une colonne « commune » dont aucun code n'a plus de trois
    chiffres : la partie communale d'un code INSEE (« 1 » → « 001 »), pas le code entier."""
    if width != 5 or not _COMMUNE_PART.search(normalize_label(label)):
        return width
    values = [_cell_text(v) for v in distinct.uniques().tolist()]
    digits = [v for v in values if v and v.isdigit()]
    return 3 if digits and len(digits) == len([v for v in values if v]) and max(
        map(len, digits)) <= 3 else width


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
    if isinstance(text.dtype, pd.StringDtype) and int(text.str.isdecimal().sum()) < 3:
        return None  # moins de trois codes numériques (test rapide, même ensemble que « \d+ »)
    digits = text[text.str.fullmatch(r"\d+").fillna(False)]
    if len(digits) < 3:
        return None
    lengths = digits.str.len().value_counts()
    usual, count = int(lengths.index[0]), int(lengths.iloc[0])
    return usual if usual in (5, 9, 14) and count >= 0.8 * len(digits) else None


def _fix_codes(text: pd.Series, width: int | None, distinct: _Distinct) -> pd.Series:
    """`_to_code_text` sur les valeurs distinctes d'une colonne de texte (même résultat)."""
    uniq = distinct.uniques().astype("str")
    digits = regex_mask(uniq, r"\d+")
    if not width:  # `_usual_width`, chaque valeur distincte pesant son nombre de cellules
        codes, uniq = distinct.get()
        uniq = uniq.astype("str")
        weights = np.bincount(codes[codes >= 0], minlength=len(uniq))[digits]
        if weights.sum() < 3:
            return text
        by_length = np.bincount(uniq[digits].str.len().to_numpy(dtype=np.intp), weights=weights)
        usual = int(by_length.argmax())
        width = usual if usual in (5, 9, 14) and by_length[usual] >= 0.8 * weights.sum() else None
    if width:
        length = uniq.str.len().to_numpy(dtype=float)
        short = digits & (length >= width - 2) & (length <= width - 1) & ~np.asarray(
            uniq.str.startswith("0").fillna(False), dtype=bool)
        if short.any():
            codes, uniq = distinct.get()
            uniq = uniq.astype("str")
            fixed = uniq.mask(short, uniq.str.zfill(width))
            return pd.Series(fixed.array.take(codes, allow_fill=True), index=text.index,
                             name=text.name)
    return text


def _to_text(col: pd.Series, distinct: _Distinct | None = None) -> pd.Series:
    if isinstance(col.dtype, pd.StringDtype):
        return col
    return _to_code_text(col, None, distinct)


def _has_leading_zero_codes(col: pd.Series, uniques: pd.Series) -> bool:
    if _kind(col) in ("floating", "integer", "mixed-integer-float", "empty"):
        return False
    text = uniques
    if col.dtype == object and _kind(col) != "string":
        text = text[text.map(type) == str]
    if text.empty:
        return False
    return bool(regex_mask(text.astype("str"), r"0\d+").any())


def _kind(col: pd.Series) -> str:
    return pd.api.types.infer_dtype(col, skipna=True)


class _Distinct:
    """Valeurs distinctes d'une colonne (voir `kit._parse.Distinct`), calculées une seule fois
    pour tous les essais de conversion."""

    def __init__(self, col: pd.Series, cache: Distinct | None, key: object):
        self.col = col
        self._cache, self._key = cache or Distinct(), key
        self._got: tuple[np.ndarray, pd.Series] | None = None

    def get(self) -> tuple[np.ndarray, pd.Series]:
        if self._got is None:
            self._got = self._cache.get(self._key, self.col)
        return self._got

    def uniques(self) -> pd.Series:
        """Valeurs distinctes seules (sans les codes des cellules)."""
        return self._got[1] if self._got else self._cache.uniques(self._key, self.col)

    def peek(self) -> pd.Series | None:
        """Valeurs distinctes si elles sont déjà connues (sans les calculer)."""
        return self._got[1] if self._got else self._cache.peek(self._key, self.col)


def convert_column(col: pd.Series, label: str, field: dict | None = None,
                   distinct: Distinct | None = None, key: object = None
                   ) -> tuple[pd.Series, str, int]:
    """Convertit une colonne brute ; renvoie (colonne, type, nombre de valeurs de remplacement).

    `distinct` et `key` : valeurs distinctes déjà calculées pour cette colonne du tableau.
    """
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
    distinct = _Distinct(col, distinct, key)
    if _all_missing(col):
        return _to_text(col), "texte", 0
    if field is None and is_code:
        return _to_code_text(col, _commune_part(col, label, width, distinct), distinct), \
            "code", 0
    kind = _kind(col)
    named_date = "date" in normalize_label(label) or ftype in ("date", "datetime")
    if ftype is None:
        if kind in ("floating", "integer", "mixed-integer-float"):
            if named_date and col.dropna().between(SERIAL_MIN, SERIAL_MAX).all():
                return parse_dates(col).values, "date", 0  # numéros de série Excel
            if _commune_codes(col, label):
                return _to_code_text(col, 5), "code", 0
            return _numeric(col if _plain_int(col) or col.dtype == np.float64 else
                            col.astype("float64"))
        if kind in ("datetime", "datetime64", "date"):
            return parse_dates(col).values, "date", 0
        if kind == "boolean":
            return col.astype("boolean"), "booleen", 0
    if ftype in (None, "boolean") and _boolean_candidate(distinct.uniques(), strict=ftype is None):
        res = _attempt(parse_booleans, distinct)
        if res is not None:
            return res.values, "booleen", int(res.placeholder.sum())
    # « Dupont » n'est ni un nombre ni une date
    wordy = ftype is None and _has_wordy_text(distinct.uniques())
    if ftype in (None, "number", "integer", "year") and not wordy:
        if ftype is not None or not _has_leading_zero_codes(col, distinct.uniques()):
            parser = parse_integers if ftype in ("integer", "year") else parse_numbers
            res = (_native_numbers(col) if parser is parse_numbers else None) or _attempt(
                parser, distinct)
            if res is not None and res.values.notna().any():
                if ftype in ("integer", "year"):
                    return res.values, "entier", int(res.placeholder.sum())
                values, kind_name, _ = _numeric(res.values)
                return values, kind_name, int(res.placeholder.sum())
    if ftype in (None, "date", "datetime") and not wordy:
        if ftype is not None or named_date or kind not in ("floating", "integer"):
            res = _attempt(parse_dates, distinct, serial=named_date)
            if res is not None and res.values.notna().any():
                return res.values, "date", int(res.placeholder.sum())
    return _to_text(col, distinct), "texte", 0


def _native_numbers(col: pd.Series) -> Parsed | None:
    """Colonne d'un tableur faite de nombres natifs et de quelques textes (« nd », « 1 234,5 ») :
    seuls les textes sont analysés, sans passer par les valeurs distinctes de la colonne (des
    milliers de nombres tous différents). None si la colonne ne s'y prête pas (autres types de
    cellules, moins de 90 % de nombres) ou si un texte n'est pas un nombre."""
    if col.dtype != object or len(col) < 1000:
        return None
    cells = col.tolist()
    kinds = list(map(type, cells))  # en C : bien moins cher qu'une boucle Python
    n_num = kinds.count(float) + kinds.count(int)
    n_text = kinds.count(str)
    if n_num < 0.9 * len(kinds) or n_num + n_text + kinds.count(type(None)) != len(kinds):
        return None
    is_text = np.fromiter((k is str for k in kinds), bool, len(kinds))
    values = col.where(~is_text).astype("float64")
    placeholder = np.zeros(len(col), dtype=bool)
    if n_text:
        texts = parse_numbers(col[is_text])
        if texts.invalid.any():
            return None
        values[is_text] = texts.values.to_numpy()
        placeholder[is_text] = texts.placeholder.to_numpy(dtype=bool)
    return Parsed(values, pd.Series(False, index=col.index),
                  pd.Series(placeholder, index=col.index))


def _has_wordy_text(uniques: pd.Series) -> bool:
    """Au moins un texte sans aucun chiffre (hors valeurs de remplacement) parmi les 200
    premières valeurs distinctes : la colonne ne peut être ni numérique ni de dates.

    Boucle Python sur 200 valeurs au plus : plus rapide que six opérations pandas.
    """
    for value in uniques.iloc[:200].tolist():
        if isinstance(value, str):
            text = value.strip()
            if text.lower() not in PLACEHOLDERS and not _DIGIT.search(text):
                return True
    return False


_DIGIT = re.compile(r"\d")


#: caractères possibles d'un nombre que `parse_numbers` sait lire (chiffres, espaces, signes,
#: séparateurs, unités, « inf », notation scientifique) : une cellule qui en contient un autre
#: est forcément invalide
_NUMBER_CHARS = re.compile(r"[\d\s.,+\-\u2212()%€$_'eEiInNfFtTyYaAuUrRoOsSkKmM]*")


def _surely_not_numbers(values: pd.Series) -> bool:
    """Une des valeurs (texte) ne peut pas être un nombre, quelle que soit l'écriture."""
    for v in values.tolist():
        if isinstance(v, str):
            v = v.strip()
            if v and v.lower() not in PLACEHOLDERS and (
                    not _NUMBER_CHARS.fullmatch(v) or _NOT_A_NUMBER.search(v)):
                return True
    return False


#: un nombre ne contient jamais un chiffre suivi de « / » ou « - » puis d'un chiffre
_NOT_A_NUMBER = re.compile(r"\d[/\-]\d")


def _surely_not_dates(values: pd.Series) -> bool:
    """Une des valeurs (texte) ne peut pas être une date, quelle que soit l'écriture."""
    for v in values.tolist():
        if isinstance(v, str):
            v = v.strip()
            if v and v.lower() not in PLACEHOLDERS and not could_be_date(v):
                return True
    return False


def _attempt(parser, distinct: _Distinct, **kw) -> Parsed | None:
    """Analyse la colonne valeur distincte par valeur distincte ; None si une cellule résiste.

    Un échantillon de valeurs distinctes est essayé d'abord : une colonne de texte libre est
    ainsi écartée sans analyser ses milliers de valeurs. Les dates se lisent cellule par
    cellule : quelques valeurs suffisent à écarter une colonne qui n'en contient pas.
    """
    codes, uniq = distinct.get()
    col = distinct.col
    if parser is parse_dates:
        if _surely_not_dates(uniq.iloc[:100]) or (
                len(uniq) > 2000 and parser(uniq.iloc[:20], **kw).invalid.any()):
            return None
    elif parser in (parse_numbers, parse_integers) and _surely_not_numbers(uniq.iloc[:100]):
        return None  # « 35 000 à 49 999 habitants » : écarté sans analyse
    elif len(uniq) > 200 and parser(uniq.iloc[:100], **kw).invalid.any():
        return None
    res = parser(uniq, **kw)
    if res.invalid.any():
        return None
    found = codes >= 0
    placeholder = np.zeros(len(codes), dtype=bool)
    placeholder[found] = res.placeholder.to_numpy(dtype=bool)[codes[found]]
    values = pd.Series(res.values.array.take(codes, allow_fill=True), index=col.index)
    return Parsed(values, pd.Series(False, index=col.index),
                  pd.Series(placeholder, index=col.index))


def _all_missing(col: pd.Series) -> bool:
    """`col.isna().all()`, sans masque pour les entiers et les textes pyarrow."""
    if _plain_int(col) or pd.api.types.is_bool_dtype(col.dtype) and isinstance(
            col.dtype, np.dtype):
        return len(col) == 0
    arr = arrow_array(col)
    if arr is not None:
        return arr.null_count == len(arr)
    return bool(col.isna().all())


def _plain_int(col: pd.Series) -> bool:
    return isinstance(col.dtype, np.dtype) and col.dtype.kind in "iu"


def _numeric(values: pd.Series) -> tuple[pd.Series, str, int]:
    if _plain_int(values):  # entiers lus tels quels (CSV) : aucune valeur manquante
        if len(values) and -2**53 < values.min() and values.max() < 2**53:
            return values.astype("Int64"), "entier", 0
        values = values.astype("float64")
    num = values.to_numpy(dtype="float64")
    finite = num[~np.isnan(num)]
    if len(finite) and (finite == np.floor(finite)).all() and np.abs(finite).max() < 2**53:
        return values.round().astype("Int64"), "entier", 0
    return (values if values.dtype == np.float64 else values.astype("float64")), "nombre", 0


def _boolean_candidate(uniques: pd.Series, strict: bool) -> bool:
    """Une colonne de booléens contient au moins un mot (oui, non, x…), pas seulement 0/1."""
    uniq = {str(v).strip().lower() for v in uniques.iloc[:50].tolist()}
    uniq.discard("")
    words = {"oui", "non", "vrai", "faux", "x", "true", "false", "yes", "no"}
    if not uniq:
        return False
    if strict:
        return bool(uniq & words) and uniq <= words | {"0", "1", "o", "n"}
    return True
