"""Lecture brute des fichiers publiés (OFGL, DGFiP, DGCL, autre) en table longue provisoire.

Chaque lecteur renvoie un `Parsed` : une table longue (``code_saisi``, ``indicateur``,
``annee``, ``valeur``) enregistrée dans une connexion DuckDB, les définitions de ses
indicateurs, le compte rendu de lecture et les territoires du fichier. La suite (contrôle des
codes, doublons, libellés) est commune : voir `kit._benchmark_opendata`.

L'OFGL est lu par DuckDB directement dans le CSV (types explicites, codes en texte) : un export
de toutes les communes compte plusieurs millions de lignes. Les fichiers DGFiP et DGCL, plus
petits, passent par pandas (``dtype=str``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit._benchmark_definitions import DGCL, DGFIP, DGFIP_RATES, OFGL
from kit._parse import normalize_label
from kit.errors import DataError, KitError

__all__ = ["Parsed", "commune_code", "register", "sniff"]

META_COLUMNS = ["indicateur", "libelle", "unite", "sens", "connu"]


@dataclass
class Parsed:
    """Résultat d'un lecteur, avant le contrôle commun."""

    level: str
    meta: pd.DataFrame  # indicateur, libelle, unite, sens, connu
    lecture: list[str] = field(default_factory=list)
    territories: pd.DataFrame | None = None  # code_saisi, nom, population, strate_fichier
    extra: dict[str, Any] = field(default_factory=dict)
    rows_read: int = 0


@dataclass
class Sniffed:
    path: Path
    encoding: str  # pour Python
    duck_encoding: str  # pour DuckDB
    delimiter: str
    columns: list[str]
    bom: bool


def register(con, name: str, frame: pd.DataFrame) -> None:
    """Enregistre un DataFrame dans DuckDB via Arrow (texte → VARCHAR, sans objets Python)."""
    import pyarrow as pa

    frame = frame.reset_index(drop=True)
    columns = {}
    for col in frame.columns:
        values = frame[col]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            values = values.astype(object).where(values.notna(), None)
            columns[col] = pa.array(values, type=pa.string(), from_pandas=True)
        else:
            columns[col] = pa.array(values, from_pandas=True)
    con.register(name, pa.table(columns))


def _fr(n: float) -> str:
    return f"{int(n):,}".replace(",", " ")


def sniff(path: Path) -> Sniffed:
    """Encodage, séparateur et en-tête d'un CSV ; refuse un fichier vide ou tronqué."""
    head = path.open("rb").read(65536)
    if not head.strip():
        raise DataError(f"« {path.name} » est vide : aucun en-tête ni aucune ligne.", path)
    bom = head.startswith(b"\xef\xbb\xbf")
    try:
        head.decode("utf-8")
        encoding, duck = ("utf-8-sig" if bom else "utf-8"), "utf-8"
    except UnicodeDecodeError as exc:  # coupure au milieu d'un caractère ?
        if exc.start < len(head) - 4:
            encoding, duck = "cp1252", "latin-1"
        else:
            encoding, duck = ("utf-8-sig" if bom else "utf-8"), "utf-8"
    first = head.decode(encoding, errors="replace").splitlines()[0]
    counts = {d: first.count(d) for d in (";", ",", "\t", "|")}
    delimiter = max(counts, key=counts.get)
    columns = next(csv.reader([first], delimiter=delimiter))
    columns = [c.strip() for c in columns]
    _check_tail(path, encoding, delimiter, len(columns))
    return Sniffed(path, encoding, duck, delimiter, columns, bom)


def _check_tail(path: Path, encoding: str, delimiter: str, width: int) -> None:
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - 65536))
        tail = fh.read()
    lines = [ln for ln in tail.decode(encoding, errors="replace").splitlines() if ln.strip()]
    if len(lines) < 2 and size <= 65536:
        return
    last = next(csv.reader([lines[-1]], delimiter=delimiter))
    if len(last) < width:
        raise DataError(f"« {path.name} » semble tronqué : sa dernière ligne a {len(last)} "
                        f"champ(s) au lieu de {width} (colonnes de l'en-tête). Téléchargez à "
                        "nouveau le fichier complet.", path)


def find_column(columns: list[str], *patterns: str) -> str | None:
    """Première colonne dont le libellé normalisé correspond à l'un des motifs (regex)."""
    normalized = [(c, normalize_label(c)) for c in columns]
    for pattern in patterns:
        for col, norm in normalized:
            if re.fullmatch(pattern, norm):
                return col
    return None


