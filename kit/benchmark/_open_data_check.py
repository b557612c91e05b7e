"""Contrôle commun des tables lues par `read_open_data` : codes, doublons, sortie.

Les codes sont contrôlés comme par `check_indicators` (zéro initial, Corse, commune fusionnée
rattachée à la commune actuelle quand elle est seule à porter la valeur, codes inconnus
écartés) ; une même valeur (code, indicateur, année) répétée à l'identique est gardée une fois,
des valeurs différentes sont écartées. Tout est vectorisé (numpy, Arrow) : un export national
de plusieurs millions de lignes passe en quelques secondes. La table sort triée par
indicateur, code et année, comme celle de `load_indicators`.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from kit.benchmark._data import ANOMALY_COLUMNS, _direction, _rename
from kit.benchmark._open_data_formats import Parsed, dgfip_strata_check
from kit.benchmark._strata import assign_strata
from kit.errors import DataError, KitError
from kit.io import load_table
from kit.territories import CHECK_COLUMNS, check_codes, load_territories

logger = logging.getLogger(__name__)

__all__ = ["finish", "give_back_memory"]


def _fr(n: float) -> str:
    return f"{int(n):,}".replace(",", " ")

def give_back_memory() -> None:
    """Rend au système la mémoire libérée (Arrow et malloc) : sans cela, la pointe d'un gros
    export additionne les tampons de lecture et la table produite."""
    import ctypes
    import sys

    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # autre libc (musl) : rien à faire
            pass


def _apply_definitions(meta: pd.DataFrame, options: dict, path: Path) -> pd.DataFrame:
    meta = meta.copy()
    defs = options.get("definitions")
    if defs is not None:
        if not isinstance(defs, pd.DataFrame):

            defs = load_table(defs)
        defs = _rename(defs)
        if "indicateur" not in defs.columns:
            raise DataError("La table des définitions doit avoir une colonne « indicateur » "
                            "(plus libelle, unite, sens).")
        for row in defs.to_dict("records"):
            sel = meta["indicateur"] == str(row["indicateur"])
            for key in ("libelle", "unite"):
                if key in row and pd.notna(row[key]) and str(row[key]).strip():
                    meta.loc[sel, key] = str(row[key])
            if "sens" in row and pd.notna(row["sens"]):
                meta.loc[sel, ["sens", "connu"]] = [_checked(row["sens"], row["indicateur"]),
                                                    True]
    for ident, value in (options.get("sens") or {}).items():
        sel = meta["indicateur"] == str(ident)
        if not sel.any():
            raise KitError(f"`sens` : indicateur « {ident} » absent de « {path.name} » ; "
                           f"indicateurs lus : {', '.join(meta['indicateur'][:30])}…")
        meta.loc[sel, ["sens", "connu"]] = [_checked(value, ident), True]
    return meta


def _checked(value: object, ident: object) -> str:
    direction = _direction(value) if isinstance(value, str) else None
    if direction is None:
        raise KitError(f"Sens « {value} » non reconnu pour « {ident} » : écrivez « hausse » "
                       "(plus haut = mieux), « baisse » (plus bas = mieux) ou « » (neutre).")
    return direction


def finish(parsed: Parsed, *, path: Path, source: str, label: str,
           options: dict) -> pd.DataFrame:
    """Contrôle commun : codes, valeurs manquantes, anciens codes, doublons, libellés."""
    level = parsed.level
    long = parsed.long
    raw_codes = [None if c is None or pd.isna(c) else str(c)
                 for c in long["codes"]]
    report = _check_codes([c for c in dict.fromkeys(raw_codes) if c is not None], level,
                          list(options.get("connus") or []))
    by_raw = report.set_index("code_saisi")
    current = sorted(set(by_raw["code_actuel"].dropna()))
    position = {c: i for i, c in enumerate(current)}
    actual = dict(zip(report["code_saisi"].tolist(), report["code_actuel"].tolist()))
    status = dict(zip(report["code_saisi"].tolist(), report["statut"].tolist()))
    raw_to_cur = np.array([position.get(actual.get(c), -1) if c else -1
                           for c in raw_codes] + [-1], np.int64)
    raw_old = np.array([status.get(c) == "ancien code" if c else False
                        for c in raw_codes] + [False])
    code = raw_to_cur.astype(np.int32)[long["code_idx"]]  # −1 (code vide) → dernier : −1
    old = raw_old[long["code_idx"]]
    ind, year, value = long["ind_idx"], long["annee"], long["valeur"]
    parsed.long = {}  # libère la table provisoire au fil du calcul
    del long
    has_code = code >= 0
    valid = has_code & (ind >= 0) & (year >= 0) & ~np.isnan(value)
    nocode, novalue = int((~has_code).sum()), int((has_code & ~valid).sum())
    meta = _apply_definitions(parsed.meta, options, path)
    rank = np.argsort(np.argsort(meta["indicateur"].to_numpy(str), kind="stable"))
    if not valid.all():
        code, ind, year, value, old = (a[valid] for a in (code, ind, year, value, old))
    y0 = int(year.min()) if len(year) else 0
    ny = int(year.max()) - y0 + 1 if len(year) else 1
    key = (rank[ind].astype(np.int64) * max(len(current), 1) + code) * ny + (year - y0)
    if len(key) > 1 and not bool((key[1:] >= key[:-1]).all()):
        order = np.argsort(key)  # ordre de sortie : indicateur, code, année
        key, code, ind, year, value, old = (a[order] for a in (key, code, ind, year, value,
                                                               old))
        del order
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.array([], bool)
    counts = {"same": 0, "differ": 0, "old_dropped": 0}
    conflicts = pd.DataFrame(columns=["code", "indicateur", "annee"])
    if not first.all() or old.any():
        keep, value, counts, conflicts = _resolve_groups(first, old, value)
        conflicts = pd.DataFrame({"code": np.asarray(current, object)[code[conflicts]],
                                  "indicateur": meta["indicateur"].to_numpy()[ind[conflicts]],
                                  "annee": year[conflicts]})
        code, ind, year, value = code[keep], ind[keep], year[keep], value[keep]
    # `label` : la source en un mot (la colonne a autant de lignes que la table) ; le fichier
    # est dans attrs["fichier"]
    del key, first, old
    out = _frame(code, ind, year, value, current, meta, label)
    lecture = list(parsed.lecture) + _code_lines(report)
    if nocode or novalue:
        lecture.append(f"Valeurs écartées : {_fr(nocode)} sans code utilisable, "
                       f"{_fr(novalue)} vide(s) ou sans année.")
    if counts["same"]:
        lecture.append(f"{_fr(counts['same'])} valeur(s) en double à l'identique : "
                       "gardée(s) une fois.")
    if counts["differ"]:
        lecture.append(f"{_fr(counts['differ'])} valeur(s) en double avec des montants "
                       "différents : écartées (voir `anomalies`).")
    if counts["old_dropped"]:
        lecture.append(f"{_fr(counts['old_dropped'])} valeur(s) d'anciennes communes "
                       "écartées : la commune actuelle a aussi une valeur, ou plusieurs "
                       "anciennes communes en ont une.")
    territories = _territories(parsed, report, level, lecture)
    years = np.flatnonzero(np.bincount(year - y0, minlength=ny)) + y0 if len(year) else []
    n_codes = int(np.count_nonzero(np.bincount(code, minlength=1)))
    n_ind = int(np.count_nonzero(np.bincount(ind, minlength=1)))
    lecture.append(f"Lignes gardées : {_fr(len(out))} (table longue : {_fr(n_codes)} "
                   f"territoire(s), {n_ind} indicateur(s), année(s) "
                   f"{', '.join(map(str, years)) or '—'}).")
    unknown = meta.loc[~meta["connu"].astype(bool), "indicateur"].tolist()
    if unknown:
        shown = list(dict.fromkeys(u.removesuffix("_hab") for u in unknown))
        lecture.append(f"Sens inconnu pour {len(unknown)} indicateur(s) : "
                       f"{', '.join(shown[:12])}{' …' if len(shown) > 12 else ''}"
                       + (" (et leur version _hab)" if len(shown) < len(unknown) else "")
                       + ". Le kit ne le devine pas : donnez-le (« hausse » si plus haut = "
                       "mieux, « baisse » si plus bas = mieux), par exemple `sens={\""
                       f"{unknown[0]}\": \"baisse\"}}` ou `sens:` dans la configuration.")
    if out.empty:
        raise DataError(f"« {path.name} » : aucune valeur exploitable après contrôle. "
                        + " ".join(lecture[-4:]), path)
    out.attrs = {"lecture": lecture, "anomalies": _anomalies(report, conflicts),
                 "codes": report, "territoires": territories,
                 "source_texte": f"{label}, « {path.name} »",
                 "niveau": level, "fichier": str(path), "format": source, **parsed.extra}
    if "moyennes_strate" in out.attrs:
        means = out.attrs["moyennes_strate"]
        means.insert(0, "code", means["code_saisi"].map(by_raw["code_actuel"]))
        out.attrs["moyennes_strate"] = means.drop(columns="code_saisi").dropna(
            subset=["code"]).reset_index(drop=True)
    for line in lecture:
        logger.info("%s : %s", path.name, line)
    return out


def _resolve_groups(first: np.ndarray, old: np.ndarray, value: np.ndarray):
    """Groupes (code, indicateur, année) de plusieurs valeurs, comme `check_indicators` :
    doublons identiques gardés une fois, différents écartés ; valeur d'une ancienne commune
    rattachée seulement si elle est seule."""
    group = np.cumsum(first) - 1
    frame = pd.DataFrame({"g": group, "cur": ~old, "old": old,
                          "vc": np.where(old, np.nan, value), "vo": np.where(old, value, np.nan)})
    agg = frame.groupby("g").agg(n_cur=("cur", "sum"), n_old=("old", "sum"),
                                 cmin=("vc", "min"), cmax=("vc", "max"), omin=("vo", "min"))
    n_cur, n_old = agg["n_cur"].to_numpy(), agg["n_old"].to_numpy()
    same_cur = agg["cmin"].to_numpy() == agg["cmax"].to_numpy()
    kept_value = np.where(n_cur > 0, agg["cmin"].to_numpy(), agg["omin"].to_numpy())
    ok = ((n_cur > 0) & same_cur) | ((n_cur == 0) & (n_old == 1))
    counts = {"same": int(((n_cur > 1) & same_cur).sum()),
              "differ": int(((n_cur > 1) & ~same_cur).sum()),
              "old_dropped": int(((n_old > 0) & ((n_cur > 0) | (n_old > 1))).sum())}
    keep = first & ok[group]
    differ = first & ((n_cur > 1) & ~same_cur)[group]
    return keep, kept_value[group], counts, np.flatnonzero(differ)


def _frame(code, ind, year, value, current, meta, label) -> pd.DataFrame:
    """Table de sortie : textes construits par Arrow à partir des dictionnaires."""
    import pyarrow as pa

    def text(indices: pa.Array, values: list) -> pa.Array:
        # grandes chaînes (décalages sur 64 bits) : le type des colonnes `str` de pandas, que
        # `to_pandas` reprend alors sans copie
        return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.large_string())
                                              ).cast(pa.large_string())

    give_back_memory()
    ind_idx = pa.array(ind.astype(np.int32, copy=False))
    texts = {
        "code": (pa.array(code.astype(np.int32, copy=False)), list(current)),
        "indicateur": (ind_idx, meta["indicateur"].astype(str).tolist()),
        "libelle": (ind_idx, meta["libelle"].astype(str).tolist()),
        "unite": (ind_idx, meta["unite"].fillna("").astype(str).tolist()),
        "sens": (ind_idx, meta["sens"].fillna("").astype(str).tolist()),
        "source": (pa.array(np.zeros(len(code), np.int8)), [label]),
    }
    # les colonnes de texte sont écrites en parallèle (Arrow rend la main pendant la copie)
    with ThreadPoolExecutor(max_workers=min(len(texts), os.cpu_count() or 1)) as pool:
        built = dict(zip(texts, pool.map(lambda item: text(*item), texts.values())))
    table = pa.table({
        "code": built["code"], "indicateur": built["indicateur"],
        "annee": pa.array(year.astype(np.int64, copy=False)),
        "valeur": pa.array(value.astype(np.float64, copy=False)),
        **{k: built[k] for k in ("libelle", "unite", "sens", "source")},
    })
    return table.to_pandas(split_blocks=True, self_destruct=True)


def _check_codes(codes: list[str], level: str, known: list[str]) -> pd.DataFrame:
    """`check_codes`, avec un raccourci pour les codes déjà en vigueur tels quels (des
    dizaines de milliers dans un export national)."""
    ref = load_territories(level).set_index("code")["nom"]
    current = set(ref.index)  # un ensemble : 35 000 tests d'appartenance sans pandas
    valid = [c for c in codes if c in current]
    others = [c for c in codes if c not in current]
    fast = pd.DataFrame({"code_saisi": valid, "code": valid, "statut": "valide",
                         "code_actuel": valid, "nom": ref.reindex(valid).to_numpy(),
                         "detail": ""}, columns=CHECK_COLUMNS)
    if not others:
        return fast
    return pd.concat([fast, check_codes(others, level=level, known=known)],
                     ignore_index=True)


def _code_lines(report: pd.DataFrame) -> list[str]:
    lines = [f"Codes : {_fr(len(report))} code(s) distinct(s) lu(s)."]
    for status, text, action in (("corrigé", "corrigé(s)", "format rétabli"),
                                 ("ancien code", "ancien(s) code(s)",
                                  "rattaché(s) à la commune actuelle"),
                                 ("inconnu", "inconnu(s)", "écarté(s)")):
        sel = report[report["statut"] == status]
        if len(sel):
            examples = ", ".join(sel["code_saisi"].head(10)) if status == "inconnu" else \
                "; ".join(sel["detail"].head(5))
            lines.append(f"{len(sel)} code(s) {text}, {action} : {examples}"
                         + (" …" if len(sel) > 5 else "") + ".")
    return lines


def _anomalies(report: pd.DataFrame, conflicts: pd.DataFrame) -> pd.DataFrame:
    action = {"corrigé": "code remplacé", "inconnu": "lignes écartées",
              "ancien code": "valeur rattachée à la commune actuelle si elle est seule"}
    rows = [{"ligne": pd.NA, "code_saisi": r.code_saisi, "indicateur": pd.NA, "annee": pd.NA,
             "probleme": f"code {r.statut} : {r.detail}", "action": action[r.statut]}
            for r in report[report["statut"].isin(list(action))].itertuples(index=False)]
    for r in conflicts.itertuples(index=False):
        rows.append({"ligne": pd.NA, "code_saisi": r.code, "indicateur": r.indicateur,
                     "annee": int(r.annee), "probleme": "doublon aux valeurs différentes",
                     "action": "toutes les lignes écartées"})
    return pd.DataFrame(rows, columns=ANOMALY_COLUMNS)


def _territories(parsed: Parsed, report: pd.DataFrame, level: str,
                 lecture: list[str]) -> pd.DataFrame:
    terr = parsed.territories
    if terr is None or terr.empty:
        return pd.DataFrame(columns=["code", "nom", "population", "strate_fichier"])
    terr = terr.copy()
    terr.insert(0, "code", terr["code_saisi"].map(report.set_index("code_saisi")["code_actuel"]))
    terr = terr.drop(columns="code_saisi").dropna(subset=["code"])
    if "strate_min" in terr.columns:  # OFGL
        mixed = terr[terr["strate_min"] != terr["strate_max"]]
        if len(mixed):
            lecture.append(f"Strate du fichier variable pour {len(mixed)} territoire(s) : "
                           + ", ".join(mixed["code"].head(10)) + ".")
        terr["strate_fichier"] = pd.to_numeric(terr.pop("strate_min"), errors="coerce"
                                               ).astype("Int64")
        terr = terr.drop(columns="strate_max")
        column = parsed.extra.get("strate_colonne") or "strate"
        if level == "commune" and terr["strate_fichier"].notna().any():
            terr["strate_kit"] = assign_strata(terr["population"], "ofgl").to_numpy()
            terr["accord"] = (terr["strate_fichier"] == terr["strate_kit"]).fillna(False)
            wrong = terr[~terr["accord"].astype(bool)]
            if wrong.empty:
                lecture.append(f"Strates : la colonne « {column} » s'accorde avec les strates "
                               f"OFGL du kit pour les {len(terr)} communes.")
            else:
                lecture.append(
                    f"Strates : désaccord entre « {column} » et les strates OFGL du kit pour "
                    f"{len(wrong)} commune(s) sur {len(terr)} : " + "; ".join(
                        f"{r.code} (fichier {r.strate_fichier}, kit {r.strate_kit}, "
                        f"{_fr(r.population) if pd.notna(r.population) else '?'} hab.)"
                        for r in wrong.head(20).itertuples()) + (" …" if len(wrong) > 20
                                                                else "") + ".")
        elif terr["strate_fichier"].notna().any():
            lecture.append(f"Strates : colonne « {column} » gardée dans "
                           "`attrs[\"territoires\"]` ; le kit n'a pas de strates OFGL de "
                           f"niveau {level}, pas de comparaison.")
    elif terr["strate_fichier"].notna().any():  # DGFiP : libellé de strate
        wrong = dgfip_strata_check(terr)
        lecture.append("Strates DGFiP (« nomsst1 ») : " + (
            f"population hors des bornes du libellé pour {len(wrong)} commune(s) : "
            + "; ".join(wrong[:20]) + "." if wrong else
            f"la population de chacune des {len(terr)} communes est dans les bornes de sa "
            "strate."))
    return terr.reset_index(drop=True)
