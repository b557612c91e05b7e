"""Formules d'indicateurs : un petit langage sûr, calculé période par période.

Le catalogue d'indicateurs de la collectivité donne, pour chaque indicateur, une `formule` :

- ``somme(tonnage) / population * 1000`` : tonnes pour 1 000 habitants ;
- ``moyenne(rendement_reseau)`` ;
- ``nombre(interventions où delai_jours > 7) / nombre(interventions)`` : part des
  interventions en retard ;
- ``somme(dechets.tonnage où flux = "Verre" et tournee != "Nord")`` ;
- ``fonction:taux_special`` : fonction Python enregistrée par `register_indicator`.

Le texte n'est jamais exécuté par Python : il est découpé en jetons, analysé en arbre
(`parse_formula`), vérifié, puis calculé (`compute_indicator`). Toute erreur est une
`FormulaError` en français qui nomme l'indicateur et montre la position fautive (^).

Grammaire (EBNF ; les mots-clés ne tiennent pas compte des majuscules)::

    formule     = expression | "fonction" ":" nom_python ;
    expression  = disjonction ;
    disjonction = conjonction { "ou" conjonction } ;
    conjonction = negation { "et" negation } ;
    negation    = "non" negation | comparaison ;
    comparaison = somme_ [ ("=" | "!=" | "<" | "<=" | ">" | ">=") somme_ ] ;
    somme_      = produit { ("+" | "-") produit } ;
    produit     = signe { ("*" | "/") signe } ;
    signe       = ("-" | "+") signe | terme ;
    terme       = nombre | texte | appel | reference | "(" expression ")" ;
    appel       = fonction "(" [ expression ] [ "où" expression ] ")" ;
    reference   = nom [ "." nom ] ;                    (* table.colonne *)
    nom         = identifiant | "`" nom libre "`" ;    (* `Volume produit (m³)` *)
    texte       = '"' … '"' | "'" … "'" | « … » ;       (* "" double un guillemet *)
    nombre      = chiffres [ ("." | ",") chiffres ] [ ("e" | "E") [signe] chiffres ] ;

Règles de sens (vérifiées à l'analyse) : une formule donne un nombre ; les comparaisons et
`et`/`ou`/`non` ne s'emploient qu'après `où` ; les agrégations ne s'imbriquent pas ; un nom
hors agrégation est une variable (`population`), dans une agrégation une colonne (ou, à
défaut, une variable). `nombre(t)` compte les lignes de la table `t`, `nombre(colonne)` les
valeurs présentes, `nombre()` les lignes de l'unique table.

Choix et hypothèses :

- Fonctions : somme, moyenne, mediane, min, max, nombre, nombre_distinct, premier, dernier
  (premier/dernier : première et dernière valeur présente de la période, dans l'ordre des
  dates). Les accents et majuscules sont permis (`Médiane`).
- Noms : colonnes et tables se comparent sans accents, majuscules ni ponctuation
  (`tonnage` désigne « Tonnage », `unite` « Unité », `volume_produit_m3`
  « Volume produit (m³) »). Un nom exact peut s'écrire entre accents graves.
- Nombres : virgule ou point décimal (`0,5`, `0.5`) ; aucune fonction ne prenant deux
  arguments, la virgule n'a pas d'autre sens. « 1,000 » ou « 1.000 » sont refusés comme
  ambigus (mille ou un ?).
- Filtre : `où` seul (avec accent) ; `ou` est le « ou » logique. Une valeur manquante rend
  une comparaison inconnue (logique à trois valeurs, comme SQL) : la ligne n'est pas
  retenue, ni par la condition ni par son contraire `non (…)`. Les textes se comparent
  avec = et != (majuscules et accents comptent) ; une colonne de dates se compare à un
  texte "2024-03-31" ou "31/03/2024".
- Périodes : les lignes sont regroupées par mois, trimestre ou année de la colonne de date
  de leur table (détectée, ou `date_column=`) ; une table qui ne donne que l'exercice (année
  entière) ne se calcule que par année. Le résultat couvre toutes les périodes entre la
  première et la dernière où une table citée a des lignes ; une période sans ligne vaut NaN.
  Dans une période qui a des lignes, `somme`/`nombre` d'un filtre qui n'en retient aucune
  valent 0 ; `moyenne`, `min`… valent NaN.
- Division par zéro (dénominateur nul pour une période) : la valeur de cette période est
  laissée vide (NaN, jamais inf) et un message est ajouté à ``resultat.attrs["problemes"]``,
  avec les périodes ; ``strict=True`` lève alors une `FormulaError`. Un indicateur entier
  n'est pas perdu pour un mois sans données. Diviser par la constante 0 est une erreur.
- Unités : ``units={"tonnage": "t", "population": "hab"}`` déclare l'unité de colonnes ou de
  variables ; additionner, soustraire ou comparer des unités différentes est une erreur, le
  produit et le quotient composent l'unité (``attrs["unite"]`` = "t/hab"). Une colonne
  `unite`/`Unité` dans une table donne l'unité, ligne à ligne, de ses colonnes numériques
  non déclarées : si elle change parmi les lignes agrégées (verre pesé en t puis en kg), le
  calcul est refusé (« mélange d'unités », avec les périodes de chaque unité) plutôt que
  d'additionner des tonnes et des kilos. Les valeurs manquantes de la colonne unité sont
  ignorées. Aucune conversion n'est faite.
  `nombre(...)` est sans unité : l'ajouter à des tonnes déclarées est aussi refusé.
- Autres problèmes non bloquants notés dans ``attrs["problemes"]`` : valeurs manquantes
  ignorées dans une agrégation, lignes sans date, texte comparé qu'aucune ligne ne contient,
  variable sans valeur pour une année. ``strict=True`` les rend tous bloquants.
- Ambiguïtés de noms : dans `nombre(x)`, une table `x` l'emporte sur une colonne `x` (écrire
  `t.x` pour la colonne) ; dans une agrégation, une colonne l'emporte sur une variable du
  même nom. Une colonne présente dans plusieurs tables doit être qualifiée (`dechets.tonnage`).
- Limites contre les formules hostiles : 2 000 caractères, 50 niveaux de parenthèses (ou de
  signes et `non` enchaînés), 100 niveaux d'opérations dans l'arbre.
- Performance : `compute_indicators` partage entre les formules d'un catalogue le rangement
  des tables par période, les colonnes converties, les filtres et les agrégats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from kit.formulas import _units as U
from kit.formulas._ast import FUNCTIONS, Call, FormulaError, Node, error, to_text, walk
from kit.formulas._eval import Engine
from kit.formulas._parser import parse
from kit.formulas._registry import catalogue_from_frame, run_registered
from kit.formulas._tables import PERIODS

__all__ = [
    "Formula",
    "FormulaError",
    "FUNCTIONS",
    "compute_indicator",
    "compute_indicators",
    "parse_formula",
    "register_indicator",
    "registered_indicators",
]

_REGISTRY: dict[str, Callable] = {}
_PYTHON_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, eq=False)
class Formula:
    """Formule analysée : arbre syntaxique (`root`) ou fonction enregistrée (`function`).

    Deux formules sont égales si leurs arbres le sont (les positions et les espaces ne
    comptent pas). `str(formule)` la réécrit dans une forme canonique qui se relit à
    l'identique.

    Examples
    --------
    >>> f = parse_formula("Somme( tonnage )/population*1000")
    >>> str(f)
    'somme(tonnage) / population * 1000'
    >>> f == parse_formula(str(f))
    True
    >>> sorted(f.names())
    ['population', 'tonnage']
    """

    root: Node | None
    function: str | None = None
    text: str = field(default="", compare=False)
    indicator: str = field(default="", compare=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Formula):
            return NotImplemented
        return (self.root, self.function) == (other.root, other.function)

    def __hash__(self) -> int:
        return hash((self.root, self.function))

    def to_text(self) -> str:
        """Texte canonique de la formule."""
        if self.function is not None:
            return f"fonction:{self.function}"
        return to_text(self.root)

    __str__ = to_text

    def __repr__(self) -> str:
        return f"Formula({self.to_text()!r})"

    def names(self) -> set[str]:
        """Noms cités (colonnes, variables, tables), tels qu'écrits."""
        out: set[str] = set()
        for node in walk(self.root):
            if getattr(node, "name", None) is not None and not isinstance(node, Call):
                out.add(node.name)
                if node.table is not None:
                    out.add(node.table)
        return out