def _meta_frame(rows: list[tuple[str, str, str, str, bool]]) -> pd.DataFrame:
    meta = pd.DataFrame(rows, columns=META_COLUMNS)
    return meta.drop_duplicates("indicateur").reset_index(drop=True)


def to_number(values: pd.Series) -> tuple[pd.Series, int]:
    """Nombres écrits à la française ou non ; renvoie les nombres et le nombre de cellules
    non vides illisibles."""
    number = pd.to_numeric(values, errors="coerce").astype(float)
    failed = number.isna() & values.notna()
    if not failed.any():
        return number, 0
    text = values[failed].astype("str").str.strip()
    empty = text.isin(["", "NA", "nan", "None", "-", "nd", "n.c."])
    cleaned = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    comma = cleaned.str.fullmatch(r"-?\d+,\d+").fillna(False).astype(bool)
    cleaned = cleaned.where(~comma, cleaned.str.replace(",", ".", regex=False))
    fixed = pd.to_numeric(cleaned.where(~empty), errors="coerce").astype(float)
    number[failed] = fixed
    return number, int((fixed.isna() & ~empty).sum())


def read_text_csv(sniffed: Sniffed) -> pd.DataFrame:
    """CSV entier en texte (pandas), pour les petits fichiers (DGFiP, DGCL, autre)."""
    try:
        return pd.read_csv(sniffed.path, sep=sniffed.delimiter, dtype=str,
                           encoding=sniffed.encoding, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"« {sniffed.path.name} » est mal formé : {exc}. Vérifiez le "
                        "séparateur et que le fichier n'a pas été coupé.", sniffed.path) from exc


# --------------------------------------------------------------------------- OFGL

_OFGL_LEVEL = {"commune": "commune", "gfp": "epci", "epci": "epci", "dept": "departement",
               "departement": "departement", "reg": "region", "region": "region"}
_BUDGET_SUFFIX = {"principal": ("", "budget principal"),
                  "annexes": ("_annexes", "budgets annexes"),
                  "consolide": ("_consolide", "tous budgets")}


def ofgl_columns(columns: list[str]) -> dict[str, str | None]:
    """Colonnes utiles d'un export OFGL (None si absente)."""
    return {
        "exercice": find_column(columns, "exercice"),
        "agregat": find_column(columns, "agregat"),
        "montant": find_column(columns, "montant"),
        "hab": find_column(columns, "montant_en_(eur_)?par_habitant", "montant_par_habitant"),
        "population": find_column(columns, "population_totale", "population"),
        "bp": find_column(columns, "montant_bp"),
        "ba": find_column(columns, "montant_ba"),
        "flux": find_column(columns, "montant_flux_bp_ba"),
        "type": find_column(columns, "type_de_budget"),
        "budget": find_column(columns, "siret_budget"),
        "libelle_budget": find_column(columns, "libelle_budget"),
        "strate": find_column(columns, r"strate_population(_\d{4})?"),
        "categorie": find_column(columns, "categorie"),
        "commune": find_column(columns, r"code_insee_\d{4}_commune", "code_insee_collectivite"),
        "nom_commune": find_column(columns, r"nom_\d{4}_commune"),
        "departement": find_column(columns, r"code_insee_\d{4}_departement"),
        "nom_departement": find_column(columns, r"nom_\d{4}_departement"),
        "region": find_column(columns, r"code_insee_\d{4}_region"),
        "nom_region": find_column(columns, r"nom_\d{4}_region"),
        "epci": find_column(columns, "code_siren_collectivite"),
        "nom_epci": find_column(columns, r"nom_\d{4}_gfp", r"nom_\d{4}_epci", "libelle_budget"),
    }


def _lit(text: object) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _duck_error(exc: Exception, path: Path) -> DataError:
    text = str(exc)
    line = re.search(r"Line: (\d+)", text)
    where = f" (ligne {line.group(1)})" if line else ""
    col = re.search(r'converting column "([^"]+)"', text)
    value = re.search(r'Could not convert string "([^"]*)"', text)
    if col:
        return DataError(f"« {path.name} »{where} : valeur « {value.group(1) if value else '?'}"
                         f" » illisible comme nombre dans la colonne « {col.group(1)} ». Un "
                         "export OFGL écrit les montants avec un point décimal : le fichier a "
                         "peut-être été réenregistré par un tableur.", path)
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if found:
        return DataError(f"« {path.name} » est mal formé ou tronqué{where} : {found.group(2)} "
                         f"champ(s) au lieu de {found.group(1)}. Téléchargez à nouveau "
                         "l'export complet.", path)
    return DataError(f"« {path.name} » est illisible comme export CSV{where} : "
                     f"{text.splitlines()[0]}", path)


