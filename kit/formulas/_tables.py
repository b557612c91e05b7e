"""Tables et variables des formules : noms, colonne de date, période de chaque ligne.

Chaque table est préparée une fois par calcul : ses lignes datées sont rangées par période
(tri par base stable, l'ordre d'origine est gardé dans une période), si bien que chaque
agrégat se calcule sur des tranches contiguës (`numpy.ufunc.reduceat`). Les colonnes
utilisées sont converties et réordonnées une seule fois (cache), les textes sont codés en
entiers (`pandas.factorize`) : un filtre `flux = "Verre"` devient une comparaison d'entiers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from kit.formulas._ast import FormulaError, Node, error, normalize_name

PERIODS = {"mois": ("M", 12), "trimestre": ("Q", 4), "annee": ("Y", 1)}
_DATE_NAMES = ("date", "mois", "jour", "periode", "trimestre")
_YEAR_NAMES = ("exercice", "annee", "an")

Fail = Callable[..., FormulaError]


def format_periods(ordinals, freq: str, limit: int = 8) -> str:
    """« 2024-01 à 2024-03, 2024-07 » : périodes regroupées en plages consécutives.

    >>> format_periods([648, 649, 650, 654], "M")
    '2024-01 à 2024-03, 2024-07'
    """
    runs: list[list[int]] = []
    for o in sorted({int(o) for o in ordinals}):
        if runs and o == runs[-1][1] + 1:
            runs[-1][1] = o
        else:
            runs.append([o, o])
    parts = [str(pd.Period(ordinal=a, freq=freq)) + (
        "" if a == b else " à " + str(pd.Period(ordinal=b, freq=freq))) for a, b in runs]
    extra = f" et {len(parts) - limit} autres" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + extra


def _months(arr: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Mois (depuis 1970-01) de chaque date : table de correspondance jour → mois, bien plus
    rapide que la conversion calendaire ligne à ligne quand les jours se répètent."""
    days = arr.astype("datetime64[D]").view(np.int64)
    if not valid.any():
        return np.zeros(len(arr), dtype=np.int64)
    lo, hi = int(days[valid].min()), int(days[valid].max())
    if hi - lo > 5_000_000:  # plage démesurée (dates aberrantes) : conversion directe
        return np.where(valid, arr.astype("datetime64[M]").view(np.int64), 0)
    lut = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
    days -= lo
    if not valid.all():
        days[~valid] = 0
    return lut[days]


class TextColumn:
    """Colonne de texte d'une table, codée en entiers à la demande (deuxième usage)."""

    def __init__(self, table: Table, col) -> None:
        self.table, self.col = table, col

    def labels(self) -> tuple[np.ndarray, dict]:
        return self.table.labels(self.col)

    def equal(self, literal: str) -> tuple[np.ndarray, np.ndarray, bool]:
        """(égale au texte, valeur présente, le texte existe dans la colonne)."""
        t, key = self.table, ("txt", self.col)
        uses = t.cache.get(("uses", self.col), 0)
        t.cache[("uses", self.col)] = uses + 1
        if key in t.cache or uses:
            codes, lookup = t.labels(self.col)
            code = lookup.get(literal)
            known = codes >= 0
            if code is None:
                return np.zeros(t.n, dtype=bool), known, False
            return codes == code, known, True
        s = t.df[self.col]  # premier usage : comparaison directe, sans codage
        res = t.arrange(s.eq(literal).to_numpy(dtype=bool, na_value=False))
        known = t.arrange(s.notna().to_numpy()) if s.hasnans else np.ones(t.n, dtype=bool)
        return res & known, known, bool(res.any()) or literal in set(map(str, s.unique()))


