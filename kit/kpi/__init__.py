"""Étape 3 — Indicateurs : catalogue validé, calcul à partir des fichiers des services, suivi
par rapport aux cibles.

Le catalogue (modèle ``templates/catalogue_indicateurs.xlsx``) décrit chaque indicateur :
formule dans le langage de `kit.formulas`, jeu de données source (identifiant de
l'inventaire), fréquence, sens souhaité, référence, cible, échéance, seuil d'alerte, pilote.

Rien n'est moyenné en silence : une cellule en erreur dans un fichier source est laissée vide
et citée ; des lignes en double sont signalées et comptées une fois ; un mois sans données est
signalé et la période qui le contient est marquée « incomplet » au lieu d'être comparée à la
cible ; un changement d'unité empêche le calcul avec un message qui dit comment l'écrire.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit.formulas import FormulaError, compute_indicator
from kit.kpi._tracking import LATE, ON_TRACK, STATUSES, period_status, trajectory, update_overdue
from kit.workspace import (
    cached,
    load_inventories,
    load_many,
    problem,
    problems_frame,
    reading_options,
    section_paths,
)

__all__ = ["FREQUENCIES", "LATE", "ON_TRACK", "STATUSES", "Kpis", "check_catalogue", "compute_kpis",
           "load_catalogue", "load_sources", "period_status", "run_kpis", "trajectory",
           "update_overdue"]

#: Fréquence du catalogue → période de calcul de `kit.formulas`.
FREQUENCIES = {"mensuelle": "mois", "trimestrielle": "trimestre", "annuelle": "annee"}
_RANK = {"mensuelle": 3, "trimestrielle": 2, "annuelle": 1}
_BOOK = ("fichier", "feuille", "ligne")


@dataclass
class Kpis:
    """Résultats du suivi : valeurs par période, synthèse par indicateur, problèmes."""

    catalogue: pd.DataFrame
    values: pd.DataFrame
    summary: pd.DataFrame
    problems: pd.DataFrame
    date: dt.date
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


# --------------------------------------------------------------------------- lecture
def load_sources(entries: list[dict[str, Any]]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Charge les fichiers sources (entrées ``fichiers`` de la configuration ayant un ``jeu``).

    Chaque fichier est lu et validé avec son schéma : une cellule en erreur (tonnage négatif,
    date dans une colonne de nombres…) est laissée vide et citée. Les lignes identiques
    (toutes les colonnes du fichier) sont signalées et gardées une seule fois.

    Returns
    -------
    tuple[dict, pandas.DataFrame]
        ``{identifiant du jeu: tableau}`` et les problèmes.
    """
    tables, problems = {}, []
    for entry in entries:
        if not entry.get("jeu"):
            continue
        table, found = load_many(entry["chemin"], entry["schema"], sheet=entry.get("feuille"),
                                  options=reading_options(entry))
        problems.append(found)
        copies = table.attrs.get("doublons", [])
        doubles = table["ligne"].isin([d["ligne"] for d in copies])
        if copies:
            lines = [d["ligne"] for d in copies]
            firsts = [d["premiere"] for d in copies]
            problems.append(problem(entry["chemin"], (
                f"{len(lines)} ligne(s) identique(s) à une ligne précédente (lignes "
                f"{', '.join(map(str, lines))} ; premières occurrences : lignes "
                f"{', '.join(map(str, firsts))}) : elles ne sont comptées qu'une fois. "
                "Demandez au service de vérifier l'export."),
                code="lignes-en-double", niveau="avertissement", feuille=entry.get("feuille"),
                ligne=lines[0]))
        data = table.drop(columns=list(_BOOK))
        tables[str(entry["jeu"])] = data[~doubles].reset_index(drop=True)
    return tables, problems_frame(problems)