def read_ofgl(con, sniffed: Sniffed, cols: dict[str, str | None], *, level: str | None,
              budgets: Any) -> Parsed:
    """Export OFGL : un agrégat par ligne → deux indicateurs (montant en €, et par habitant)."""
    path = sniffed.path
    types = {c: "VARCHAR" for c in sniffed.columns}
    for key, kind in (("exercice", "INTEGER"), ("montant", "DOUBLE"), ("hab", "DOUBLE"),
                      ("population", "DOUBLE"), ("bp", "DOUBLE"), ("ba", "DOUBLE"),
                      ("flux", "DOUBLE")):
        if cols[key]:
            types[cols[key]] = kind
    if len(types) != len(sniffed.columns):
        raise DataError(f"« {path.name} » : deux colonnes portent le même nom dans l'en-tête.",
                        path)
    struct = "{" + ", ".join(f"{_lit(c)}: '{t}'" for c, t in types.items()) + "}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW csv_src AS SELECT * FROM read_csv({_lit(path)}, "
                f"delim={_lit(sniffed.delimiter)}, quote='\"', escape='\"', header=true, "
                f"auto_detect=false, columns={struct}, encoding={_lit(sniffed.duck_encoding)})")
    level = level or _ofgl_level(con, cols, path)
    code_col = {"commune": cols["commune"], "epci": cols["epci"],
                "departement": cols["departement"], "region": cols["region"]}[level]
    name_col = {"commune": cols["nom_commune"], "epci": cols["nom_epci"],
                "departement": cols["nom_departement"], "region": cols["nom_region"]}[level]
    if not code_col:
        raise DataError(f"« {path.name} » : colonne du code {level} introuvable dans l'export "
                        "OFGL (par exemple « Code Insee 2024 Commune »). Colonnes lues : "
                        f"{', '.join(sniffed.columns)}.", path)
    per_budget = bool(cols["type"] and cols["montant"])
    mode, chosen, note = _budget_choice(budgets, per_budget, path)
    if per_budget:
        amount, per_hab = _q(cols["montant"]), (_q(cols["hab"]) if cols["hab"] else "NULL")
        kind = f"trim({_q(cols['type'])})"
        key_parts = [c for c in (cols["budget"], cols["libelle_budget"]) if c]
        budget = "coalesce(" + ", ".join(
            [f"nullif(trim({_q(c)}), '')" for c in key_parts] + [kind]) + ")"
        label = f"trim({_q(cols['libelle_budget'])})" if cols["libelle_budget"] else budget
    else:
        if not (cols["bp"] or cols["montant"]):
            raise DataError(f"« {path.name} » : ni « Montant » ni « Montant BP » dans l'export "
                            "OFGL.", path)
        pop = _q(cols["population"]) if cols["population"] else "NULL"
        column = {"principal": cols["bp"], "annexes": cols["ba"],
                  "consolide": cols["montant"]}[mode]
        if column is None:
            raise DataError(f"« {path.name} » : colonne du montant « {mode} » absente de "
                            "l'export OFGL consolidé.", path)
        amount = _q(column)
        per_hab = (_q(cols["hab"]) if mode == "consolide" and cols["hab"]
                   else f"{amount} / nullif({pop}, 0)")
        kind, budget, label = "'consolidé'", "'consolidé'", "'consolidé'"
    strate = f"trim({_q(cols['strate'])})" if cols["strate"] else "NULL"
    name = f"trim({_q(name_col)})" if name_col else "NULL"
    population = _q(cols["population"]) if cols["population"] else "NULL"
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE ofgl_b AS SELECT "
            f"trim({_q(code_col)}) AS code_saisi, {_q(cols['exercice'])} AS annee, "
            f"trim({_q(cols['agregat'])}) AS agregat, {kind} AS type_budget, "
            f"{budget} AS budget, any_value({label}) AS libelle_budget, count(*) AS n, "
            f"min({amount}) AS m_min, max({amount}) AS m_max, "
            f"count({amount}) AS m_n, min({per_hab}) AS h_min, max({per_hab}) AS h_max, "
            f"any_value({name}) AS nom, max({population}) AS population, "
            f"min({strate}) AS strate_min, max({strate}) AS strate_max "
            "FROM csv_src GROUP BY ALL")
    except Exception as exc:  # duckdb.Error : message traduit, fichier et colonne nommés
        if type(exc).__module__.startswith("duckdb"):
            raise _duck_error(exc, path) from exc
        raise
    parsed = Parsed(level=level, meta=pd.DataFrame(columns=META_COLUMNS))
    parsed.rows_read = int(con.execute("SELECT sum(n) FROM ofgl_b").fetchall()[0][0] or 0)
    if parsed.rows_read == 0:
        raise DataError(f"« {path.name} » ne contient aucune ligne de données.", path)
    stats = con.execute("SELECT type_budget, count(DISTINCT code_saisi || '|' || budget), "
                        "sum(n) FROM ofgl_b GROUP BY 1 ORDER BY 1").fetchall()
    parsed.lecture.append("Budgets présents : " + " ; ".join(
        f"{t} ({_fr(b)} budget(s), {_fr(n)} ligne(s))" for t, b, n in stats) + ".")
    selection, suffix, scope = _budget_filter(con, mode, chosen, per_budget, parsed, path)
    if note:
        parsed.lecture.append(note)
    dup = con.execute("SELECT coalesce(sum(n - 1) FILTER (WHERE m_min IS NOT DISTINCT FROM "
                      "m_max AND h_min IS NOT DISTINCT FROM h_max), 0), count(*) FILTER (WHERE "
                      "m_min IS DISTINCT FROM m_max OR h_min IS DISTINCT FROM h_max) "
                      f"FROM ofgl_b WHERE n > 1 AND {selection}").fetchall()[0]
    if dup[0]:
        parsed.lecture.append(f"Doublons exacts : {_fr(dup[0])} ligne(s) répétée(s) à "
                              "l'identique, comptée(s) une seule fois.")
    if dup[1]:
        parsed.lecture.append(f"Doublons contradictoires : {_fr(dup[1])} agrégat(s) d'un même "
                              "budget avec deux montants différents : valeurs écartées.")
    # un budget = une valeur ; les budgets retenus sont additionnés, une seule fois chacun
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ofgl_sum AS SELECT code_saisi, annee, agregat, "
        "CASE WHEN bool_and(m_min IS NOT DISTINCT FROM m_max AND m_n = n) THEN sum(m_min) END "
        "AS montant, CASE WHEN bool_and(h_min IS NOT DISTINCT FROM h_max AND h_min IS NOT "
        "NULL) THEN sum(h_min) END AS hab FROM ofgl_b "
        f"WHERE {selection} GROUP BY ALL")
    agregats = [r[0] for r in con.execute(
        "SELECT DISTINCT agregat FROM ofgl_sum WHERE agregat IS NOT NULL ORDER BY 1").fetchall()]
    rows, amap = [], []
    for agregat in agregats:
        known = OFGL.get(normalize_label(agregat))
        ident, label, sens = known if known else (normalize_label(agregat), agregat, "")
        ident += suffix
        label_scope = f" ({scope})" if suffix else ""
        rows.append((ident, label + label_scope, "€", sens, bool(known)))
        rows.append((ident + "_hab", f"{label} par habitant{label_scope}", "€/hab", sens,
                     bool(known)))
        amap.append((agregat, ident))
    parsed.meta = _meta_frame(rows)
    register(con, "ofgl_map", pd.DataFrame(amap, columns=["agregat", "ident"]))
    con.execute(
        "CREATE OR REPLACE TEMP VIEW raw_long AS "
        "SELECT s.code_saisi, s.annee, m.ident AS indicateur, s.montant AS valeur "
        "FROM ofgl_sum s JOIN ofgl_map m USING (agregat) UNION ALL "
        "SELECT s.code_saisi, s.annee, m.ident || '_hab', s.hab FROM ofgl_sum s "
        "JOIN ofgl_map m USING (agregat)")
    parsed.territories = con.execute(
        "SELECT code_saisi, any_value(nom) AS nom, arg_max(population, annee) AS population, "
        "min(strate_min) AS strate_min, max(strate_max) AS strate_max FROM ofgl_b "
        "GROUP BY 1 ORDER BY 1").df()
    parsed.extra["strate_colonne"] = cols["strate"]
    parsed.extra["budgets"] = scope
    parsed.lecture.append(f"{len(agregats)} agrégat(s), deux indicateurs chacun : montant "
                          "(€) et montant par habitant (€/hab).")
    return parsed