def parse_formula(text: str, indicator: str = "") -> Formula:
    """Analyse une formule d'indicateur sans rien exécuter.

    Parameters
    ----------
    text
        Formule, par exemple ``"somme(tonnage) / population * 1000"`` ou
        ``"fonction:nom_de_fonction"`` (2 000 caractères au plus).
    indicator
        Nom de l'indicateur, repris dans les messages d'erreur.

    Returns
    -------
    Formula
        Arbre vérifié (types, imbrication), réutilisable par `compute_indicator`.

    Raises
    ------
    FormulaError
        Pour toute formule incorrecte, avec la position de l'erreur.

    Examples
    --------
    >>> parse_formula("nombre(interventions où delai_jours > 7)").root.function
    'nombre'
    >>> parse_formula("somme(tonnage) +", indicator="tonnage_total")
    Traceback (most recent call last):
    ...
    kit.formulas.FormulaError: Indicateur « tonnage_total » : la formule s'arrête trop tôt.
        somme(tonnage) +
                        ^
    Complétez l'opération ou la parenthèse.
    """
    result = parse(text, indicator)
    if isinstance(result, str):
        return Formula(None, result, text, indicator)
    return Formula(result, None, text, indicator)


def register_indicator(name: str) -> Callable[[Callable], Callable]:
    """Décorateur : enregistre une fonction Python appelée par la formule ``fonction:nom``.

    Pour les rares indicateurs que le langage ne sait pas écrire. La fonction reçoit
    ``(tables, period, variables)`` (dictionnaire de DataFrames, « mois », « trimestre » ou
    « annee », dictionnaire de variables) et renvoie une Series indexée par période
    (`pandas.Period`, date, ou année pour un calcul annuel) ; le kit la complète des
    périodes manquantes (NaN). Elle ne doit pas modifier les tables.

    Examples
    --------
    >>> @register_indicator("tonnage_maximal_mensuel")
    ... def _tonnage_max(tables, period, variables):
    ...     df = tables["dechets"]
    ...     return df.groupby(df["mois"].dt.to_period("M"))["tonnage"].max()
    >>> "tonnage_maximal_mensuel" in registered_indicators()
    True
    """
    if not isinstance(name, str) or not _PYTHON_NAME.fullmatch(name):
        raise error(f"nom de fonction d'indicateur incorrect : {name!r}",
                    hint="Utilisez un nom en snake_case ASCII, par exemple taux_special")

    def decorator(fn: Callable) -> Callable:
        if not callable(fn):
            raise error(f"register_indicator({name!r}) attend une fonction")
        old = _REGISTRY.get(name)
        if old is not None and old is not fn and (
                getattr(old, "__module__", None), getattr(old, "__qualname__", None)) != (
                getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)):
            raise error(f"une autre fonction est déjà enregistrée sous le nom « {name} » "
                        f"({old.__module__}.{old.__qualname__})",
                        hint="Choisissez un autre nom")
        _REGISTRY[name] = fn
        return fn

    return decorator