def load_catalogue(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lit le catalogue des indicateurs (modèle ``catalogue_indicateurs``).

    Un libellé vide (cellule en erreur, ou formule enregistrée sans valeur) est remplacé par le
    code de l'indicateur : le problème est déjà cité par la validation, et les tableaux et
    décisions du comité restent lisibles.
    """
    catalogue, problems = load_many(path, "catalogue_indicateurs")
    if {"libelle", "code"} <= set(catalogue.columns):
        missing = catalogue["libelle"].isna() | (catalogue["libelle"].astype(str).str.strip()
                                                 == "")
        catalogue.loc[missing, "libelle"] = catalogue.loc[missing, "code"]
    return catalogue, problems


# --------------------------------------------------------------------------- contrôles
def _split(text: Any) -> list[str]:
    if text is None or pd.isna(text):
        return []
    return [p.strip() for p in str(text).replace(",", ";").split(";") if p.strip()]


def _granularity(table: pd.DataFrame, column: Any) -> str | None:
    """Fréquence la plus fine que permettent les dates d'un tableau."""
    if column is not None and not pd.isna(column) and column in table.columns:
        values = table[column]
    else:
        dates = [c for c in table.columns if pd.api.types.is_datetime64_any_dtype(table[c])]
        if len(dates) == 1 or any(c in ("date", "mois", "jour") for c in dates):
            values = table[next((c for c in dates if c in ("date", "mois", "jour")), dates[0])]
        elif any(c in table.columns for c in ("exercice", "annee")):
            return "annuelle"
        else:
            return None
    if not pd.api.types.is_datetime64_any_dtype(values):
        return "annuelle"  # un exercice (nombre entier) ne permet que l'année
    months = pd.to_datetime(values).dropna().dt.to_period("M").drop_duplicates().sort_values()
    if len(months) < 2:
        return None  # une seule date : impossible de juger
    step = float(np.median(np.diff(months.map(lambda p: p.ordinal).to_numpy())))
    return "mensuelle" if step <= 1 else "trimestrielle" if step <= 3 else "annuelle"


def check_catalogue(catalogue: pd.DataFrame, tables: dict[str, pd.DataFrame],
                    inventory_ids: set[str] | None = None) -> pd.DataFrame:
    """Contrôles « SMART » du catalogue lui-même.

    Codes : ``code-en-double`` (erreur), ``sans-cible`` (cible ou échéance manquante),
    ``sans-reference`` (pas de trajectoire possible), ``echeance-avant-reference`` (erreur),
    ``sans-pilote``, ``source-inconnue`` (jeu absent de l'inventaire : erreur),
    ``source-non-chargee`` (jeu inventorié dont aucun fichier n'est listé dans la
    configuration), ``frequence-incoherente`` (fréquence plus fine que les données).
    """
    found = []

    def flag(row: pd.Series, column: str, code: str, message: str, niveau: str) -> None:
        found.append(problem(row["fichier"], f"Indicateur {row['code']} : {message}",
                             code=code, niveau=niveau, feuille=row["feuille"],
                             ligne=int(row["ligne"]), colonne=column,
                             valeur=None if pd.isna(row.get(column)) else str(row[column])))

    seen: dict[str, int] = {}
    for _, row in catalogue.iterrows():
        code = row["code"]
        if pd.notna(code) and code in seen:
            flag(row, "code", "code-en-double", (
                f"le code est déjà utilisé ligne {seen[code]} ; donnez un code propre à chaque "
                "indicateur (cette ligne n'est pas calculée)."), "erreur")
            continue
        seen[code] = int(row["ligne"])
        if pd.isna(row["cible"]) or pd.isna(row["echeance"]):
            flag(row, "cible", "sans-cible", (
                "pas de cible ou pas d'échéance : on ne peut pas dire s'il est sur la bonne "
                "voie. Fixez une cible datée avec le pilote."), "avertissement")
        elif pd.isna(row["valeur_reference"]) or pd.isna(row["date_reference"]):
            flag(row, "valeur_reference", "sans-reference", (
                "pas de valeur de référence datée : la trajectoire vers la cible ne peut pas "
                "être tracée."), "avertissement")
        elif row["echeance"] <= row["date_reference"]:
            flag(row, "echeance", "echeance-avant-reference", (
                "l'échéance précède la date de référence ; corrigez l'une des deux dates."),
                "erreur")
        if pd.isna(row["responsable"]):
            flag(row, "responsable", "sans-pilote", (
                "aucun pilote : indiquez le service ou la fonction responsable du suivi."),
                "avertissement")
        for ident in _split(row["jeu_source"]):
            if inventory_ids is not None and ident not in inventory_ids:
                flag(row, "jeu_source", "source-inconnue", (
                    f"le jeu source {ident} n'est pas dans l'inventaire des données. "
                    "Corrigez l'identifiant ou inventoriez le jeu (étape 1)."), "erreur")
            elif ident not in tables:
                flag(row, "jeu_source", "source-non-chargee", (
                    f"aucun fichier du jeu {ident} n'est listé dans la configuration "
                    "(« fichiers », clé « jeu »)."), "erreur")
            else:
                grain = _granularity(tables[ident], row["colonne_date"])
                wanted = row["frequence"]
                if grain and pd.notna(wanted) and _RANK[wanted] > _RANK[grain]:
                    flag(row, "frequence", "frequence-incoherente", (
                        f"déclaré « {wanted} » mais les données de {ident} ne sont que "
                        f"{grain}s : il est calculé à la fréquence {grain}."), "avertissement")
    return problems_frame(found)


# --------------------------------------------------------------------------- calcul
def _missing_months(table: pd.DataFrame, date_column: Any) -> list[pd.Period]:
    """Mois sans aucune ligne entre le premier et le dernier mois d'un tableau mensuel."""
    if _granularity(table, date_column) != "mensuelle":
        return []
    counts = compute_indicator("nombre()", table, period="mois",
                               date_column=None if pd.isna(date_column) else date_column)
    return list(counts.index[counts.fillna(0) == 0])


def _series(row: pd.Series, tables: dict[str, pd.DataFrame], variables: dict[str, Any],
            period: str) -> pd.Series:
    sources = {i: tables[i] for i in _split(row["jeu_source"])}
    column = None if pd.isna(row["colonne_date"]) else row["colonne_date"]
    return compute_indicator(row["formule"], sources if len(sources) > 1 else
                             next(iter(sources.values())), period=period, date_column=column,
                             variables=variables, indicator=row["code"])


def compute_kpis(catalogue: pd.DataFrame, tables: dict[str, pd.DataFrame],
                 variables: dict[str, Any] | None = None, today: Any = None,
                 inventory_ids: set[str] | None = None) -> Kpis:
    """Calcule chaque indicateur du catalogue et le situe par rapport à sa trajectoire.

    Un indicateur qui ne peut pas être calculé (formule fausse, unités mêlées, source
    absente) est signalé et les autres sont calculés.

    Returns
    -------
    Kpis
        ``values`` : une ligne par indicateur et période (code, periode, fin, valeur,
        attendu, statut) ; ``summary`` : une ligne par indicateur (dernière valeur, évolution
        sur un an, statut, écart à la cible, mise à jour en retard…) ; ``problems``.
    """
    today = pd.Timestamp(today or dt.date.today()).normalize()
    variables = dict(variables or {})
    checks = check_catalogue(catalogue, tables, inventory_ids)
    skip = set(checks.loc[checks["code"].isin(["code-en-double", "source-inconnue",
                                                "source-non-chargee"]), "ligne"])
    found: list[Any] = [checks]
    frames, rows = [], []
    gaps: dict[tuple[str, Any], list[pd.Period]] = {}
    for _, row in catalogue.iterrows():
        if row["ligne"] in skip or pd.isna(row["formule"]) or pd.isna(row["code"]):
            continue
        wanted = row["frequence"] if pd.notna(row["frequence"]) else "annuelle"
        grains = [_granularity(tables[i], row["colonne_date"]) for i in _split(row["jeu_source"])]
        grain = min((g for g in grains if g), key=_RANK.get, default=wanted)
        frequency = wanted if _RANK[wanted] <= _RANK[grain] else grain
        try:
            series = _series(row, tables, variables, FREQUENCIES[frequency])
        except FormulaError as exc:
            found.append(problem(row["fichier"], str(exc), code="formule", feuille=row["feuille"],
                                 ligne=int(row["ligne"]), colonne="formule",
                                 valeur=row["formule"]))
            rows.append(_summary_row(row, frequency, None, today))
            continue
        for message in series.attrs.get("problemes", []):
            found.append(problem(row["fichier"], message, code="calcul",
                                 niveau="avertissement", feuille=row["feuille"],
                                 ligne=int(row["ligne"]), colonne="formule"))
        missing = set()
        for ident in _split(row["jeu_source"]):
            key = (ident, None if pd.isna(row["colonne_date"]) else row["colonne_date"])
            if key not in gaps:  # plusieurs indicateurs lisent souvent le même jeu
                gaps[key] = _missing_months(tables[ident], key[1])
            missing |= set(gaps[key])
        values = _track(row, series, missing)
        if missing and frequency != "mensuelle":
            hit = values.loc[values["statut"] == "incomplet", "periode"].astype(str).tolist()
            found.append(problem(row["fichier"], (
                f"Indicateur {row['code']} : mois sans aucune donnée dans la source "
                f"({', '.join(str(m) for m in sorted(missing))}) : période(s) {', '.join(hit)} "
                "incomplète(s), non comparée(s) à la cible."), code="periode-incomplete",
                niveau="avertissement", feuille=row["feuille"], ligne=int(row["ligne"])))
        frames.append(values)
        rows.append(_summary_row(row, frequency, values, today))
    values = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["code", "periode", "fin", "valeur", "attendu", "statut"])
    return Kpis(catalogue, values, pd.DataFrame(rows), problems_frame(found), today.date())