def _ofgl_level(con, cols: dict[str, str | None], path: Path) -> str:
    if cols["categorie"]:
        cats = [normalize_label(r[0]) for r in con.execute(
            f"SELECT DISTINCT {_q(cols['categorie'])} FROM csv_src LIMIT 5").fetchall() if r[0]]
        for cat in cats:
            if cat in _OFGL_LEVEL:
                return _OFGL_LEVEL[cat]
    for key in ("commune", "epci", "departement", "region"):
        if cols[key] and key != "epci":
            return key
    raise DataError(f"« {path.name} » : niveau des collectivités de l'export OFGL inconnu "
                    "(communes, groupements, départements, régions) : précisez "
                    "`niveau=\"commune\"`.", path)


def _budget_choice(budgets: Any, per_budget: bool, path: Path) -> tuple[str, list[str], str]:
    """Mode (principal, annexes, consolide, liste) et éléments choisis."""
    aliases = {"principal": "principal", "bp": "principal", "budget_principal": "principal",
               "annexes": "annexes", "annexe": "annexes", "ba": "annexes",
               "budgets_annexes": "annexes", "consolide": "consolide", "tous": "consolide",
               "consolides": "consolide"}
    if budgets is None:
        budgets = "principal"
    items = [budgets] if isinstance(budgets, str) else list(budgets)
    if not items:
        raise KitError("`budgets` est vide : choisissez « principal », « annexes », "
                       "« consolide » ou une liste de budgets.")
    kinds = [aliases.get(normalize_label(i)) for i in items]
    if len(items) == 1 and kinds[0]:
        return kinds[0], [], ""
    if "consolide" in kinds:
        raise KitError("`budgets` : « consolide » comprend déjà tous les budgets ; ne le "
                       "combinez pas avec d'autres (ils seraient comptés deux fois).")
    if not per_budget:
        names = [i for i, k in zip(items, kinds) if not k]
        if names:
            raise DataError(f"« {path.name} » est un export consolidé (colonnes Montant BP, "
                            "BA, flux) : on n'y choisit pas un budget par son nom "
                            f"({', '.join(map(str, names))}).", path)
        if set(kinds) == {"principal", "annexes"}:
            return "consolide", [], (
                "Budgets « principal » + « annexes » d'un export consolidé : la colonne "
                "« Montant » (principal + annexes − flux entre eux) est retenue, pour ne pas "
                "compter deux fois les flux croisés.")
        return kinds[0], [], ""
    return "liste", [str(i) for i in items], ""