def registered_indicators() -> dict[str, Callable]:
    """Fonctions enregistrées par `register_indicator` (copie : nom → fonction)."""
    return dict(_REGISTRY)


def compute_indicator(
    formula: str | Formula,
    tables: Mapping[str, pd.DataFrame] | pd.DataFrame,
    *,
    period: str = "mois",
    date_column: str | Mapping[str, str] | None = None,
    variables: Mapping[str, object] | None = None,
    units: Mapping[str, str] | None = None,
    indicator: str = "",
    strict: bool = False,
) -> pd.Series:
    """Calcule un indicateur par période à partir des tables des services.

    Parameters
    ----------
    formula
        Texte de la formule (voir la grammaire du module) ou `Formula` déjà analysée.
    tables
        Tables nommées (``{"dechets": df, ...}``) ; un DataFrame seul s'appelle « table ».
        Elles ne sont jamais modifiées.
    period
        « mois », « trimestre » ou « annee ».
    date_column
        Colonne de date de chaque table (un nom pour toutes, ou ``{table: colonne}``) ;
        par défaut l'unique colonne de dates, sinon date/mois/jour, sinon l'exercice.
    variables
        Valeurs hors tables : nombres (``{"population": 42000}``) ou séries par année.
    units
        Unités de colonnes ou de variables (``{"tonnage": "t", "population": "hab"}``).
    indicator
        Nom de l'indicateur, repris dans les messages.
    strict
        Si vrai, tout problème noté (division par zéro, valeurs manquantes…) lève une
        `FormulaError` au lieu d'être seulement signalé.

    Returns
    -------
    pandas.Series
        Valeurs (float) indexées par `pandas.Period` (index « periode »), sans trou entre la
        première et la dernière période ; ``attrs`` : indicateur, formule, periode, unite,
        problemes (liste de messages en français).

    Raises
    ------
    FormulaError
        Formule incorrecte, colonne, table, variable ou fonction inconnue, unités mêlées.

    Examples
    --------
    >>> dechets = pd.DataFrame({
    ...     "mois": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01"]),
    ...     "flux": ["Verre", "Papier", "Verre"],
    ...     "tonnage": [2.0, 3.0, 4.0]})
    >>> s = compute_indicator("somme(tonnage) / population * 1000", {"dechets": dechets},
    ...                       variables={"population": 500}, indicator="t_pour_1000_hab")
    >>> s
    periode
    2024-01    10.0
    2024-02     NaN
    2024-03     8.0
    Freq: M, Name: t_pour_1000_hab, dtype: float64
    >>> compute_indicator('nombre(où flux = "Verre")', dechets, period="annee").tolist()
    [2.0]
    """
    engine = Engine(tables, period, date_column, variables, units)
    return _evaluate(engine, formula, indicator, strict)


