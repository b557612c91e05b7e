"""Calcul des formules : agrégations par période, puis arithmétique période par période.

Les valeurs ligne à ligne vivent dans l'ordre « rangé par période » de leur table (voir
`kit.formulas._tables`) ; filtres, valeurs et agrégats sont mis en cache par (table,
sous-arbre) pour toute la durée d'un `Engine`, si bien qu'un catalogue de 50 indicateurs ne
recalcule jamais deux fois le même filtre ni la même somme.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.formulas import _units as U
from kit.formulas._aggregate import aggregate
from kit.formulas._ast import (
    Binary,
    Call,
    Compare,
    FormulaError,
    Logical,
    Name,
    Node,
    Not,
    Number,
    String,
    Unary,
    close_names,
    error,
    normalize_name,
    to_text,
    walk,
)
from kit.formulas._tables import (
    PERIODS,
    Table,
    TextColumn,
    check_variable,
    format_periods,
    variable_over,
)

_CMP = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
        ">": operator.gt, ">=": operator.ge}
_OPS_FR = {"+": "addition", "-": "soustraction", "*": "multiplication", "/": "division"}
_KINDS_FR = {"str": "du texte", "date": "des dates", "bool": "une condition"}


@dataclass
class _Row:
    """Valeur ligne à ligne. kind 'num' : floats ou nombre ; 'str' : (codes, {texte: code})
    (TextColumn) ou texte écrit ; 'date' ; 'bool' : `value` = vrai connu, `false` = faux connu."""

    kind: str
    value: object
    false: object = None
    unit: U.Unit = None


class Engine:
    """Contexte de calcul partagé par plusieurs formules (mêmes tables, même période)."""

    def __init__(self, tables, period: str, date_column, variables, units) -> None:
        key = normalize_name(str(period))
        if key not in PERIODS:
            raise error(f"période inconnue {period!r}",
                        hint="Choisissez « mois », « trimestre » ou « annee »")
        self.period = key
        self.freq, self.per_year = PERIODS[key]
        if isinstance(tables, pd.DataFrame):
            tables = {"table": tables}
        if not isinstance(tables, Mapping):
            raise error("`tables` doit être un DataFrame ou un dictionnaire nom → DataFrame, "
                        f"reçu {type(tables).__name__}")
        self.raw_tables = tables
        self.tables: dict[str, Table] = {}
        for name, df in tables.items():
            norm = normalize_name(str(name))
            if norm in self.tables:
                raise error(f"deux tables ont le même nom une fois normalisé : {norm!r}")
            self.tables[norm] = Table(str(name), df)
        self.date_column = date_column
        self.raw_variables = dict(variables or {})
        self.variables = {normalize_name(str(k)): check_variable(str(k), v, self.freq, key)
                          for k, v in self.raw_variables.items()}
        self.units: dict[str, U.Unit] = {}
        for name, unit in (units or {}).items():
            if not isinstance(unit, str) or not unit.strip():
                raise error(f"unité de « {name} » incorrecte : {unit!r}",
                            hint="Donnez un texte, par exemple units={'tonnage': 't'}")
            self.units[".".join(normalize_name(p) for p in str(name).split(".", 1))] = \
                U.atom(unit.strip())
        self.cache: dict = {}
        self.text, self.indicator, self.problems = "", "", []

    # ------------------------------------------------------------------ messages
    def fail(self, problem: str, node: Node | None = None, hint: str = "") -> FormulaError:
        return error(problem, indicator=self.indicator, text=self.text,
                     pos=None if node is None else node.pos, hint=hint)

    def warn(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    def _cached(self, key, compute):
        """Valeur en cache, avec les problèmes notés en la calculant (rejoués à chaque usage)."""
        hit = self.cache.get(key)
        if hit is None:
            before = len(self.problems)
            value = compute()
            hit = self.cache[key] = (value, self.problems[before:])
        else:
            for p in hit[1]:
                self.warn(p)
        return hit[0]

    # -------------------------------------------------------------------- calcul
    def evaluate(self, root: Node, text: str, indicator: str) -> tuple[pd.Series, U.Unit]:
        """Série complète entre la première et la dernière période où une table citée a des
        lignes (index PeriodIndex « periode »), et unité du résultat."""
        self.text, self.indicator, self.problems = text, indicator, []
        calls = list(dict.fromkeys(n for n in walk(root) if isinstance(n, Call)))
        if not calls:
            raise self.fail("la formule ne fait appel à aucune table", root,
                            "Ajoutez une agrégation, par exemple somme(tonnage) / population")
        raw = {c: self._cached(("agg", c), lambda c=c: self._aggregate(c)) for c in calls}
        spans = [(s, s + len(a) - 1) for s, a, _ in raw.values() if len(a)]
        if not spans:
            self.warn("aucune ligne datée dans les tables citées : résultat vide")
            index = pd.PeriodIndex([], freq=self.freq, name="periode")
            return pd.Series([], index=index, dtype="float64"), None
        lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
        ords = np.arange(lo, hi + 1)
        aligned = {}
        for c, (start, values, unit) in raw.items():
            full = np.full(len(ords), np.nan)
            full[start - lo:start - lo + len(values)] = values
            aligned[c] = (full, unit)
        value, unit = self._scalar(root, ords, aligned)
        values = np.array(np.broadcast_to(value, ords.shape), dtype="float64")
        index = pd.PeriodIndex.from_ordinals(ords, freq=self.freq, name="periode")
        return pd.Series(values, index=index), unit

    def _scalar(self, node: Node, ords: np.ndarray, aggs: dict):
        """Valeur par période (tableau aligné sur `ords`, ou nombre) et unité."""
        if isinstance(node, Number):
            return node.value, U.FREE
        if isinstance(node, Name):
            norm = normalize_name(node.name)
            if norm not in self.variables:
                raise self._unknown_variable(node)
            value = variable_over(self.variables[norm], ords, self.per_year)
            if np.ndim(value) and np.isnan(value).any():
                self.warn(f"la variable « {node.name} » n'a pas de valeur pour "
                          f"{format_periods(ords[np.isnan(value)], self.freq)} ; indicateur "
                          "laissé vide pour ces périodes")
            return value, self.units.get(norm)
        if isinstance(node, Call):
            return aggs[node]
        if isinstance(node, Unary):
            v, u = self._scalar(node.operand, ords, aggs)
            return -v, u
        assert isinstance(node, Binary)
        a, ua = self._scalar(node.left, ords, aggs)
        b, ub = self._scalar(node.right, ords, aggs)
        return self._arith(node, a, ua, b, ub, lambda zero: "les périodes " + format_periods(
            ords[np.broadcast_to(zero, ords.shape)], self.freq))

    def _arith(self, node: Binary, a, ua, b, ub, where):
        if node.op in "+-":
            unit, ok = U.combine(ua, ub)
            if not ok:
                raise self._unit_error(node, ua, ub)
            with np.errstate(all="ignore"):
                return (np.add(a, b) if node.op == "+" else np.subtract(a, b)), unit
        if node.op == "*":
            with np.errstate(all="ignore"):
                return np.multiply(a, b), U.multiply(ua, ub)
        with np.errstate(all="ignore"):
            out = np.divide(a, b)
        zero = (np.asarray(b) == 0) & ~np.isnan(np.asarray(a))
        if np.any(zero):  # jamais inf : valeur vide et problème signalé
            out = np.where(zero, np.nan, out)
            self.warn(f"division par zéro (dénominateur « {to_text(node.right)} » nul) pour "
                      f"{where(zero)} ; valeur laissée vide")
        return out, U.multiply(ua, ub, -1)

    # ----------------------------------------------------------- choix de la table
    def _table_of(self, call: Call) -> tuple[Table, bool]:
        """Table d'une agrégation ; True si l'argument est la table elle-même (nombre(t))."""
        names = [n for n in walk(call) if isinstance(n, Name)]
        explicit = {normalize_name(n.table): n for n in names if n.table is not None}
        arg, whole = call.arg, False
        if isinstance(arg, Name) and arg.table is None and normalize_name(arg.name) in \
                self.tables:
            t = self.tables[normalize_name(arg.name)]
            if call.function == "nombre":
                explicit.setdefault(normalize_name(arg.name), arg)
                whole = True
            elif t.resolve(arg.name) is None:
                raise self.fail(f"{call.function}( attend une colonne ; « {arg.name} » est "
                                "une table", arg,
                                f"Exemple : {call.function}({arg.name}.colonne)")
        if len(explicit) > 1:
            raise self.fail("une agrégation porte sur une seule table ; celle-ci en cite "
                            "plusieurs : " + ", ".join(explicit), call,
                            "Écrivez une agrégation par table et combinez-les : "
                            "somme(a.x) / somme(b.y)")
        if explicit:
            node = next(iter(explicit.values()))
            name = node.table if node.table is not None else node.name
            t = self.tables.get(normalize_name(name))
            if t is None:
                near = close_names(name, [t.name for t in self.tables.values()])
                raise self.fail(f"table inconnue « {name} »", node,
                                (f"Vouliez-vous dire « {near[0]} » ? " if near else "")
                                + "Tables fournies : "
                                + ", ".join(t.name for t in self.tables.values()))
            return t, whole
        candidates = set(self.tables)
        for n in names:
            having = {k for k, t in self.tables.items() if t.resolve(n.name) is not None}
            if having:
                if not candidates & having:
                    raise self.fail("cette agrégation mêle des colonnes de plusieurs tables "
                                    f"(« {n.name} » est dans {', '.join(sorted(having))})", n,
                                    "Une agrégation porte sur une seule table")
                candidates &= having
            elif normalize_name(n.name) not in self.variables:
                raise self._unknown_column(n, list(self.tables.values()))
        if len(candidates) == 1:
            return self.tables[candidates.pop()], whole
        if not self.tables:
            raise self.fail("aucune table fournie", call)
        cols = [n.name for n in names if normalize_name(n.name) not in self.variables]
        col = cols[0] if cols else "colonne"
        raise self.fail("impossible de savoir sur quelle table porte cette agrégation"
                        + (f" (« {col} » est dans {', '.join(sorted(candidates))})"
                           if cols else ""), call,
                        "Qualifiez la colonne par sa table : "
                        + ", ".join(f"{c}.{col}" for c in sorted(candidates)))

    def _unknown_column(self, node: Name, tables: list[Table]) -> FormulaError:
        cols = [str(c) for t in tables for c in t.df.columns]
        near = close_names(node.name, cols + list(map(str, self.raw_variables)))
        where = f"la table « {tables[0].name} »" if len(tables) == 1 else "les tables"
        shown = ", ".join(cols[:15]) + (" …" if len(cols) > 15 else "")
        return self.fail(f"colonne inconnue « {node.name} » dans {where}", node,
                         (f"Vouliez-vous dire « {near[0]} » ? " if near else "")
                         + f"Colonnes : {shown}")

    def _unknown_variable(self, node: Name) -> FormulaError:
        for t in self.tables.values():
            if t.resolve(node.name) is not None:
                return self.fail(f"« {node.name} » est une colonne de la table « {t.name} » : "
                                 "hors d'une agrégation, un nom désigne une variable", node,
                                 f"Écrivez par exemple somme({node.name}) ou "
                                 f"moyenne({node.name})")
        if normalize_name(node.name) in self.tables:
            return self.fail(f"« {node.name} » est une table : comptez ses lignes avec "
                             f"nombre({node.name})", node)
        near = close_names(node.name, list(map(str, self.raw_variables)))
        known = ", ".join(map(str, self.raw_variables)) or "aucune"
        return self.fail(f"variable inconnue « {node.name} »", node,
                         (f"Vouliez-vous dire « {near[0]} » ? " if near else "")
                         + f"Variables fournies (variables=) : {known}")

    def _unit_error(self, node: Node, a: U.Unit, b: U.Unit) -> FormulaError:
        def phrase(u: U.Unit) -> str:
            text = U.describe(u)
            return "est sans unité" if text == "sans unité" else f"est en {text}"

        what = _OPS_FR.get(node.op, f"comparaison « {node.op} »")
        return self.fail(f"{what} de quantités d'unités différentes : « {to_text(node.left)} "
                         f"» {phrase(a)}, « {to_text(node.right)} » {phrase(b)}", node,
                         "Convertissez l'une des colonnes dans la table avant le calcul "
                         "(et déclarez sa nouvelle unité dans units=)")

    # ---------------------------------------------------------------- agrégation
    def _aggregate(self, call: Call) -> tuple[int, np.ndarray, U.Unit]:
        """(numéro de la première période, valeur par période de la table, unité)."""
        t, whole = self._table_of(call)
        t.prepare(self.freq, self.per_year, self.date_column, self.fail, call)
        if t.undated:
            self.warn(t.undated)
        return aggregate(self, call, t, whole)

    # ------------------------------------------------------------ ligne à ligne
    def row(self, node: Node, t: Table) -> _Row:
        return self._cached(("row", t.name, node), lambda: self._row(node, t))

    def _row(self, node: Node, t: Table) -> _Row:
        if isinstance(node, Number):
            return _Row("num", node.value, unit=U.FREE)
        if isinstance(node, String):
            return _Row("str", node.value)
        if isinstance(node, Name):
            return self._row_name(node, t)
        if isinstance(node, Unary):
            v = self.row(node.operand, t)
            self._need_num(v, node, "le signe moins")
            return _Row("num", -v.value, unit=v.unit)
        if isinstance(node, Binary):
            a, b = self.row(node.left, t), self.row(node.right, t)
            for v in (a, b):
                self._need_num(v, node, f"l'opération « {node.op} »")
            where = f"{{}} ligne(s) de la table « {t.name} »"
            value, unit = self._arith(node, a.value, a.unit, b.value, b.unit,
                                      lambda zero: where.format(np.count_nonzero(zero)))
            return _Row("num", value, unit=unit)
        if isinstance(node, Compare):
            return self._compare(node, t)
        if isinstance(node, Not):
            v = self.row(node.operand, t)
            return _Row("bool", v.false, v.value)
        assert isinstance(node, Logical)
        a, b = self.row(node.left, t), self.row(node.right, t)
        if node.op == "et":  # logique à trois valeurs : une valeur manquante reste inconnue
            return _Row("bool", a.value & b.value, a.false | b.false)
        return _Row("bool", a.value | b.value, a.false & b.false)

    def _need_num(self, v: _Row, node: Node, what: str) -> None:
        if v.kind != "num":
            raise self.fail(f"{what} porte sur {_KINDS_FR[v.kind]}", node,
                            "Les calculs ne portent que sur des colonnes numériques")

    def _row_name(self, node: Name, t: Table) -> _Row:
        col = t.resolve(node.name)
        if isinstance(col, list):
            raise self.fail(f"« {node.name} » désigne plusieurs colonnes de la table "
                            f"« {t.name} » : " + ", ".join(map(str, col)), node,
                            "Écrivez le nom exact entre accents graves : `Nom exact`")
        if col is None:
            norm = normalize_name(node.name)
            if node.table is None and norm in self.variables:
                ords = np.arange(t.nbins) + t.start
                value = variable_over(self.variables[norm], ords, self.per_year)
                if np.ndim(value):
                    lacking = np.isnan(value) & (t.rows > 0)
                    if lacking.any():
                        self.warn(f"la variable « {node.name} » n'a pas de valeur pour "
                                  f"{format_periods(ords[lacking], self.freq)}")
                    value = np.repeat(value, t.rows)
                return _Row("num", value, unit=self.units.get(norm))
            raise self._unknown_column(node, [t])
        dtype = t.df[col].dtype
        if pd.api.types.is_bool_dtype(dtype) or (pd.api.types.is_numeric_dtype(dtype)
                                                 and not isinstance(dtype, pd.PeriodDtype)):
            norm = normalize_name(str(col))
            unit = self.units.get(f"{normalize_name(t.name)}.{norm}", self.units.get(norm))
            if unit is None and t.unit_col is not None:
                unit = U.atom(U.ROW_UNIT)
            return _Row("num", t.numeric(col), unit=unit)
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return _Row("date", t.dates(col))
        return _Row("str", TextColumn(t, col))

    def _compare(self, node: Compare, t: Table) -> _Row:
        a, b = self.row(node.left, t), self.row(node.right, t)
        if "date" in (a.kind, b.kind):
            av, bv = self._as_date(a, node), self._as_date(b, node)
            known = ~np.isnat(av) & ~np.isnat(bv)
            res = np.broadcast_to(_CMP[node.op](av, bv) & known, (t.n,))
            return _Row("bool", res, np.broadcast_to(known & ~res, (t.n,)))
        if a.kind == "str" and b.kind == "str":
            if node.op not in ("=", "!="):
                raise self.fail(f"comparaison « {node.op} » entre textes", node,
                                "Entre textes, seules = et != sont permises")
            res, known = self._text_equal(node, a.value, b.value, t)
            if node.op == "=":
                return _Row("bool", res, known & ~res)
            return _Row("bool", known & ~res, res)
        if a.kind != "num" or b.kind != "num":
            what = "un nombre et un texte" if {a.kind, b.kind} == {"num", "str"} else \
                "des valeurs de types différents"
            raise self.fail(f"comparaison « {node.op} » entre {what}", node,
                            "Vérifiez le type des colonnes (un nombre mal lu reste du texte)")
        if not U.combine(a.unit, b.unit)[1]:
            raise self._unit_error(node, a.unit, b.unit)
        with np.errstate(invalid="ignore"):
            res = np.broadcast_to(_CMP[node.op](a.value, b.value), (t.n,))
        known = np.broadcast_to(~np.isnan(a.value) & ~np.isnan(b.value), (t.n,))
        return _Row("bool", res & known, known & ~res)

    def _text_equal(self, node: Compare, a, b, t: Table) -> tuple[np.ndarray, np.ndarray]:
        """Égalité de textes : (vrai connu, valeur connue), en comparant des codes."""
        if isinstance(a, str) and isinstance(b, str):
            return np.full(t.n, a == b), np.ones(t.n, dtype=bool)
        if isinstance(a, str) or isinstance(b, str):
            column, literal = (b, a) if isinstance(a, str) else (a, b)
            res, known, exists = column.equal(literal)
            if not exists:
                near = close_names(literal, list(column.labels()[1])[:500])
                self.warn(f"aucune ligne de la table « {t.name} » ne vaut « {literal} » dans "
                          f"{to_text(node)}" + (f" ; vouliez-vous dire « {near[0]} » ?"
                                                if near else "")
                          + " (majuscules et accents comptent)")
            return res, known
        # deux colonnes : codes de la première ramenés aux codes de la seconde
        (ca, la), (cb, lb) = a.labels(), b.labels()
        names_a = np.array(list(la), dtype=object)
        to_b = np.array([lb.get(s, -2) for s in names_a] + [-3], dtype=np.int64)
        known = (ca >= 0) & (cb >= 0)
        return (to_b[ca] == cb) & known, known

    def _as_date(self, v: _Row, node: Node):
        if v.kind == "date":
            return v.value
        if v.kind == "str" and isinstance(v.value, str):
            text = v.value.strip()
            try:
                stamp = pd.Timestamp(pd.to_datetime(text, dayfirst="/" in text))
            except (ValueError, TypeError, OverflowError) as exc:
                raise self.fail(f"date illisible « {v.value} »", node,
                                "Écrivez-la \"2024-03-31\" ou \"31/03/2024\"") from exc
            if stamp is pd.NaT:
                raise self.fail(f"date illisible « {v.value} »", node)
            return np.datetime64(stamp.to_datetime64(), "us")
        raise self.fail("une date se compare à une autre date ou à un texte comme "
                        "\"2024-03-31\"", node)