class Table:
    """Une table nommée, ses colonnes (noms normalisés) et, une fois préparée, ses périodes.

    Après `prepare` : `n` lignes datées, rangées par période ; `start` (numéro de la première
    période), `nbins` périodes, `rows` (lignes par période), `bounds` (début de chaque
    période dans l'ordre rangé, plus la fin), `order` (indices d'origine, ou None si la table
    était déjà rangée), `sortkey` (date de chaque ligne, pour premier/dernier).
    """

    def __init__(self, name: str, df: pd.DataFrame) -> None:
        if not isinstance(df, pd.DataFrame):
            raise error(f"la table « {name} » n'est pas un DataFrame (reçu "
                        f"{type(df).__name__})", hint="Passez tables={'nom': DataFrame}")
        self.name, self.df = name, df
        self.exact = {str(c): c for c in df.columns}
        self.by_norm: dict[str, list] = {}
        for c in df.columns:
            self.by_norm.setdefault(normalize_name(str(c)), []).append(c)
        unit_cols = self.by_norm.get("unite", [])
        self.unit_col = unit_cols[0] if len(unit_cols) == 1 else None
        self.ready = False
        self.undated = ""
        self.cache: dict = {}

    def resolve(self, name: str):
        """Colonne réelle désignée par `name` ; None si absente ; liste si ambiguë."""
        if name in self.exact:
            return self.exact[name]
        hits = self.by_norm.get(normalize_name(name), [])
        return hits[0] if len(hits) == 1 else (hits or None)

    # ---------------------------------------------------------------- périodes
    def prepare(self, freq: str, per_year: int, date_choice, fail: Fail, node: Node) -> None:
        if self.ready:
            return
        col = self._date_column(date_choice, fail, node)
        s = self.df[col]
        if isinstance(s.dtype, pd.PeriodDtype):
            f = s.dtype.freq.freqstr[0]
            if (f in "YA" and freq != "Y") or (f == "Q" and freq == "M"):
                raise fail(f"la colonne « {col} » de la table « {self.name} » donne des "
                           f"périodes {s.dtype.freq.freqstr}, trop larges pour ce calcul", node,
                           "Choisissez une période plus longue (period=\"annee\")")
            s = s.dt.start_time
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_localize(None)
        if pd.api.types.is_datetime64_dtype(s.dtype):
            arr = s.to_numpy().astype("datetime64[us]", copy=False)
            valid = ~np.isnat(arr)
            ordinal = _months(arr, valid)
            if per_year != 12:
                ordinal //= 12 // per_year
            sortkey = arr.view(np.int64)
        elif pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_float_dtype(s.dtype):
            if freq != "Y":
                raise fail(f"la table « {self.name} » ne donne que l'année (colonne "
                           f"« {col} ») : calcul infra-annuel impossible", node,
                           "Calculez cet indicateur par année : period=\"annee\"")
            years = s.to_numpy(dtype="float64", na_value=np.nan)
            valid = ~np.isnan(years)
            ordinal = np.where(valid, np.floor(years), 1970).astype(np.int64) - 1970
            sortkey = ordinal
        else:
            raise fail(f"la colonne de date « {col} » de la table « {self.name} » n'est pas "
                       f"une date (type {s.dtype})", node,
                       "Chargez la table avec kit.load_table, ou convertissez la colonne avec "
                       "pandas.to_datetime")
        missing = int(len(valid) - np.count_nonzero(valid))
        self.undated = (f"{missing} ligne(s) sans date ignorée(s) dans la table "
                        f"« {self.name} »") if missing else ""
        kept = np.flatnonzero(valid) if missing else None
        if kept is not None:
            ordinal = ordinal[kept]
        self.n = len(ordinal)
        self.start = int(ordinal.min()) if self.n else 0
        self.nbins = int(ordinal.max()) - self.start + 1 if self.n else 0
        codes = ordinal - self.start if self.start else ordinal
        self.order = kept
        if self.n and np.any(codes[1:] < codes[:-1]):
            small = codes.astype(np.int16) if self.nbins < 2**15 else codes
            order = np.argsort(small, kind="stable")  # tri par base : rapide
            self.order = order if kept is None else kept[order]
        self.rows = np.bincount(codes, minlength=self.nbins)
        self.bounds = np.concatenate(([0], np.cumsum(self.rows)))
        self._sortkey = sortkey
        self.ready = True

    @property
    def sortkey(self) -> np.ndarray:
        """Date (entier) de chaque ligne rangée : ordre de premier/dernier dans une période."""
        if "sortkey" not in self.cache:
            self.cache["sortkey"] = self.arrange(self._sortkey)
        return self.cache["sortkey"]

    def _date_column(self, choice, fail: Fail, node: Node):
        if isinstance(choice, Mapping):
            choice = next((v for k, v in choice.items()
                           if normalize_name(str(k)) == normalize_name(self.name)), None)
        df = self.df
        if choice is not None:
            col = self.resolve(str(choice))
            if col is None or isinstance(col, list):
                raise fail(f"colonne de date « {choice} » absente de la table « {self.name} »",
                           node, "Colonnes : " + ", ".join(map(str, df.columns)))
            return col
        dated = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c].dtype)
                 or isinstance(df[c].dtype, pd.PeriodDtype)]
        if len(dated) == 1:
            return dated[0]
        if dated:
            for wanted in _DATE_NAMES:
                for c in dated:
                    if normalize_name(str(c)) == wanted:
                        return c
            raise fail(f"plusieurs colonnes de date dans la table « {self.name} » : "
                       + ", ".join(map(str, dated)), node, "Précisez laquelle : date_column=")
        for wanted in _YEAR_NAMES:
            col = self.resolve(wanted)
            if col is not None and not isinstance(col, list) and \
                    pd.api.types.is_numeric_dtype(df[col].dtype):
                return col
        raise fail(f"aucune colonne de date dans la table « {self.name} »", node,
                   "Précisez-la avec date_column=, ou ajoutez une colonne date, mois ou "
                   "exercice")

    # ----------------------------------------------------------------- colonnes
    def arrange(self, values: np.ndarray) -> np.ndarray:
        """Tableau dans l'ordre d'origine → lignes datées rangées par période."""
        return values if self.order is None else values.take(self.order)

    def numeric(self, col) -> np.ndarray:
        key = ("num", col)
        if key not in self.cache:
            raw = self.df[col].to_numpy(dtype="float64", na_value=np.nan)
            self.cache[key] = self.arrange(raw)
        return self.cache[key]

    def labels(self, col) -> tuple[np.ndarray, dict]:
        """Texte codé : (code de chaque ligne rangée, -1 si vide ; {texte: code})."""
        key = ("txt", col)
        if key not in self.cache:
            codes, uniques = pd.factorize(self.df[col], use_na_sentinel=True)
            lookup = {str(u): i for i, u in enumerate(uniques)}
            self.cache[key] = (self.arrange(np.asarray(codes)), lookup)
        return self.cache[key]

    def dates(self, col) -> np.ndarray:
        key = ("date", col)
        if key not in self.cache:
            s = self.df[col]
            if isinstance(s.dtype, pd.DatetimeTZDtype):
                s = s.dt.tz_localize(None)
            self.cache[key] = self.arrange(s.to_numpy().astype("datetime64[us]"))
        return self.cache[key]