def _budget_filter(con, mode: str, chosen: list[str], per_budget: bool, parsed: Parsed,
                   path: Path) -> tuple[str, str, str]:
    """Condition SQL sur ofgl_b, suffixe des identifiants et libellé du périmètre."""
    if not per_budget:
        suffix, scope = _BUDGET_SUFFIX[mode]
        if mode == "consolide":
            scope = "consolidé, flux entre budgets retirés"
        parsed.lecture.append(f"Périmètre retenu : {scope} (export consolidé de l'OFGL).")
        return "TRUE", suffix, scope
    principal = "lower(type_budget) LIKE '%principal%'"
    annexe = "lower(type_budget) LIKE '%annexe%'"
    if mode == "principal":
        parsed.lecture.append("Périmètre retenu : budget principal seul (par défaut) ; les "
                              "budgets annexes sont laissés de côté (`budgets=\"annexes\"` ou "
                              "`\"consolide\"` pour les prendre).")
        return principal, "", "budget principal"
    if mode == "annexes":
        parsed.lecture.append("Périmètre retenu : budgets annexes, additionnés par "
                              "collectivité (budget principal exclu).")
        return annexe, *_BUDGET_SUFFIX["annexes"]
    if mode == "consolide":
        parsed.lecture.append("Périmètre retenu : budget principal + budgets annexes, "
                              "additionnés une fois chacun. Attention : l'export par budget "
                              "ne donne pas les flux entre budgets (subventions du principal "
                              "aux annexes…), qui restent comptés dans les deux.")
        return f"({principal} OR {annexe})", *_BUDGET_SUFFIX["consolide"]
    clauses, names = [], []
    for item in chosen:
        key = normalize_label(item)
        if key in ("principal", "bp", "budget_principal"):
            clauses.append(principal)
        elif key in ("annexes", "annexe", "ba", "budgets_annexes"):
            clauses.append(annexe)
        else:
            names.append(item.strip().upper())
    if names:
        found = {r[0] for r in con.execute(
            "SELECT DISTINCT upper(budget) FROM ofgl_b UNION SELECT DISTINCT "
            "upper(libelle_budget) FROM ofgl_b").fetchall()}
        missing = [n for n in names if n not in found]
        if missing:
            raise DataError(f"Budget(s) introuvable(s) dans « {path.name} » : "
                            f"{', '.join(missing)}. Donnez un SIRET (colonne « Siret Budget ») "
                            "ou un libellé (colonne « Libellé Budget »).", path)
        quoted = ", ".join("'" + n.replace("'", "''") + "'" for n in names)
        clauses.append(f"(upper(budget) IN ({quoted}) OR upper(libelle_budget) IN ({quoted}))")
    parsed.lecture.append("Périmètre retenu : budgets choisis (" + ", ".join(chosen) + "), "
                          "chaque budget compté une seule fois même s'il est désigné deux "
                          "fois.")
    return "(" + " OR ".join(clauses) + ")", "_budgets_choisis", "budgets choisis"