def compute_indicators(
    catalogue: Mapping[str, str | Formula] | pd.DataFrame,
    tables: Mapping[str, pd.DataFrame] | pd.DataFrame,
    *,
    period: str = "mois",
    date_column: str | Mapping[str, str] | None = None,
    variables: Mapping[str, object] | None = None,
    units: Mapping[str, str] | None = None,
    strict: bool = False,
) -> pd.DataFrame:
    """Calcule tout un catalogue d'indicateurs, en partageant filtres et agrégats.

    Parameters
    ----------
    catalogue
        ``{nom: formule}``, ou DataFrame du catalogue avec une colonne `formule` et une
        colonne de nom (`indicateur`, `code` ou `nom` ; à défaut l'index).
    tables, period, date_column, variables, units, strict
        Comme pour `compute_indicator`.

    Returns
    -------
    pandas.DataFrame
        Une colonne par indicateur, indexée par période ; ``attrs["problemes"]`` :
        ``{indicateur: [messages]}`` et ``attrs["unites"]`` : ``{indicateur: unité}``.

    Raises
    ------
    FormulaError
        Si au moins une formule est fausse : le message les liste toutes.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2024-01-05", "2024-02-10"]),
    ...                    "tonnage": [1.5, 2.5]})
    >>> compute_indicators({"total": "somme(tonnage)", "pic": "max(tonnage)"}, df,
    ...                    period="trimestre")  # doctest: +NORMALIZE_WHITESPACE
             total  pic
    periode
    2024Q1     4.0  2.5
    """
    if isinstance(catalogue, pd.DataFrame):
        catalogue = catalogue_from_frame(catalogue)
    engine = Engine(tables, period, date_column, variables, units)
    results: dict[str, pd.Series] = {}
    failures: list[str] = []
    for name, formula in catalogue.items():
        try:
            results[str(name)] = _evaluate(engine, formula, str(name), strict)
        except FormulaError as exc:
            failures.append(str(exc))
    if failures:
        raise FormulaError(f"{len(failures)} indicateur(s) sur {len(catalogue)} ne peuvent "
                           "être calculés :\n\n" + "\n\n".join(failures))
    frame = pd.DataFrame(results) if results else pd.DataFrame(
        index=pd.PeriodIndex([], freq=PERIODS[engine.period][0]))
    if len(frame.index):
        frame = frame.reindex(pd.period_range(frame.index.min(), frame.index.max(),
                                              freq=PERIODS[engine.period][0]))
    frame.index.name = "periode"
    frame.attrs["problemes"] = {k: list(s.attrs["problemes"]) for k, s in results.items()}
    frame.attrs["unites"] = {k: s.attrs["unite"] for k, s in results.items()}
    return frame


def _evaluate(engine: Engine, formula: str | Formula, indicator: str,
              strict: bool) -> pd.Series:
    if not isinstance(formula, Formula):
        formula = parse_formula(formula, indicator)
    indicator = indicator or formula.indicator
    text = formula.text or formula.to_text()
    if formula.function is not None:
        fn = _REGISTRY.get(formula.function)
        if fn is None:
            known = ", ".join(sorted(_REGISTRY)) or "aucune"
            raise error(f"fonction Python « {formula.function} » non enregistrée",
                        indicator=indicator,
                        hint=f"Décorez-la avec @register_indicator({formula.function!r}) avant "
                             f"le calcul. Fonctions enregistrées : {known}")
        series, unit = run_registered(fn, formula.function, engine, indicator)
        engine.problems = []
    else:
        series, unit = engine.evaluate(formula.root, text, indicator)
    problems = [(f"Indicateur « {indicator} » : " if indicator else "") + p
                for p in engine.problems]
    if strict and problems:
        raise FormulaError("\n".join(problems) + "\n(strict=True : corrigez les données ou "
                           "la formule, ou calculez sans strict pour laisser ces valeurs "
                           "vides)", indicator=indicator, formula=text)
    series.name = indicator or text
    series.attrs = {"indicateur": indicator, "formule": text, "periode": engine.period,
                    "unite": U.describe(unit), "problemes": problems}
    return series
