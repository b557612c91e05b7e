"""Données ouvertes prêtes pour un portail : un CSV UTF-8 par tableau publié, son schéma
Table Schema, un ``datapackage.json`` (frictionless) et le catalogue national des jeux
ouverts de l'inventaire."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from kit._gate import neutralise_frame
from kit.comite import LICENCE, Committee, open_data_tables
from kit.errors import DataError
from kit.publish._catalogue import CATALOGUE_SCHEMA, catalogue_rows
from kit.publish._common import safe_text, settings
from kit.quality import personal_findings

#: Débuts de noms de colonnes lues comme des effectifs (soumis au secret statistique).
COUNT_PREFIXES = ("nb_", "n_", "nombre", "effectif")
#: Texte de la Licence Ouverte 2.0 (Etalab).
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"


def count_columns(df: pd.DataFrame) -> list[str]:
    """Colonnes d'effectifs : nombres entiers dont le nom commence par ``nb_``, ``n_``,
    ``nombre`` ou ``effectif``.

    >>> count_columns(pd.DataFrame({"nb_reponses": [3], "score": [2.5], "n_pairs": [12]}))
    ['nb_reponses', 'n_pairs']
    """
    out = []
    for column in df.columns:
        name = str(column).lower()
        if name.startswith(COUNT_PREFIXES) and pd.api.types.is_numeric_dtype(df[column]):
            out.append(str(column))
    return out


def suppress_small_counts(df: pd.DataFrame, threshold: int,
                          columns: list[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Secret statistique : chaque effectif non nul inférieur à `threshold` est effacé
    (cellule vide).

    Parameters
    ----------
    df
        Tableau à publier ; il n'est pas modifié.
    threshold
        Plus petit effectif publiable (11 par défaut dans le kit).
    columns
        Colonnes d'effectifs (par défaut `count_columns`).

    Returns
    -------
    tuple[pandas.DataFrame, list[str]]
        La copie, et une note par colonne touchée (« 3 effectif(s) inférieurs à 11 masqués
        dans « nb_reponses » »).

    Examples
    --------
    >>> out, notes = suppress_small_counts(pd.DataFrame({"nb": [3, 40, 0]}), 11, ["nb"])
    >>> out["nb"].tolist(), notes
    ([<NA>, 40, 0], ['1 effectif(s) inférieur(s) à 11 masqué(s) dans « nb » (secret statistique).'])
    """
    out = df.copy()
    notes = []
    for column in count_columns(df) if columns is None else columns:
        values = pd.to_numeric(out[column], errors="coerce")
        small = values.notna() & (values > 0) & (values < threshold)
        if small.any():
            kept = values.astype("Float64").where(~small)
            out[column] = (kept.astype("Int64") if (kept.dropna() % 1 == 0).all() else kept)
            notes.append(f"{int(small.sum())} effectif(s) inférieur(s) à {threshold} "
                         f"masqué(s) dans « {column} » (secret statistique).")
    return out, notes


def check_publishable(df: pd.DataFrame, name: str) -> None:
    """Refuse un tableau où une colonne ressemble à des données personnelles.

    Raises
    ------
    DataError
        Le message nomme le tableau et chaque colonne suspecte, jamais une valeur.
    """
    found = personal_findings(df)
    if found:
        raise DataError(f"Publication de « {name} » refusée : données personnelles "
                        f"soupçonnées dans la colonne {', '.join(found)}. Retirez ou agrégez "
                        "cette colonne avant de publier ; rien n'a été écrit.")


