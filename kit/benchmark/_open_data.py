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

Modules : ce module (reconnaissance de la source, tables « autre », configuration),
`kit.benchmark._open_data_ofgl` (OFGL : Arrow lit le CSV, numpy agrège ;
`kit.benchmark._arrow_csv` : lecture du CSV par Arrow),
`kit.benchmark._open_data_formats` (DGFiP, DGCL, lecture des CSV),
`kit.benchmark._open_data_check` (contrôle commun et table de sortie),
`kit.benchmark._definitions` (définitions livrées).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from kit._parse import normalize_label
from kit.benchmark._data import _direction, _rename, load_indicators
from kit.benchmark._definitions import DGCL
from kit.benchmark._open_data_check import finish, give_back_memory
from kit.benchmark._open_data_formats import (
    META_COLUMNS,
    Parsed,
    commune_code,
    dgcl_code_column,
    long_arrays,
    read_dgcl,
    read_dgfip,
    read_text_csv,
    sniff,
    to_number,
)
from kit.benchmark._open_data_ofgl import ofgl_columns, read_ofgl
from kit.errors import ConfigError, DataError, KitError
from kit.io import load_table

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
    give_back_memory()
    out = finish(parsed, path=path, source=found, label=SOURCES[found], options=options)
    give_back_memory()
    return out


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
        parsed = read_ofgl(sniffed, ofgl_columns(sniffed.columns), level=level,
                           budgets=options.get("budgets"))
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


