"""Lire les fichiers publiés tels quels (OFGL, DGFiP, DGCL, autres) pour la comparaison.

`read_open_data` reconnaît la source d'après les colonnes du fichier et le met au format long
du kit (celui de `load_indicators`, plus une colonne ``source``) :

- **OFGL** (data.ofgl.fr, jeux ``ofgl-base-communes``, ``-gfp``, ``-departements``,
  ``-regions``) : chaque agrégat donne deux indicateurs, le montant (€) et le montant par
  habitant (€/hab, suffixe ``_hab``). Budget principal par défaut ; ``budgets="annexes"``,
  ``"consolide"`` ou une liste (``["principal", "CENTRE MUNICIPAL DE SANTE"]``, SIRET ou
  libellé de budget) ; chaque budget n'est compté qu'une fois, les lignes répétées à
  l'identique une fois, et un export consolidé (départements, régions : colonnes Montant BP,
  BA, flux) n'additionne jamais principal et annexes (la colonne « Montant » les consolide).
  La strate du fichier est comparée aux strates OFGL du kit (`assign_strata`).
- **DGFiP** (« comptes individuels des communes ») : montants (milliers d'euros, convertis en
  euros), montants par habitant et taux votés. Les **moyennes de strate** du fichier (``m…``)
  sont rangées à part, dans ``attrs["moyennes_strate"]`` (une ligne par commune, indicateur
  et année) : ce sont des valeurs de groupe, qu'on lit à côté de la position de la commune,
  mais qu'on ne classe pas parmi les communes. Le code INSEE est formé du département et du
  numéro de commune (`commune_code`).
- **DGCL** (dotations par commune : DGF et ses parts) : montants et montants par habitant.
- **autre** : toute table longue (``colonnes={"code": …, "annee": …, "indicateur": …,
  "valeur": …}``) ou large (``indicateurs=[col1, col2]``, une colonne par indicateur).

Les codes sont contrôlés comme par `load_indicators` (zéro initial, 2A/2B, commune fusionnée
rattachée à la commune actuelle quand elle est seule à porter la valeur, codes inconnus
écartés). ``attrs["lecture"]`` raconte la lecture en français, ligne à ligne.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit._benchmark_data import ANOMALY_COLUMNS, _direction, _rename
from kit._benchmark_opendata_formats import (
    META_COLUMNS,
    Parsed,
    commune_code,
    dgcl_code_column,
    dgfip_strata_check,
    long_arrays,
    read_dgcl,
    read_dgfip,
    read_text_csv,
    sniff,
    to_number,
)
from kit._benchmark_opendata_ofgl import ofgl_columns, read_ofgl
from kit._benchmark_strata import assign_strata
from kit._parse import normalize_label
from kit.errors import ConfigError, DataError, KitError
from kit.territories import CHECK_COLUMNS, check_codes, load_territories

logger = logging.getLogger(__name__)

__all__ = ["OPEN_DATA_COLUMNS", "SOURCES", "commune_code", "detect_source", "load_sources",
           "read_open_data"]

#: Sources reconnues et leur nom dans la colonne ``source``.
SOURCES = {"ofgl": "OFGL", "dgfip": "DGFiP", "dgcl": "DGCL", "autre": "autre source"}
#: Colonnes de la table renvoyée (celles de `load_indicators`, plus ``source``).
OPEN_DATA_COLUMNS = ["code", "indicateur", "annee", "valeur", "libelle", "unite", "sens",
                     "source"]
_OPTIONS = ("niveau", "budgets", "annee", "colonnes", "indicateurs", "definitions", "sens",
            "feuille", "connus")
_FORMAT_HINT = {
    "ofgl": "Exercice, Agrégat, Montant (ou Montant BP)",
    "dgfip": "an, dep, icom et des paires prod / fprod",
    "dgcl": "un code INSEE (« code collectivite », « Code INSEE ») et des dotations (dsu, "
            "dsr, dnp, dgf…)",
}


def _fr(n: float) -> str:
    return f"{int(n):,}".replace(",", " ")


def detect_source(columns: list[str]) -> str | None:
    """Source reconnue d'après les colonnes : ``"ofgl"``, ``"dgfip"``, ``"dgcl"`` ou None.

    Examples
    --------
    >>> detect_source(["Exercice", "Agrégat", "Montant", "Code Insee 2024 Commune"])
    'ofgl'
    >>> detect_source(["an", "dep", "icom", "prod", "fprod"])
    'dgfip'
    >>> detect_source(["code collectivite", "dsu", "dsr"]) , detect_source(["a", "b"])
    ('dgcl', None)
    """
    cols = ofgl_columns(columns)
    if cols["agregat"] and cols["exercice"] and (cols["montant"] or cols["bp"]) and any(
            cols[k] for k in ("commune", "departement", "region", "epci")):
        return "ofgl"
    lower = {c.strip().lower() for c in columns}
    if {"an", "dep", "icom"} <= lower and any("f" + c in lower for c in lower):
        return "dgfip"
    from kit._benchmark_definitions import DGCL

    if dgcl_code_column(columns) and any(normalize_label(c) in DGCL for c in columns):
        return "dgcl"
    return None


def read_open_data(path: str | Path, source: str | None = None, **options: Any) -> pd.DataFrame:
    """Lit un fichier publié (OFGL, DGFiP, DGCL ou autre) en table longue d'indicateurs.

    Parameters
    ----------
    path
        Fichier tel que téléchargé (CSV ; xlsx ou ods pour ``source="autre"``).
    source
        ``"ofgl"``, ``"dgfip"``, ``"dgcl"``, ``"autre"`` ; par défaut reconnue d'après les
        colonnes. Une source demandée qui ne correspond pas au fichier est une erreur.
    **options
        ``niveau`` (``"commune"``, ``"epci"``, ``"departement"``, ``"region"`` ; OFGL :
        déduit du fichier), ``budgets`` (OFGL : ``"principal"`` par défaut, ``"annexes"``,
        ``"consolide"`` ou liste), ``annee`` (année si le fichier n'en a pas), ``colonnes``
        (autre : ``{"code": …, "annee": …, "indicateur": …, "valeur": …}`` et facultatives
        ``libelle``, ``unite``, ``sens``), ``indicateurs`` (autre, table large : liste de
        colonnes, ou dictionnaire colonne → identifiant), ``definitions`` (fichier ou
        DataFrame : indicateur, libelle, unite, sens), ``sens`` (dictionnaire indicateur →
        « hausse » / « baisse »), ``feuille`` (classeur), ``connus`` (codes acceptés bien
        qu'absents du référentiel).

    Returns
    -------
    pandas.DataFrame
        Colonnes ``code``, ``indicateur``, ``annee``, ``valeur``, ``libelle``, ``unite``,
        ``sens``, ``source``, triées comme `load_indicators`. ``attrs`` : ``lecture`` (liste
        de phrases), ``anomalies``, ``codes`` (contrôle des codes), ``territoires`` (code,
        nom, population, strate du fichier et du kit), ``source_texte``, ``niveau``,
        ``fichier``, ``format`` ; DGFiP : ``moyennes_strate``.

    Raises
    ------
    DataError
        Fichier mal formé ou tronqué, d'une autre source que celle demandée, colonne
        introuvable, aucune ligne exploitable.
    KitError
        Option inconnue ou mal écrite.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_text("insee;an;dette\\n1053;2024;850\\n", encoding="utf-8")
    >>> v = read_open_data(f, colonnes={"code": "insee", "annee": "an"},
    ...                    indicateurs=["dette"])
    >>> v[["code", "indicateur", "annee", "valeur"]].values.tolist()
    [['01053', 'dette', 2024, 850.0]]
    >>> print(v.attrs["lecture"][-1])  # doctest: +ELLIPSIS
    Sens inconnu pour 1 indicateur(s) : dette. ...
    """
    wrong = [k for k in options if k not in _OPTIONS]
    if wrong:
        raise KitError(f"Option(s) inconnue(s) pour read_open_data : {', '.join(wrong)}. "
                       f"Options possibles : {', '.join(_OPTIONS)}.")
    path = Path(path)
    if not path.is_file():
        raise KitError(f"Fichier introuvable : {path}.", path)
    if source is not None and source not in SOURCES:
        raise KitError(f"Source inconnue : {source!r}. Choisissez parmi "
                       f"{', '.join(repr(s) for s in SOURCES)} (ou rien : source reconnue "
                       "d'après les colonnes).")
    parsed, found = _parse(path, source, options)
    _give_back_memory()
    out = _finish(parsed, path=path, source=found, options=options)
    _give_back_memory()
    return out


def _give_back_memory() -> None:
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


def _parse(path: Path, source: str | None, options: dict) -> tuple[Parsed, str]:
    is_csv = path.suffix.lower() in (".csv", ".txt", ".tsv", "")
    sniffed = sniff(path) if is_csv else None
    detected = detect_source(sniffed.columns) if sniffed else None
    if source is None and detected is None and not (options.get("colonnes")
                                                      or options.get("indicateurs")):
        columns = ", ".join(sniffed.columns) if sniffed else "classeur"
        raise DataError(f"« {path.name} » n'a pas les colonnes d'un export OFGL, DGFiP ou DGCL "
                        f"(colonnes lues : {columns}). Pour un autre fichier, donnez la "
                        "correspondance des colonnes : `colonnes={\"code\": …, \"annee\": …, "
                        "\"indicateur\": …, \"valeur\": …}` ou `indicateurs=[…]`.", path)
    mapped = bool(options.get("colonnes") or options.get("indicateurs"))
    found = source or ("autre" if mapped else detected)
    if found != "autre" and detected != found:
        other = f"il ressemble plutôt à un fichier {SOURCES[detected]}" if detected else \
            "colonnes attendues : " + _FORMAT_HINT[found]
        raise DataError(f"« {path.name} » n'est pas un fichier {SOURCES[found]} : {other}. "
                        f"Colonnes lues : {', '.join(sniffed.columns) if sniffed else '—'}. "
                        "Vérifiez la source demandée (`source=`).", path)
    level = options.get("niveau")
    if found == "ofgl":
        import duckdb

        con = duckdb.connect()
        try:
            con.execute("SET memory_limit = '512MB'")
            parsed = read_ofgl(con, sniffed, ofgl_columns(sniffed.columns), level=level,
                               budgets=options.get("budgets"))
        finally:
            con.close()
    elif found == "dgfip":
        parsed = read_dgfip(sniffed)
    elif found == "dgcl":
        parsed = read_dgcl(sniffed, annee=_year_option(options))
    else:
        parsed = _read_other(path, sniffed, options)
    if level and found != "ofgl":
        parsed.level = level
    if sniffed:
        parsed.lecture.insert(0, f"Source reconnue : {SOURCES[found]} ("
                              + ("demandée" if source else "d'après les colonnes")
                              + f") ; niveau {parsed.level} ; séparateur « "
                              f"{sniffed.delimiter} », encodage {sniffed.encoding}"
                              + (" (avec BOM)" if sniffed.bom else "") + ".")
    else:
        parsed.lecture.insert(0, f"Source : {SOURCES[found]} (classeur) ; niveau "
                              f"{parsed.level}.")
    parsed.lecture.insert(1, f"{_fr(parsed.rows_read)} ligne(s) de données lue(s).")
    return parsed, found


def _year_option(options: dict) -> int | None:
    value = options.get("annee")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise KitError(f"`annee` doit être une année (par exemple 2024), reçu {value!r}.") \
            from None


def _resolve(columns: list[str], name: object, key: str, path: Path) -> str:
    """Colonne du fichier désignée par l'utilisateur (casse et accents ignorés)."""
    if name in columns:
        return str(name)
    wanted = normalize_label(str(name))
    match = [c for c in columns if normalize_label(c) == wanted]
    if match:
        return match[0]
    raise DataError(f"« {path.name} » : la colonne « {name} » (donnée pour « {key} ») est "
                    f"introuvable. Colonnes du fichier : {', '.join(map(str, columns))}.",
                    path)


def _read_other(path: Path, sniffed, options: dict) -> Parsed:
    """Table longue ou large quelconque, d'après la correspondance des colonnes."""
    if sniffed is not None:
        raw = read_text_csv(sniffed)
    else:
        from kit.io import load_table

        raw = load_table(path, sheet=options.get("feuille"))
    columns = [str(c) for c in raw.columns]
    raw.columns = columns
    mapping = dict(options.get("colonnes") or {})
    allowed = {"code", "annee", "indicateur", "valeur", "libelle", "unite", "sens"}
    wrong = [k for k in mapping if k not in allowed]
    if wrong:
        raise KitError(f"`colonnes` : clé(s) inconnue(s) {', '.join(wrong)} ; clés possibles : "
                       f"{', '.join(sorted(allowed))}.")
    guessed = dict(zip(_rename(raw.iloc[:0]).columns, columns))
    wide = options.get("indicateurs")
    if not mapping and not wide and not {"code", "indicateur", "valeur"} <= set(guessed):
        raise DataError(f"« {path.name} » : donnez la correspondance des colonnes "
                        "(`colonnes={\"code\": …, \"annee\": …, \"indicateur\": …, \"valeur\": "
                        "…}`) ou la liste des colonnes d'indicateurs (`indicateurs=[…]`). "
                        f"Colonnes du fichier : {', '.join(columns)}.", path)
    col = {k: _resolve(columns, v, f"colonnes.{k}", path) for k, v in mapping.items()}
    for key in ("code", "annee") + (() if wide else ("indicateur", "valeur", "libelle",
                                                     "unite", "sens")):
        if key not in col and key in guessed:
            col[key] = guessed[key]
    if "code" not in col:
        raise DataError(f"« {path.name} » : colonne des codes inconnue ; ajoutez "
                        f"`colonnes={{\"code\": …}}`. Colonnes : {', '.join(columns)}.", path)
    year = _year_option(options)
    if "annee" in col:
        years, _ = to_number(raw[col["annee"]])
    elif year is not None:
        years = pd.Series(float(year), index=raw.index)
    else:
        raise DataError(f"« {path.name} » : colonne de l'année inconnue ; ajoutez "
                        "`colonnes={\"annee\": …}` ou `annee=2024`.", path)
    codes = raw[col["code"]].map(lambda v: None if pd.isna(v) else (
        str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()))
    parsed = Parsed(level=options.get("niveau") or "commune",
                    meta=pd.DataFrame(columns=META_COLUMNS), rows_read=len(raw))
    rows = []
    if wide:
        chosen = dict(wide) if isinstance(wide, dict) else {c: c for c in wide}
        frames = []
        for name, ident in chosen.items():
            real = _resolve(columns, name, "indicateurs", path)
            values, _ = to_number(raw[real])
            frames.append(pd.DataFrame({"code_saisi": codes, "annee": years,
                                        "indicateur": str(ident), "valeur": values}))
            rows.append((str(ident), real, "", "", False))
        long = pd.concat(frames, ignore_index=True)
        parsed.lecture.append(f"Table large : {len(chosen)} colonne(s) d'indicateurs mises en "
                              "table longue.")
    else:
        for key in ("indicateur", "valeur"):
            if key not in col:
                raise DataError(f"« {path.name} » : colonne « {key} » inconnue ; ajoutez-la à "
                                "`colonnes` (ou donnez `indicateurs=[…]` pour une table "
                                "large).", path)
        values, _ = to_number(raw[col["valeur"]])
        long = pd.DataFrame({"code_saisi": codes, "annee": years,
                             "indicateur": raw[col["indicateur"]].astype("str").str.strip(),
                             "valeur": values})
        first = raw.groupby(raw[col["indicateur"]].astype("str").str.strip(), sort=True).first()
        for ident, row in first.iterrows():
            sens = str(row[col["sens"]]) if "sens" in col and pd.notna(row[col["sens"]]) else ""
            direction = _direction(sens) if sens.strip() else ""
            if direction is None:
                raise DataError(f"« {path.name} » : sens « {sens} » non reconnu pour "
                                f"« {ident} » (écrivez « hausse », « baisse » ou rien).", path)
            rows.append((str(ident),
                         str(row[col["libelle"]]) if "libelle" in col else str(ident),
                         str(row[col["unite"]]) if "unite" in col and pd.notna(
                             row[col["unite"]]) else "", direction, "sens" in col))
        parsed.lecture.append("Table longue : colonnes " + ", ".join(
            f"{k} = « {v} »" for k, v in col.items()) + ".")
    long["annee"] = long["annee"].astype("Int64")
    parsed.meta = pd.DataFrame(rows, columns=META_COLUMNS).drop_duplicates(
        "indicateur").reset_index(drop=True)
    parsed.long = long_arrays(long, parsed.meta)
    return parsed


def _apply_definitions(meta: pd.DataFrame, options: dict, path: Path) -> pd.DataFrame:
    meta = meta.copy()
    defs = options.get("definitions")
    if defs is not None:
        if not isinstance(defs, pd.DataFrame):
            from kit.io import load_table

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


def _finish(parsed: Parsed, *, path: Path, source: str, options: dict) -> pd.DataFrame:
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
    # la source tient en un mot (la colonne a autant de lignes que la table) ; le fichier est
    # dans attrs["fichier"]
    del key, first, old
    label = SOURCES[source]
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
        return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string())
                                              ).cast(pa.string())

    _give_back_memory()
    ind_idx = pa.array(ind.astype(np.int32, copy=False))
    table = pa.table({
        "code": text(pa.array(code.astype(np.int32, copy=False)), list(current)),
        "indicateur": text(ind_idx, meta["indicateur"].astype(str).tolist()),
        "annee": pa.array(year.astype(np.int64, copy=False)),
        "valeur": pa.array(value.astype(np.float64, copy=False)),
        "libelle": text(ind_idx, meta["libelle"].astype(str).tolist()),
        "unite": text(ind_idx, meta["unite"].fillna("").astype(str).tolist()),
        "sens": text(ind_idx, meta["sens"].fillna("").astype(str).tolist()),
        "source": text(pa.array(np.zeros(len(code), np.int8)), [label]),
    })
    return table.to_pandas(split_blocks=True, self_destruct=True)