# --------------------------------------------------------------------------- DGFiP

_DGFIP_META = {"an", "dep", "icom", "inom", "reg", "pop1", "nomsst1", "nomsst2"}


def commune_code(dep: object, com: object) -> str | None:
    """Code INSEE d'une commune à partir du département et du numéro de commune (DGFiP).

    Examples
    --------
    >>> [commune_code(d, c) for d, c in [("1", "4"), ("068", "356"), ("02A", "004"),
    ...                                  ("971", "101"), ("971", "1"), ("097", "101")]]
    ['01004', '68356', '2A004', '97101', '97101', '97101']
    """
    if dep is None or com is None or pd.isna(dep) or pd.isna(com):
        return None
    d = str(dep).strip().upper()
    c = str(com).strip()
    if c.endswith(".0"):
        c = c[:-2]
    if d.endswith(".0"):
        d = d[:-2]
    if not d or not c or not c.isdigit():
        return None
    if len(d) == 3 and d.startswith("0"):
        d = d[1:]  # « 068 », « 02A » : département sur trois caractères
    if len(d) == 1:
        d = "0" + d
    number = int(c)
    if len(d) == 3:  # outre-mer : 971 + 01, ou 97 + 101
        if number >= 100 and str(number)[0] == d[2]:
            return d[:2] + str(number)
        return d + f"{number:02d}" if number < 100 else None
    if d == "97" and number >= 100:
        return d + str(number)
    return d + f"{number:03d}" if number < 1000 else None


def _stratum_bounds(label: str) -> tuple[float, float] | None:
    numbers = [int(re.sub(r"\D", "", n)) for n in
               re.findall(r"\d[\d\s\u00a0\u202f]*\d|\d", label or "")]
    text = normalize_label(label or "")
    if "moins" in text and numbers:
        return 0.0, float(numbers[0])
    if "plus" in text and numbers:
        return float(numbers[0]), float("inf")
    if len(numbers) >= 2:
        return float(numbers[0]), float(numbers[1])
    return None