def _field_type(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "integer"
    if pd.api.types.is_float_dtype(s.dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "date"
    return "string"


def table_schema(df: pd.DataFrame) -> dict[str, Any]:
    """Schéma Table Schema d'un tableau (types lus sur les colonnes)."""
    return {"fields": [{"name": str(c), "type": _field_type(df[c])} for c in df.columns],
            "missingValues": [""]}


def _resource_name(name: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-") or "tableau"


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    neutralise_frame(df).to_csv(path, index=False, encoding="utf-8", lineterminator="\n",
                                date_format="%Y-%m-%d")


def _dump(data: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def export_tables(tables: dict[str, pd.DataFrame], dest: str | Path, *, producer: str,
                  date: str, threshold: int = 11, extra: list[dict[str, Any]] | None = None,
                  notes: list[str] | None = None) -> list[Path]:
    """Écrit chaque tableau en CSV UTF-8 avec son schéma, et le ``datapackage.json``.

    Tous les tableaux sont contrôlés (`check_publishable`) avant d'écrire le premier
    fichier ; les effectifs inférieurs à `threshold` sont effacés (`suppress_small_counts`),
    chaque fichier passe par `kit._gate.neutralise_frame`.
    """
    for name, df in tables.items():
        check_publishable(df, name)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written, resources = [], []
    for name, df in tables.items():
        df, secret = suppress_small_counts(df, threshold)
        for column in df.columns:  # dates : jour seul, comme le CSV
            if pd.api.types.is_datetime64_any_dtype(df[column].dtype):
                df[column] = df[column].dt.normalize()
        rname = _resource_name(name)
        csv_path, schema_path = dest / f"{rname}.csv", dest / f"{rname}.schema.json"
        _write_csv(df, csv_path)
        _dump(table_schema(df), schema_path)
        written += [csv_path, schema_path]
        resource = {"name": rname, "path": csv_path.name, "format": "csv",
                    "encoding": "utf-8", "mediatype": "text/csv",
                    "schema": schema_path.name}
        if secret:
            resource["description"] = " ".join(secret)
            resource["secret_statistique"] = secret
        resources.append(resource)
    resources += extra or []
    package = {"name": _resource_name(f"donnees-{safe_text(producer)}")[:100],
               "title": f"Données ouvertes — {safe_text(producer)}",
               "created": f"{date}T00:00:00Z",
               "licenses": [{"name": "etalab-2.0", "title": LICENCE, "path": LICENCE_URL}],
               "contributors": [{"title": safe_text(producer), "role": "publisher"}],
               "secret_statistique": {"seuil": threshold},
               "resources": resources}
    if notes:
        package["notes"] = notes
    written.append(_dump(package, dest / "datapackage.json"))
    return written


def export_portal(committee: Committee, dest: str | Path, *, threshold: int | None = None,
                  config: dict[str, Any] | None = None) -> list[Path]:
    """Données ouvertes prêtes pour un portail, dans le dossier `dest`.

    - chaque tableau de `kit.comite.open_data_tables` en CSV UTF-8 (séparateur virgule,
      point décimal), son schéma ``<nom>.schema.json`` et un ``datapackage.json`` que
      frictionless valide ;
    - le catalogue des jeux ouverts de l'inventaire au format national (``catalogue.csv``,
      schéma SCDL « catalogue » embarqué, copié en ``catalogue.schema.json``), si la section
      ``publication`` donne ``siret`` (14 chiffres) et ``portail`` (adresse) ; sinon une note
      du ``datapackage.json`` dit quoi ajouter.

    Parameters
    ----------
    committee
        Résultat de `kit.comite.run_committee`.
    dest
        Dossier de sortie.
    threshold
        Secret statistique : plus petit effectif publié ; par défaut
        ``publication.seuil_secret`` de la configuration, à défaut 11.
    config
        Configuration (section ``publication``, type de collectivité).

    Raises
    ------
    DataError
        Une colonne d'un tableau ressemble à des données personnelles (rien n'est écrit).
    """
    opts = settings(config)
    threshold = opts["seuil_secret"] if threshold is None else threshold
    tables = open_data_tables(committee)
    dest = Path(dest)
    extra, notes = [], []
    siret, portal = str(opts.get("siret") or ""), str(opts.get("portail") or "")
    catalogue = None
    if re.fullmatch(r"\d{14}", siret) and portal:
        kind = str(((config or {}).get("diagnostic") or {}).get("type_collectivite")
                   or (config or {}).get("type") or "Commune")
        catalogue, notes = catalogue_rows(committee.diag.inventory,
                                          name=safe_text(committee.collectivite),
                                          siret=siret, portal=portal, kind=kind)
        check_publishable(catalogue, "catalogue")
        extra.append({"name": "catalogue", "path": "catalogue.csv", "format": "csv",
                      "encoding": "utf-8", "mediatype": "text/csv",
                      "schema": "catalogue.schema.json",
                      "description": "Catalogue des jeux de données ouverts (schéma national "
                                     "SCDL « catalogue »)."})
    else:
        notes.append("Catalogue national des jeux ouverts non écrit : ajoutez à la "
                     "configuration « publication: {siret: '<14 chiffres>', portail: "
                     "<adresse du portail>} ».")
    written = export_tables(tables, dest, producer=committee.collectivite,
                            date=committee.date.isoformat(), threshold=threshold,
                            extra=extra, notes=notes)
    if catalogue is not None:
        _write_csv(catalogue, dest / "catalogue.csv")
        shutil.copyfile(CATALOGUE_SCHEMA, dest / "catalogue.schema.json")
        written[-1:-1] = [dest / "catalogue.csv", dest / "catalogue.schema.json"]
    return written