def _check_codes(codes: list[str], level: str, known: list[str]) -> pd.DataFrame:
    """`check_codes`, avec un raccourci pour les codes déjà en vigueur tels quels (des
    dizaines de milliers dans un export national)."""
    ref = load_territories(level).set_index("code")["nom"]
    valid = [c for c in codes if c in ref.index]
    others = [c for c in codes if c not in ref.index]
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


def load_sources(config: dict[str, Any], *, known: list[str] | tuple[str, ...] = ()
                 ) -> pd.DataFrame:
    """Lit et réunit les sources de la section ``benchmark.sources`` de la configuration.

    Chaque entrée : ``fichier`` (relatif au YAML), ``source`` (ofgl, dgfip, dgcl, autre ;
    facultative) et les options de `read_open_data` (``colonnes``, ``indicateurs``,
    ``budgets``, ``annee``, ``niveau``, ``sens``, ``definitions``, ``feuille``). La table
    longue ``benchmark.indicateurs``, si elle est donnée aussi, est ajoutée. Chaque valeur
    garde sa source (colonne ``source``) et son année.

    Raises
    ------
    ConfigError
        Entrée sans fichier, fichier introuvable, clé inconnue.
    DataError
        Un même indicateur, territoire et année fourni par deux sources.
    """
    from kit._benchmark_data import load_indicators

    section = config.get("benchmark") or {}
    where = Path(config.get("_dossier", "."))
    entries = section.get("sources")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("`benchmark.sources` doit être une liste de fichiers (fichier, "
                          "source, colonnes…). Voir data/samples/README.md.")
    frames = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not entry.get("fichier"):
            raise ConfigError(f"`benchmark.sources`, entrée n° {number} : clé « fichier » "
                              "absente.")
        path = where / str(entry["fichier"])
        if not path.is_file():
            raise ConfigError(f"Fichier introuvable pour `benchmark.sources` n° {number} : "
                              f"{path}. Corrigez le chemin (relatif au fichier de "
                              "configuration).", path)
        options = {k: v for k, v in entry.items() if k not in ("fichier", "source")}
        wrong = [k for k in options if k not in _OPTIONS]
        if wrong:
            raise ConfigError(f"`benchmark.sources` n° {number} ({entry['fichier']}) : clé(s) "
                              f"inconnue(s) {', '.join(wrong)} ; clés possibles : fichier, "
                              f"source, {', '.join(_OPTIONS)}.")
        if isinstance(options.get("definitions"), str):
            options["definitions"] = where / options["definitions"]
        if section.get("definitions") and "definitions" not in options and \
                entry.get("source") == "autre":
            options["definitions"] = where / str(section["definitions"])
        options["connus"] = [*known, *(options.get("connus") or [])]
        frames.append(read_open_data(path, entry.get("source"), **options))
    if section.get("indicateurs"):
        path = where / str(section["indicateurs"])
        defs = where / str(section["definitions"]) if section.get("definitions") else None
        table = load_indicators(path, definitions=defs, known=list(known))
        table["source"] = "table des indicateurs"
        table.attrs["source_texte"] = f"table des indicateurs, « {path.name} »"
        frames.append(table)
    return _combine(frames)