def read_dgfip(con, sniffed: Sniffed) -> Parsed:
    """Comptes individuels des communes (DGFiP) : montants (k€ → €), par habitant, taux."""
    path = sniffed.path
    raw = read_text_csv(sniffed)
    lower = {c.strip().lower(): c for c in raw.columns}
    missing = [c for c in ("an", "dep", "icom") if c not in lower]
    if missing:
        raise DataError(f"« {path.name} » : colonne(s) {', '.join(missing)} absente(s) d'un "
                        "fichier DGFiP des comptes individuels des communes.", path)
    col = lambda name: raw[lower[name]]  # noqa: E731
    codes = [commune_code(d, c) for d, c in zip(col("dep"), col("icom"))]
    code_s = pd.Series(codes, index=raw.index, dtype=object)
    annee, bad_years = to_number(col("an"))
    parsed = Parsed(level="commune", meta=pd.DataFrame(columns=META_COLUMNS),
                    rows_read=len(raw))
    bases = [c for c in lower if "f" + c in lower and c not in _DGFIP_META]
    frames, rows, means, unreadable = [], [], [], 0
    for base in bases:
        known = DGFIP.get(base)
        ident, label, sens = known if known else (f"dgfip_{base}", base, "")
        montant, n1 = to_number(col(base))
        hab, n2 = to_number(col("f" + base))
        unreadable += n1 + n2
        frames += [(ident, montant * 1000.0), (ident + "_hab", hab)]
        rows += [(ident, label, "€", sens, bool(known)),
                 (ident + "_hab", f"{label} par habitant", "€/hab", sens, bool(known))]
        if "m" + base in lower:
            means.append((ident + "_hab", to_number(col("m" + base))[0]))
    for rate, (mean_col, label, sens) in DGFIP_RATES.items():
        if rate in lower:
            value, n = to_number(col(rate))
            unreadable += n
            frames.append((f"dgfip_{rate}", value))
            rows.append((f"dgfip_{rate}", label, "%", sens, True))
            if mean_col in lower:
                means.append((f"dgfip_{rate}", to_number(col(mean_col))[0]))
    long = pd.concat([pd.DataFrame({"code_saisi": code_s, "annee": annee, "indicateur": ident,
                                    "valeur": values}) for ident, values in frames],
                     ignore_index=True)
    long["annee"] = long["annee"].astype("Int64")
    register(con, "raw_long", long)
    parsed.meta = _meta_frame(rows)
    strata = col("nomsst1") if "nomsst1" in lower else pd.Series(pd.NA, index=raw.index)
    pops = to_number(col("pop1"))[0] if "pop1" in lower else pd.Series(np.nan, index=raw.index)
    names = col("inom") if "inom" in lower else pd.Series(pd.NA, index=raw.index)
    parsed.territories = pd.DataFrame({"code_saisi": code_s, "nom": names, "population": pops,
                                       "strate_fichier": strata}).drop_duplicates("code_saisi")
    if means:
        parsed.extra["moyennes_strate"] = pd.concat([pd.DataFrame({
            "code_saisi": code_s, "indicateur": ident, "annee": annee.astype("Int64"),
            "strate": strata, "moyenne_strate": values}) for ident, values in means],
            ignore_index=True)
    bad_codes = int(code_s.isna().sum())
    parsed.lecture.append(
        f"{len(bases)} variable(s) : montant (milliers d'euros, convertis en €) et montant "
        f"par habitant ; {sum(r in lower for r in DGFIP_RATES)} taux voté(s) (%) ; moyennes "
        f"de strate ({len(means)} variables) dans `attrs[\"moyennes_strate\"]`, pas dans la "
        "table : ce sont des valeurs de groupe, on ne les classe pas parmi les communes.")
    parsed.lecture.append("Code INSEE formé du département (« dep ») et du numéro de commune "
                          "(« icom ») : « 068 » + « 356 » → « 68356 »"
                          + (f" ; {bad_codes} ligne(s) sans code formable" if bad_codes else "")
                          + ".")
    if unreadable or bad_years:
        parsed.lecture.append(f"{unreadable + bad_years} cellule(s) non numérique(s) "
                              "écartée(s).")
    return parsed


def dgfip_strata_check(territories: pd.DataFrame) -> list[str]:
    """Communes dont la population sort des bornes du libellé de strate DGFiP."""
    wrong = []
    for row in territories.itertuples(index=False):
        bounds = _stratum_bounds(str(row.strate_fichier)) if isinstance(
            row.strate_fichier, str) else None
        if bounds and pd.notna(row.population) and not (
                bounds[0] <= row.population <= bounds[1]):
            wrong.append(f"{row.code} ({_fr(row.population)} hab., « {row.strate_fichier} »)")
    return wrong


# --------------------------------------------------------------------------- DGCL

_DGCL_CODE = ("code_collectivite", "code_insee", "codgeo", "insee", "code_commune", "depcom",
              "code", "informations_generales_code_insee_de_la_commune")
_DGCL_NAME = ("libgeo", "nom", "nom_commune", "commune", "libelle",
              "informations_generales_nom_de_la_commune")
