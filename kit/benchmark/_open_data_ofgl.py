"""Lecture des exports OFGL (data.ofgl.fr) : Arrow lit le CSV, numpy agrège.

Le lecteur CSV d'Arrow (`pyarrow.csv`, sur tous les cœurs) ne lit que les colonnes utiles,
avec des types explicites : codes, agrégats, types et identifiants de budget arrivent en
dictionnaires (un entier par ligne, chaque texte distinct écrit une fois), montants en
nombres. Les budgets sont ensuite dédoublonnés puis additionnés avec numpy, sans jamais
revenir à une table de textes : un export de toutes les communes (2 millions de lignes) se lit
en quelques secondes, sous 1 Gio (``benchmarks/bench_open_data.py``). DuckDB, qui lisait ce
CSV auparavant, le lit à peu près aussi vite, mais rend des chaînes qu'il fallait ensuite
recoder en entiers, avec environ 200 Mio de mémoire de plus (mesures sur 2 millions de
lignes) ; ses agrégations SQL (doublons, sommes des budgets) étaient plus lentes que numpy.

Règles (voir `kit.benchmark._open_data`) : un budget n'est compté qu'une fois par agrégat et
par exercice (lignes répétées à l'identique gardées une fois, montants contradictoires
écartés) ; les budgets retenus sont additionnés ; un export consolidé (Montant BP, BA, flux)
n'additionne jamais principal et annexes.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit._parse import normalize_label
from kit.benchmark._arrow_csv import first_text, number_column, read_columns, text_column
from kit.benchmark._definitions import OFGL
from kit.benchmark._open_data_formats import META_COLUMNS, Parsed, Sniffed, find_column
from kit.errors import DataError, KitError

__all__ = ["ofgl_columns", "read_ofgl"]

#: Valeurs de la colonne « Catégorie » des jeux ``ofgl-base-communes``, ``-gfp``,
#: ``-departements`` et ``-regions`` (et de leurs versions consolidées) → niveau du kit.
_OFGL_LEVEL = {"commune": "commune", "com": "commune", "gfp": "epci", "epci": "epci",
               "groupement": "epci", "dept": "departement", "dep": "departement",
               "departement": "departement", "reg": "region", "region": "region"}
_KINDS = {"principal": "principal", "bp": "principal", "budget_principal": "principal",
          "annexes": "annexes", "annexe": "annexes", "ba": "annexes",
          "budgets_annexes": "annexes", "consolide": "consolide", "tous": "consolide",
          "consolides": "consolide"}
_SUFFIX = {"principal": ("", "budget principal"), "annexes": ("_annexes", "budgets annexes"),
           "consolide": ("_consolide", "tous budgets"),
           "liste": ("_budgets_choisis", "budgets choisis")}


def _fr(n: float) -> str:
    return f"{int(n):,}".replace(",", " ")


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
        "type": find_column(columns, "type_de_budget"),
        "siret": find_column(columns, "siret_budget"),
        "libelle_budget": find_column(columns, "libelle_budget"),
        "strate": find_column(columns, r"strate_population(_\d{4})?"),
        "categorie": find_column(columns, "categorie"),
        "commune": find_column(columns, r"code_insee_\d{4}_commune", "code_insee_collectivite"),
        "departement": find_column(columns, r"code_insee_\d{4}_departement"),
        "region": find_column(columns, r"code_insee_\d{4}_region"),
        # groupements à fiscalité propre : SIREN de la collectivité, sinon celui de l'EPCI
        "epci": find_column(columns, "code_siren_collectivite", r"code_siren_\d{4}_epci"),
        "epci_propre": find_column(columns, r"code_siren_\d{4}_epci"),
        "nature": find_column(columns, r"nature_juridique(_\d{4})?(_abregee)?"),
    }


def _level(sniffed: Sniffed, cols: dict[str, str | None]) -> str:
    """Niveau d'après la colonne « Catégorie » des premières lignes, sinon les colonnes."""
    if cols["categorie"]:
        position = sniffed.columns.index(cols["categorie"])
        with sniffed.path.open(encoding=sniffed.encoding, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=sniffed.delimiter)
            next(reader, None)
            for _, row in zip(range(50), reader):
                key = normalize_label(row[position]) if len(row) > position else ""
                if key in _OFGL_LEVEL:
                    return _OFGL_LEVEL[key]
    if cols["commune"]:
        return "commune"
    if cols["nature"] or cols["epci_propre"]:  # export des groupements (GFP)
        return "epci"
    for key in ("departement", "region"):
        if cols[key]:
            return key
    raise DataError(f"« {sniffed.path.name} » : niveau des collectivités de l'export OFGL "
                    "inconnu : précisez `niveau=\"commune\"` (ou epci, departement, region).",
                    sniffed.path)