def _track(row: pd.Series, series: pd.Series, missing: set[pd.Period]) -> pd.DataFrame:
    ends = series.index.to_timestamp(how="end").normalize()
    expected = trajectory(ends, row["valeur_reference"], row["date_reference"], row["cible"],
                          row["echeance"], row.get("trajectoire"))
    incomplete = [any(m.start_time >= p.start_time and m.end_time <= p.end_time
                      for m in missing) for p in series.index]
    status = [("incomplet" if bad and pd.notna(v) else period_status(
        v, e, sens=row["sens"], target=row["cible"], reference=row["valeur_reference"],
        alert=row["seuil_alerte"])) for v, e, bad in zip(series.to_numpy(), expected,
                                                          incomplete)]
    return pd.DataFrame({"code": row["code"], "periode": series.index.astype(str),
                         "fin": ends, "valeur": series.to_numpy(), "attendu": expected,
                         "statut": status})


def _summary_row(row: pd.Series, frequency: str, values: pd.DataFrame | None,
                 today: pd.Timestamp) -> dict[str, Any]:
    out = {"code": row["code"], "libelle": row["libelle"], "secteur": row["secteur"],
           "unite": row["unite"], "frequence": frequency, "sens": row["sens"],
           "cible": row["cible"], "echeance": row["echeance"],
           "responsable": row["responsable"], "derniere_periode": None,
           "derniere_valeur": np.nan, "evolution_un_an": np.nan, "tendance": "—",
           "statut": "non calculé", "ecart_cible": np.nan, "ecart_cible_pct": np.nan,
           "maj_en_retard": True}
    if values is None:
        return out
    known = values[values["valeur"].notna()]
    if known.empty:
        return {**out, "statut": "sans donnée"}
    last = known.iloc[-1]
    lag = {"mensuelle": 12, "trimestrielle": 4, "annuelle": 1}[frequency]
    position = values.index.get_loc(last.name)
    before = values["valeur"].iloc[position - lag] if position >= lag else np.nan
    out.update(derniere_periode=last["periode"], derniere_valeur=last["valeur"],
               statut=last["statut"], maj_en_retard=update_overdue(last["fin"], frequency,
                                                                    today))
    if pd.notna(before) and before != 0:
        change = (last["valeur"] - before) / abs(before) * 100
        sign = {"hausse": 1, "baisse": -1}.get(row["sens"], 0)
        arrow = "↗" if change > 1 else "↘" if change < -1 else "→"
        verdict = "" if sign == 0 or arrow == "→" else (
            " favorable" if sign * change > 0 else " défavorable")
        out.update(evolution_un_an=round(change, 1), tendance=arrow + verdict)
    if pd.notna(row["cible"]):
        gap = last["valeur"] - row["cible"]
        out.update(ecart_cible=gap, ecart_cible_pct=(
            round(gap / abs(row["cible"]) * 100, 1) if row["cible"] else np.nan))
    return out