_DGCL_POP = ("population_dgf", "pop_dgf", "population", "population_totale", "pop_insee",
             "population_insee", "pop1")
_YEAR = ("annee", "exercice", "millesime", "an")


def dgcl_code_column(columns: list[str]) -> str | None:
    return find_column(columns, *_DGCL_CODE)


def read_dgcl(con, sniffed: Sniffed, *, annee: int | None) -> Parsed:
    """Tableau des dotations par commune (DGCL) : montants en €, et par habitant."""
    path = sniffed.path
    raw = read_text_csv(sniffed)
    columns = list(raw.columns)
    code_col = dgcl_code_column(columns)
    if code_col is None:
        raise DataError(f"« {path.name} » : pas de colonne de code INSEE (« code "
                        "collectivite », « Code INSEE »…) dans le tableau des dotations.", path)
    name_col = find_column(columns, *_DGCL_NAME)
    year_col = find_column(columns, *_YEAR)
    pop_col = find_column(columns, *_DGCL_POP)
    parsed = Parsed(level="commune", meta=pd.DataFrame(columns=META_COLUMNS),
                    rows_read=len(raw))
    if year_col is not None:
        years, _ = to_number(raw[year_col])
    elif annee is not None:
        years = pd.Series(float(annee), index=raw.index)
        parsed.lecture.append(f"Année donnée par l'utilisateur : {annee} (le fichier n'a pas "
                              "de colonne d'année).")
    else:
        raise DataError(f"« {path.name} » n'a pas de colonne d'année : précisez l'année des "
                        "dotations, `read_open_data(..., annee=2024)` ou `annee: 2024` dans "
                        "la configuration de la source.", path)
    skip = {code_col, name_col, year_col, pop_col}
    numbers = {}
    for c in columns:
        if c in skip:
            continue
        values, bad = to_number(raw[c])
        if values.notna().sum() and bad <= 0.05 * len(raw):
            numbers[c] = values
    norm = {c: normalize_label(c) for c in numbers}
    population = to_number(raw[pop_col])[0] if pop_col else None
    if population is None:
        for c, key in norm.items():
            base = next((b for b, k in norm.items() if k == key.removesuffix("_hab")
                         or (key, k) in (("avantp_hab", "recette_avantp"),
                                         ("apresp_hab", "montant"))), None)
            if key.endswith("_hab") and base:
                population = (numbers[base] / numbers[c].where(numbers[c] != 0)).round()
                parsed.lecture.append(f"Population déduite de « {base} » / « {c} » (le "
                                      "fichier n'a pas de colonne de population).")
                break
    after = {"recette_avantp", "perequations"} <= set(norm.values())
    given = {DGCL[k][0] for k in norm.values() if k in DGCL}
    if after:
        given.add("recettes_apres_perequation_hab")
    frames, rows = [], []
    for c, values in numbers.items():
        key = norm[c]
        known = DGCL.get(key)
        if key == "montant" and after:
            known = ("recettes_apres_perequation", "Recettes après péréquation", "")
        ident, label, sens = known if known else (key, c, "")
        per_hab = key.endswith("_hab") or "par_habitant" in key
        frames.append((ident, values))
        rows.append((ident, label, "€/hab" if per_hab else "€", sens, bool(known)))
        if not per_hab and population is not None and ident + "_hab" not in given:
            frames.append((ident + "_hab", values / population.where(population > 0)))
            rows.append((ident + "_hab", f"{label} par habitant", "€/hab", sens, bool(known)))
    codes = raw[code_col].astype("str").str.strip()
    long = pd.concat([pd.DataFrame({"code_saisi": codes, "annee": years, "indicateur": ident,
                                    "valeur": values}) for ident, values in frames],
                     ignore_index=True)
    long["annee"] = long["annee"].astype("Int64")
    register(con, "raw_long", long)
    parsed.meta = _meta_frame(rows)
    parsed.territories = pd.DataFrame({
        "code_saisi": codes, "nom": raw[name_col].replace("NA", pd.NA) if name_col else pd.NA,
        "population": population if population is not None else np.nan,
        "strate_fichier": pd.NA}).drop_duplicates("code_saisi")
    parsed.lecture.append(f"{len(numbers)} colonne(s) de montants lue(s) "
                          f"({', '.join(numbers)}) ; par habitant "
                          + ("calculé avec la population." if population is not None
                             else "impossible (aucune population)."))
    return parsed