def _budget_choice(budgets: Any, per_budget: bool, path: Path) -> tuple[str, list[str], str]:
    """Mode (principal, annexes, consolide, liste), éléments nommés, note de lecture."""
    items = ["principal"] if budgets is None else (
        [budgets] if isinstance(budgets, str) else list(budgets))
    if not items:
        raise KitError("`budgets` est vide : choisissez « principal », « annexes », "
                       "« consolide » ou une liste de budgets.")
    kinds = [_KINDS.get(normalize_label(str(i))) for i in items]
    if len(set(kinds)) == 1 and kinds[0]:
        return kinds[0], [], ""
    if "consolide" in kinds:
        raise KitError("`budgets` : « consolide » comprend déjà tous les budgets ; ne le "
                       "combinez pas avec d'autres (ils seraient comptés deux fois).")
    if not per_budget:
        names = [str(i) for i, k in zip(items, kinds) if not k]
        if names:
            raise DataError(f"« {path.name} » est un export consolidé (colonnes Montant BP, "
                            "BA et flux) : on n'y choisit pas un budget par son nom "
                            f"({', '.join(names)}).", path)
        return "consolide", [], (
            "Budgets « principal » + « annexes » d'un export consolidé : la colonne "
            "« Montant » (principal + annexes − flux entre eux) est retenue, pour ne pas "
            "compter deux fois les flux croisés.")
    return "liste", [str(i) for i in items], ""


def _has_repeats(key: np.ndarray) -> bool:
    """Vrai si une clé (entière, positive) apparaît deux fois.

    Clés déjà strictement croissantes (un export rangé par collectivité) : un seul passage ;
    sinon un marquage des clés vues (un octet par clé possible) quand elles sont assez
    serrées, un tri au-delà."""
    if len(key) < 2:
        return False
    if bool((key[1:] > key[:-1]).all()):
        return False
    if int(key.max()) <= 4 * len(key) + 1024:
        seen = np.zeros(int(key.max()) + 1, bool)
        seen[key] = True
        return int(np.count_nonzero(seen)) < len(key)
    ordered = np.sort(key)
    return bool((ordered[1:] == ordered[:-1]).any())


def _block_order(g_agr: np.ndarray, g_code: np.ndarray, g_year: np.ndarray, n_codes: int,
                 n_agr: int) -> np.ndarray:
    """Ordre des lignes par agrégat, code, exercice.

    Lignes déjà rangées par code, agrégat, exercice (export trié, ou clés triées) : un tri
    stable par base sur le seul agrégat (petits entiers, temps linéaire) suffit ; sinon tri
    complet de la clé."""
    y0 = int(g_year.min()) if len(g_year) else 0
    ny = int(g_year.max()) - y0 + 1 if len(g_year) else 1
    by_code = (g_code.astype(np.int64) * n_agr + g_agr) * ny + (g_year - y0)
    if n_agr < 2**15 and (len(by_code) < 2 or bool((by_code[1:] >= by_code[:-1]).all())):
        return np.argsort(g_agr.astype(np.int16), kind="stable")
    return np.argsort((g_agr.astype(np.int64) * max(n_codes, 1) + g_code) * ny
                      + (g_year - y0))


