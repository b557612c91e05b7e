"""Lecture brute des fichiers publiés (OFGL, DGFiP, DGCL, autre) en table longue provisoire.

Chaque lecteur renvoie un `Parsed` : une table longue (``code_saisi``, ``indicateur``,
``annee``, ``valeur``) en tableaux numpy (codes et indicateurs en entiers), les définitions
de ses indicateurs, le compte rendu de lecture et les territoires du fichier. La suite
(contrôle des codes, doublons, libellés) est commune : voir `kit.benchmark._open_data`.

L'OFGL est lu par le lecteur CSV d'Arrow (colonnes utiles seulement, textes en
dictionnaires) : un export de toutes les communes compte plusieurs millions de lignes. Les
fichiers DGFiP et DGCL, plus petits, passent par pandas (``dtype=str``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit._parse import normalize_label
from kit.benchmark._definitions import DGCL, DGFIP, DGFIP_RATES
from kit.errors import DataError

__all__ = ["Parsed", "commune_code", "long_arrays", "sniff"]

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
    #: table longue provisoire : code_idx (dans codes, −1 si vide), codes, ind_idx (ligne de
    #: meta), annee (−1 si vide), valeur (NaN si vide)
    long: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sniffed:
    path: Path
    encoding: str  # pour Python
    delimiter: str
    columns: list[str]
    bom: bool


def long_arrays(frame: pd.DataFrame, meta: pd.DataFrame) -> dict[str, Any]:
    """Table longue pandas (code_saisi, annee, indicateur, valeur) → tableaux numpy."""
    code_idx, codes = pd.factorize(frame["code_saisi"], use_na_sentinel=True)
    ind_idx = pd.Index(meta["indicateur"]).get_indexer(frame["indicateur"])
    annee = pd.to_numeric(frame["annee"], errors="coerce")
    annee = annee.where(annee == annee.round())
    return {"code_idx": code_idx.astype(np.int32), "codes": list(codes),
            "ind_idx": ind_idx.astype(np.int32),
            "annee": annee.fillna(-1).to_numpy(np.int64),
            "valeur": pd.to_numeric(frame["valeur"], errors="coerce").to_numpy(float)}


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
        encoding = "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:  # coupure au milieu d'un caractère ?
        if exc.start < len(head) - 4:
            encoding = "cp1252"
        else:
            encoding = "utf-8-sig" if bom else "utf-8"
    first = head.decode(encoding, errors="replace").splitlines()[0]
    counts = {d: first.count(d) for d in (";", ",", "\t", "|")}
    delimiter = max(counts, key=counts.get)
    columns = next(csv.reader([first], delimiter=delimiter))
    columns = [c.strip() for c in columns]
    _check_tail(path, encoding, delimiter, len(columns))
    return Sniffed(path, encoding, delimiter, columns, bom)


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
    c = c.removesuffix(".0")
    d = d.removesuffix(".0")
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


def read_dgfip(sniffed: Sniffed) -> Parsed:
    """Comptes individuels des communes (DGFiP) : montants (k€ → €), par habitant, taux."""
    path = sniffed.path
    raw = read_text_csv(sniffed)
    lower = {c.strip().lower(): c for c in raw.columns}
    missing = [c for c in ("an", "dep", "icom") if c not in lower]
    if missing:
        raise DataError(f"« {path.name} » : colonne(s) {', '.join(missing)} absente(s) d'un "
                        "fichier DGFiP des comptes individuels des communes.", path)
    col = lambda name: raw[lower[name]]
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
    parsed.meta = _meta_frame(rows)
    parsed.long = long_arrays(long, parsed.meta)
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


def read_dgcl(sniffed: Sniffed, *, annee: int | None) -> Parsed:
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
    parsed.meta = _meta_frame(rows)
    parsed.long = long_arrays(long, parsed.meta)
    parsed.territories = pd.DataFrame({
        "code_saisi": codes, "nom": raw[name_col].replace("NA", pd.NA) if name_col else pd.NA,
        "population": population if population is not None else np.nan,
        "strate_fichier": pd.NA}).drop_duplicates("code_saisi")
    parsed.lecture.append(f"{len(numbers)} colonne(s) de montants lue(s) "
                          f"({', '.join(numbers)}) ; par habitant "
                          + ("calculé avec la population." if population is not None
                             else "impossible (aucune population)."))
    return parsed