def _combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    parts = []
    for f in frames:
        part = f[OPEN_DATA_COLUMNS]
        part.attrs = {}  # pandas compare les attrs en réunissant : on les réunit à la main
        parts.append(part.assign(_fichier=Path(str(f.attrs.get("fichier") or "")).name))
    data = pd.concat(parts, ignore_index=True)
    key = ["code", "indicateur", "annee"]
    dup = data[data.duplicated(key, keep=False)]
    if len(dup):
        first = dup.groupby(key, sort=True)["_fichier"].agg(
            lambda s: " et ".join(f"« {x} »" for x in sorted(set(s))) if s.nunique() > 1
            else f"« {s.iloc[0]} », deux fois")
        (code, ind, annee), both = next(iter(first.items()))
        raise DataError(f"{len(first)} valeur(s) fournie(s) par deux sources, par exemple "
                        f"« {ind} » de {code} en {annee} ({both}). Gardez une seule source "
                        "par indicateur (choisissez d'autres indicateurs ou d'autres années).")
    data = data.drop(columns="_fichier").sort_values(
        ["indicateur", "code", "annee"], kind="stable").reset_index(drop=True)
    lecture: list[str] = []
    for f in frames:
        lecture.append(f"— {f.attrs.get('source_texte', '')} —")
        lecture += f.attrs.get("lecture") or []
    anomalies = pd.concat([f.attrs["anomalies"].assign(fichier=f.attrs.get("fichier"))
                           for f in frames if isinstance(f.attrs.get("anomalies"),
                                                         pd.DataFrame)], ignore_index=True)
    data.attrs = {"lecture": lecture, "anomalies": anomalies,
                  "source_texte": "; ".join(f.attrs.get("source_texte", "") for f in frames),
                  "niveau": frames[0].attrs.get("niveau", "commune"),
                  "sources": [f.attrs.get("fichier") for f in frames]}
    return data