def read_ofgl(sniffed: Sniffed, cols: dict[str, str | None], *, level: str | None,
              budgets: Any) -> Parsed:
    """Export OFGL : un agrégat par ligne → deux indicateurs (montant en €, par habitant)."""
    path = sniffed.path
    level = level or _level(sniffed, cols)
    code_col = {"commune": cols["commune"], "epci": cols["epci"],
                "departement": cols["departement"], "region": cols["region"]}.get(level)
    if not code_col:
        raise DataError(f"« {path.name} » : colonne du code ({level}) introuvable dans "
                        "l'export OFGL (par exemple « Code Insee 2024 Commune »). Colonnes : "
                        f"{', '.join(sniffed.columns)}.", path)
    per_budget = bool(cols["type"] and cols["montant"])
    mode, chosen, note = _budget_choice(budgets, per_budget, path)
    if len(set(sniffed.columns)) != len(sniffed.columns):
        raise DataError(f"« {path.name} » : deux colonnes portent le même nom dans l'en-tête.",
                        path)
    if per_budget:
        amount_col = cols["montant"]
    else:
        amount_col = {"principal": cols["bp"], "annexes": cols["ba"],
                      "consolide": cols["montant"]}[mode]
        if amount_col is None:
            raise DataError(f"« {path.name} » : colonne du montant « {mode} » absente de "
                            "l'export OFGL consolidé (Montant BP, Montant BA, Montant).", path)
    hab_col = cols["hab"] if per_budget or mode == "consolide" else None
    wanted = {code_col: "texte", cols["exercice"]: "entier", cols["agregat"]: "texte",
              amount_col: "nombre"}
    for key, kind in (("hab", "nombre"), ("population", "nombre"), ("strate", "texte")):
        if cols[key] and (key != "hab" or hab_col):
            wanted[cols[key]] = kind
    if per_budget:
        wanted.update({cols[k]: "texte" for k in ("type", "siret", "libelle_budget")
                       if cols[k]})
    table = read_columns(sniffed, wanted)
    rows = table.num_rows
    if rows == 0:
        raise DataError(f"« {path.name} » ne contient aucune ligne de données.", path)
    parsed = Parsed(level=level, meta=pd.DataFrame(columns=META_COLUMNS), rows_read=rows)
    code, codes = text_column(table, code_col)
    # dictionnaire des codes trié : la table longue sort déjà dans l'ordre de `_finish`
    perm = sorted(range(len(codes)), key=lambda i: codes[i])
    rank = np.empty(len(codes) + 1, np.int32)
    rank[perm], rank[-1] = np.arange(len(codes), dtype=np.int32), -1
    code, codes = rank[code], [codes[i] for i in perm]
    agr, agregats = text_column(table, cols["agregat"])
    import pyarrow.compute as pc

    year = pc.fill_null(table.column(cols["exercice"]), -1).to_numpy().astype(np.int64)
    montant = number_column(table, amount_col, rows)
    population = number_column(table, cols["population"], rows)
    if hab_col:
        hab = number_column(table, hab_col, rows)
    else:  # pas de colonne par habitant : montant / population (vide si population nulle)
        with np.errstate(divide="ignore", invalid="ignore"):
            hab = np.where(population != 0, montant / population, np.nan)
    if cols["strate"]:  # un libellé non numérique donne une strate vide
        idx, values = text_column(table, cols["strate"])
        numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce"
                                ).to_numpy(float)
        strate = np.append(numbers, np.nan)[idx]
    else:
        strate = np.full(rows, np.nan)
    labels = None
    if per_budget:
        typ, kinds = text_column(table, cols["type"])
        bud, budget_names = first_text([text_column(table, cols[k]) for k in (
            "siret", "libelle_budget") if cols[k]] + [(typ, kinds)], rows)
        if mode == "liste":
            labels = text_column(table, cols["libelle_budget"]) if cols["libelle_budget"] else \
                (bud, budget_names)
    else:
        typ, kinds = np.zeros(rows, np.int32), ["consolidé"]
        bud, budget_names = typ, kinds
    del table
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    counts = np.bincount(typ[typ >= 0], minlength=len(kinds))
    kind_of_budget = np.full(len(budget_names) + 1, -1)
    kind_of_budget[bud] = typ
    n_budgets = np.bincount(kind_of_budget[kind_of_budget >= 0], minlength=len(kinds))
    parsed.lecture.append("Budgets présents : " + " ; ".join(
        f"{k} ({_fr(b)} budget(s), {_fr(n)} ligne(s))"
        for k, b, n in zip(kinds, n_budgets, counts)) + ".")
    keep, suffix, scope = _selection(mode, chosen, per_budget, typ, kinds, bud, budget_names,
                                     labels, parsed, path)
    if note:
        parsed.lecture.append(note)
    parsed.territories = _territories(code, codes, year, population, strate)
    parsed.extra.update({"strate_colonne": cols["strate"], "budgets": scope})
    # un budget = une valeur par agrégat et exercice : doublons exacts gardés une fois
    rows = np.flatnonzero(keep & (code >= 0) & (agr >= 0) & (year >= 0))
    y0 = int(year[rows].min()) if len(rows) else 0
    ny = int(year[rows].max()) - y0 + 1 if len(rows) else 1
    n_agr = max(len(agregats), 1)
    # clé d'un budget : collectivité et budget (dans un export consolidé, toutes les lignes
    # portent le même budget « consolidé » : c'est la collectivité qui les distingue)
    n_bud = len(budget_names) + 1  # budget sans identifiant (−1) : une case à part
    key = ((code[rows].astype(np.int64) * n_bud + bud[rows] + 1) * n_agr + agr[rows]) * ny \
        + (year[rows] - y0)
    bad = np.zeros(len(rows), bool)
    if _has_repeats(key):  # doublons : tri pour les regrouper
        order = np.argsort(key, kind="stable")
        rows, key = rows[order], key[order]
        repeat = np.r_[False, key[1:] == key[:-1]]
        group = np.cumsum(~repeat) - 1
        frame = pd.DataFrame({"g": group, "m": montant[rows], "h": hab[rows]})
        spread = frame.groupby("g")[["m", "h"]].nunique(dropna=False).max(axis=1) > 1
        conflict = spread.to_numpy()[group]
        same = int((repeat & ~conflict).sum())
        if same:
            parsed.lecture.append(f"Doublons exacts : {_fr(same)} ligne(s) répétée(s) à "
                                  "l'identique, comptée(s) une seule fois.")
        if conflict.any():
            parsed.lecture.append(f"Doublons contradictoires : {_fr(spread.sum())} agrégat(s) "
                                  "d'un même budget avec deux montants différents : valeurs "
                                  "écartées.")
        bad = conflict
        rows, bad = rows[~repeat | conflict], bad[~repeat | conflict]
    # budgets retenus additionnés par collectivité, agrégat et exercice
    key = (code[rows].astype(np.int64) * n_agr + agr[rows]) * ny + (year[rows] - y0)
    m, h = montant[rows], hab[rows]
    if bad.any():
        m, h = np.where(bad, np.nan, m), np.where(bad, np.nan, h)
    if not _has_repeats(key):  # un seul budget par collectivité : rien à additionner
        return _finish_ofgl(parsed, agregats, suffix, scope, codes, code[rows], agr[rows],
                            year[rows], m, h)
    uniq = np.sort(key)
    uniq = uniq[np.r_[True, uniq[1:] != uniq[:-1]]]
    inverse = np.searchsorted(uniq, key)
    sum_m = np.bincount(inverse, weights=np.nan_to_num(m), minlength=len(uniq))
    sum_h = np.bincount(inverse, weights=np.nan_to_num(h), minlength=len(uniq))
    sum_m[np.bincount(inverse, weights=np.isnan(m), minlength=len(uniq)) > 0] = np.nan
    sum_h[np.bincount(inverse, weights=np.isnan(h), minlength=len(uniq)) > 0] = np.nan
    g_year = uniq % ny + y0
    g_agr = (uniq // ny) % n_agr
    g_code = uniq // ny // n_agr
    return _finish_ofgl(parsed, agregats, suffix, scope, codes, g_code, g_agr, g_year, sum_m,
                        sum_h)


def _finish_ofgl(parsed, agregats, suffix, scope, codes, g_code, g_agr, g_year, sum_m,
                 sum_h) -> Parsed:
    """Deux indicateurs par agrégat (montant, par habitant) : table longue provisoire."""
    n_agr = max(len(agregats), 1)
    # identifiants : deux par agrégat (montant, par habitant)
    idents: dict[str, int] = {}
    meta_rows, to_ident = [], np.zeros((n_agr, 2), np.int32)
    for a, name in enumerate(agregats):
        known = OFGL.get(normalize_label(name))
        ident, lab, sens = known if known else (normalize_label(name), str(name).strip(), "")
        extra = f" ({scope})" if suffix else ""
        for j, (ident_j, lab_j, unit) in enumerate(((ident + suffix, lab + extra, "€"), (
                ident + suffix + "_hab", f"{lab} par habitant{extra}", "€/hab"))):
            if ident_j not in idents:
                idents[ident_j] = len(meta_rows)
                meta_rows.append((ident_j, lab_j, unit, sens, bool(known)))
            to_ident[a, j] = idents[ident_j]
    parsed.meta = pd.DataFrame(meta_rows, columns=META_COLUMNS)
    # lignes rangées par agrégat, code, exercice, puis blocs dans l'ordre des identifiants :
    # chaque colonne est recopiée une seule fois, directement à sa place
    order = _block_order(g_agr, g_code, g_year, len(codes), n_agr)
    per_agr = np.bincount(g_agr, minlength=n_agr)
    bounds = np.concatenate(([0], np.cumsum(per_agr)))
    parts = [(idents[ident], a, j) for ident in sorted(idents) for a in range(n_agr)
             for j in (0, 1) if to_ident[a, j] == idents[ident]]
    total = int(sum(per_agr[a] for _, a, _ in parts))
    long = {"code_idx": np.empty(total, np.int32), "ind_idx": np.empty(total, np.int32),
            "annee": np.empty(total, np.int64), "valeur": np.empty(total, np.float64)}
    sources = {"code_idx": g_code, "annee": g_year}
    start = 0
    for target, a, j in parts:
        rows = order[bounds[a]:bounds[a + 1]]
        end = start + len(rows)
        for name, source in (*sources.items(), ("valeur", sum_m if j == 0 else sum_h)):
            long[name][start:end] = source[rows]
        long["ind_idx"][start:end] = target
        start = end
    parsed.long = {**long, "codes": codes}
    used = int(np.count_nonzero(per_agr))
    parsed.lecture.append(f"{used} agrégat(s), deux indicateurs chacun : montant (€) et "
                          "montant par habitant (€/hab).")
    return parsed


def _selection(mode, chosen, per_budget, typ, kinds, bud, budget_names, labels, parsed,
               path) -> tuple[np.ndarray, str, str]:
    """Lignes retenues selon les budgets demandés, suffixe et libellé du périmètre."""
    suffix, scope = _SUFFIX[mode]
    if not per_budget:
        scope = "consolidé, flux entre budgets retirés" if mode == "consolide" else scope
        parsed.lecture.append(f"Périmètre retenu : {scope} (export consolidé de l'OFGL).")
        return np.ones(len(typ), bool), suffix, scope
    lower = [str(k).lower() for k in kinds]
    principal = np.isin(typ, [i for i, k in enumerate(lower) if "principal" in k])
    annexe = np.isin(typ, [i for i, k in enumerate(lower) if "annexe" in k])
    others = [k for k in kinds if "principal" not in k.lower() and "annexe" not in k.lower()]
    if others:
        parsed.lecture.append(f"Type(s) de budget non reconnu(s), laissé(s) de côté : "
                              f"{', '.join(others)}.")
    if mode == "principal":
        parsed.lecture.append("Périmètre retenu : budget principal seul (par défaut) ; les "
                              "budgets annexes sont laissés de côté (`budgets=\"annexes\"` ou "
                              "`\"consolide\"` pour les prendre).")
        return principal, suffix, scope
    if mode == "annexes":
        parsed.lecture.append("Périmètre retenu : budgets annexes, additionnés par "
                              "collectivité (budget principal exclu).")
        return annexe, suffix, scope
    if mode == "consolide":
        parsed.lecture.append("Périmètre retenu : budget principal + budgets annexes, "
                              "additionnés une fois chacun. Attention : l'export par budget "
                              "ne donne pas les flux entre budgets (subventions du principal "
                              "aux annexes…), qui restent comptés dans les deux.")
        return principal | annexe, suffix, scope
    keep = np.zeros(len(typ), bool)
    names = {str(n).strip().upper(): i for i, n in enumerate(budget_names)}
    label_idx, label_names = labels
    by_label = {str(n).strip().upper(): i for i, n in enumerate(label_names)}
    missing = []
    for item in chosen:
        kind = _KINDS.get(normalize_label(item))
        if kind == "principal":
            keep |= principal
        elif kind == "annexes":
            keep |= annexe
        elif item.strip().upper() in names:
            keep |= bud == names[item.strip().upper()]
        elif item.strip().upper() in by_label:
            keep |= label_idx == by_label[item.strip().upper()]
        else:
            missing.append(item)
    if missing:
        raise DataError(f"Budget(s) introuvable(s) dans « {path.name} » : "
                        f"{', '.join(missing)}. Donnez un SIRET (colonne « Siret Budget ») ou "
                        "un libellé (colonne « Libellé Budget »).", path)
    parsed.lecture.append("Périmètre retenu : budgets choisis (" + ", ".join(chosen) + "), "
                          "chaque budget compté une seule fois même s'il est désigné deux "
                          "fois.")
    return keep, suffix, scope


def _territories(code, codes, year, population, strate) -> pd.DataFrame:
    """Par code : population du dernier exercice, strate du fichier (min et max).

    En un passage (``ufunc.at``), sans tri des millions de lignes."""
    n = len(codes)
    ok = code >= 0
    c, y = code[ok], year[ok]
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, c, y)
    latest = y == last[c]
    pop = np.full(n, np.nan)
    pop[c[latest]] = population[ok][latest]
    s = strate[ok]
    smin, smax = np.full(n, np.inf), np.full(n, -np.inf)
    np.fmin.at(smin, c, s)
    np.fmax.at(smax, c, s)
    present = np.bincount(c, minlength=n) > 0
    return pd.DataFrame({
        "code_saisi": np.asarray(codes, dtype=object)[present], "nom": pd.NA,
        "population": pop[present],
        "strate_min": np.where(np.isfinite(smin), smin, np.nan)[present],
        "strate_max": np.where(np.isfinite(smax), smax, np.nan)[present]})