# --------------------------------------------------------------------------- configuration
def run_kpis(config: dict[str, Any], inventory: pd.DataFrame | None = None) -> Kpis:
    """Lit la section ``indicateurs`` de la configuration et calcule tout le catalogue.

    Clés : ``catalogue`` (fichier du catalogue), ``variables`` (population…), ``date`` (date
    du suivi, pour les retards de mise à jour), ``inventaires`` (facultatif : dossier des
    inventaires de l'étape 1, pour vérifier que chaque jeu source y figure). `inventory` :
    ces inventaires déjà lus (par le diagnostic), pour ne pas relire les fichiers.
    """
    return cached("indicateurs", config, lambda: _run_kpis(config, inventory))


def _run_kpis(config: dict[str, Any], inventory: pd.DataFrame | None) -> Kpis:
    """Calcul de `run_kpis`, sans cache."""
    section, paths = section_paths(
        config, "indicateurs", {"catalogue": "fichier du catalogue des indicateurs"},
        ("inventaires",))
    path = paths["catalogue"]
    catalogue, cat_problems = load_catalogue(path)
    tables, src_problems = load_sources(config.get("fichiers", []))
    if inventory is None and "inventaires" in paths:

        inventory, _ = load_inventories(paths["inventaires"])
    inventory_ids = None if inventory is None else set(
        inventory["identifiant"].dropna().astype(str))
    variables = dict(section.get("variables") or {})
    variables.setdefault("population", config.get("population"))
    result = compute_kpis(catalogue, tables, variables, section.get("date"), inventory_ids)
    result.problems = problems_frame([cat_problems, src_problems, result.problems])
    result.tables = tables
    return result