# ------------------------------------------------------------------------------ variables


def check_variable(name: str, value, freq: str, period: str):
    """Variable → float, ou ('year' | 'ordinal', {clé: valeur}) pour une série."""
    if isinstance(value, bool) or value is None:
        raise error(f"la variable « {name} » doit être un nombre, reçu {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, Mapping):
        value = pd.Series(dict(value), dtype="float64")
    if not isinstance(value, pd.Series):
        raise error(f"la variable « {name} » doit être un nombre ou une série par année, "
                    f"reçu {type(value).__name__}")
    try:
        values = pd.to_numeric(value).astype("float64").tolist()
    except (TypeError, ValueError) as exc:
        raise error(f"la variable « {name} » contient des valeurs non numériques") from exc
    if isinstance(value.index, pd.PeriodIndex):
        f = value.index.freqstr[0]
        if f in "YA":
            return ("year", dict(zip(value.index.year.tolist(), values)))
        if f == freq:
            return ("ordinal", dict(zip(value.index.asi8.tolist(), values)))
        raise error(f"la variable « {name} » est indexée par des périodes "
                    f"{value.index.freqstr}, incompatibles avec un calcul par {period}",
                    hint="Indexez-la par année ou par la même période")
    try:
        years = [int(k) if isinstance(k, (int, np.integer)) or (
            isinstance(k, (float, np.floating)) and float(k).is_integer())
            else int(str(k).strip()) for k in value.index]
    except (ValueError, OverflowError) as exc:
        raise error(f"la variable « {name} » doit être indexée par année (2024…) ou par "
                    "période") from exc
    return ("year", dict(zip(years, values)))


def variable_over(var, ordinals: np.ndarray, per_year: int):
    """Valeur de la variable pour chaque période (float, ou tableau aligné sur `ordinals`)."""
    if isinstance(var, float):
        return var
    kind, table = var
    keys = ordinals // per_year + 1970 if kind == "year" else ordinals
    return np.array([table.get(int(k), np.nan) for k in keys], dtype="float64")
