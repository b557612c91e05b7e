"""Étape 5 — Comité de pilotage : rassembler les étapes 1 à 4 en un point d'étape pour les élus,
proposer les décisions à prendre, et publier les données en open data sans donnée personnelle.

`run_committee` relit la configuration et refait chaque étape (diagnostic, priorisation,
indicateurs, comparaison si la section ``benchmark`` existe) : le rapport du comité est donc
toujours à jour des derniers fichiers reçus. `decisions` transforme les constats en décisions
proposées, classées par urgence ; `export_open_data` écrit les tableaux publiables (CSV UTF-8,
séparateur virgule, point décimal, comme le demande le socle commun des données locales) après
avoir vérifié qu'aucune colonne ni aucune cellule ne ressemble à une donnée personnelle.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kit import benchmark as bm
from kit._format import fmt_date, fmt_number, fmt_percent
from kit._gate import markdown_text, neutralise_frame
from kit.comite._followup import (
    compare_decisions,
    compare_statuses,
    latest_snapshot,
    save_snapshot,
    snapshot,
)
from kit.comite._roadmap import carried_decisions, decision_ids, taken_decisions
from kit.diagnostic import RGPD_CODES, Diagnostic, run_diagnostic
from kit.errors import KitError
from kit.kpi import LATE, ON_TRACK, Kpis, run_kpis
from kit.priorisation import Prioritization, run_prioritization
from kit.quality import personal_findings
from kit.roadmap import Roadmap, late_actions, run_roadmap
from kit.workspace import ACCESSIBLE_MODES, DSP_HOLDER, cached, section_paths

__all__ = [
    "RENEWAL_MONTHS",
    "Committee",
    "carried_decisions",
    "check_open",
    "compare_decisions",
    "compare_statuses",
    "decision_ids",
    "decisions",
    "export_open_data",
    "follow_up_table",
    "key_figures",
    "latest_snapshot",
    "open_data_tables",
    "published_files",
    "run_benchmark",
    "run_committee",
    "save_snapshot",
    "snapshot",
    "taken_decisions",
    "write_summary",
]

#: Licence des fichiers publiés (l'une des deux licences fixées par décret pour les
#: administrations).
LICENCE = "Licence Ouverte / Open Licence version 2.0"
#: Mois avant la fin d'un contrat de délégation à partir desquels le comité rappelle de
#: négocier la clause données du contrat suivant (préparer un renouvellement prend 18 mois).
RENEWAL_MONTHS = 18


@dataclass
class Committee:
    """Tout ce que montre le rapport du comité de pilotage."""

    collectivite: str
    date: dt.date
    diag: Diagnostic
    #: étape 2 (None sans section ``priorisation`` dans la configuration)
    prio: Prioritization | None
    kpis: Kpis
    #: positions de la collectivité parmi ses pairs (None sans section ``benchmark``)
    positions: pd.DataFrame | None
    figures: pd.DataFrame
    decisions: pd.DataFrame
    #: date du comité précédent (None au premier comité)
    previous: dt.date | None = None
    #: décisions d'aujourd'hui et du comité précédent : nouvelle, toujours ouverte, réglée
    follow_up: pd.DataFrame | None = None
    #: indicateurs qui ont changé de statut depuis le comité précédent
    status_changes: pd.DataFrame | None = None
    #: feuille de route lue et contrôlée (None sans section ``feuille_de_route``)
    roadmap: Roadmap | None = None
    #: décisions prises au comité précédent : faite, dans les temps, en retard
    carried: pd.DataFrame | None = None


def run_benchmark(config: dict[str, Any]) -> pd.DataFrame | None:
    """Positions de la collectivité parmi ses pairs, d'après la section ``benchmark`` de la
    configuration (clés ``indicateurs``, ``definitions``, ``strates``, ``par_habitant``) ;
    None si la section est absente."""
    return cached("benchmark", config, lambda: _run_benchmark(config))


def _run_benchmark(config: dict[str, Any]) -> pd.DataFrame | None:
    """Calcul de `run_benchmark`, sans cache."""
    if not config.get("benchmark"):
        return None
    section = config["benchmark"]
    profile, values = bm.load_from_config(config)
    peers = bm.select_peers(profile, strata=section.get("strates", "dgf"))
    if section.get("par_habitant"):
        values = bm.per_inhabitant(values, bm.population_of(peers),
                                   list(section["par_habitant"]))
    with warnings.catch_warnings():  # petits groupes : signalés dans la colonne « alerte »
        warnings.simplefilter("ignore", bm.SmallGroupWarning)
        return bm.position(values, peers, latest=True)


def run_committee(config: dict[str, Any], output_dir: str | Path | None = None) -> Committee:
    """Refait les étapes 1 à 4 à partir de la configuration et prépare le comité.

    Le diagnostic (section ``diagnostic``) et les indicateurs (section ``indicateurs``) sont
    nécessaires ; la priorisation et la comparaison ne sont reprises que si leur section
    existe.

    `output_dir` : dossier des sorties (fichier ouvert des résultats de maturité, repris dans
    les données publiées, et relevé ``comite_AAAA-MM-JJ.json`` de ce comité) ; sans lui, la
    maturité n'est pas publiée et aucun relevé n'est écrit. Le comité précédent est cherché
    dans le dossier ``comite.historique`` de la configuration, à défaut dans `output_dir`.
    """
    diag = run_diagnostic(config, output_dir)
    prio = run_prioritization(config, _shared_inventory(config, "priorisation", diag)) \
        if config.get("priorisation") else None
    kpis = run_kpis(config, _shared_inventory(config, "indicateurs", diag))
    positions = run_benchmark(config)
    committee = Committee(collectivite=diag.collectivite, date=kpis.date, diag=diag, prio=prio,
                       kpis=kpis, positions=positions, figures=pd.DataFrame(),
                       decisions=pd.DataFrame())
    committee.decisions = decisions(committee)
    history = output_dir
    if config.get("comite"):
        _, paths = section_paths(config, "comite", {}, ("historique",))
        history = paths.get("historique", output_dir)
    previous = latest_snapshot(history, committee.date) if history is not None else None
    committee.previous = dt.date.fromisoformat(previous["date"]) if previous else None
    if config.get("feuille_de_route"):
        committee.roadmap = run_roadmap(config, committee.date)
    committee.decisions = taken_decisions(
        decision_ids(committee.decisions, previous, committee.date), committee.roadmap)
    committee.carried = carried_decisions(previous, committee.roadmap, committee.date)
    committee.follow_up = compare_decisions(committee.decisions, previous)
    committee.status_changes = compare_statuses(kpis.summary, previous)
    committee.figures = key_figures(committee)
    if output_dir is not None:
        since = committee.decisions[["étape", "sujet"]].merge(
            committee.follow_up, on=["étape", "sujet"], how="left")["depuis"]
        save_snapshot(snapshot(committee.collectivite, committee.date, committee.figures,
                               committee.decisions, kpis.summary.set_index("code")["statut"],
                               since), output_dir)
    return committee


def _shared_inventory(config: dict[str, Any], section: str, diag: Diagnostic
                      ) -> pd.DataFrame | None:
    """Inventaires déjà lus par le diagnostic, si la section `section` désigne les mêmes
    (sinon None : l'étape lit les siens)."""
    wanted = (config.get(section) or {}).get("inventaires")
    same = wanted is not None and wanted == (config.get("diagnostic") or {}).get("inventaires")
    return diag.inventory if same else None


def _overall(levels: pd.DataFrame) -> pd.Series | None:
    latest = levels[(levels["campagne"] == levels["campagne"].max())
                    & (levels["axe"] == "Ensemble")]
    return None if latest.empty else latest.iloc[0]


def key_figures(c: Committee) -> pd.DataFrame:
    """Chiffres clés du comité : une ligne par chiffre (sujet, valeur, lecture)."""
    rows = []
    overall = _overall(c.diag.levels)
    if overall is not None:
        progress = c.diag.progress
        gain = "" if progress is None or progress.empty else (
            f" ; {fmt_number(progress['evolution'].mean(), 2)} point en moyenne depuis la "
            "campagne précédente")
        rows.append(("Maturité des données", f"{fmt_number(overall['score'], 1)} sur 5",
                     f"niveau « {overall['niveau']} », cible {fmt_number(overall['cible'], 1)}"
                     + gain))
    inv = c.diag.inventory
    accessible = inv["mode_acces"].isin(ACCESSIBLE_MODES).mean() * 100 if len(inv) else float("nan")
    rows.append(("Jeux de données inventoriés", str(len(inv)),
                 f"{fmt_percent(accessible)} utilisables sans démarche : internes, par API ou "
                 "en open data"))
    summary = c.kpis.summary
    on_track = summary["statut"].isin(ON_TRACK).sum()
    late = summary["statut"].isin(LATE).sum()
    computed = int((summary["statut"] != "non calculé").sum())
    rows.append(("Indicateurs suivis", str(len(summary)),
                 f"{computed} calculés : {on_track} atteints ou dans la trajectoire, {late} en "
                 "retard ou en alerte"))
    if c.prio is not None and c.prio.choice is not None:
        best = c.prio.cases.set_index("code").loc[c.prio.choice]
        rows.append(("Projet de données retenu", c.prio.choice,
                     f"{best['titre']} ({best['service_porteur']})"))
    if c.previous is not None and c.follow_up is not None:
        count = c.follow_up["suivi"].value_counts()
        rows.append((f"Depuis le comité du {fmt_date(c.previous)}",
                     f"{count.get('réglée', 0)} décision(s) réglée(s)",
                     f"{count.get('toujours ouverte', 0)} toujours ouverte(s), "
                     f"{count.get('nouvelle', 0)} nouvelle(s)"))
    if getattr(c, "roadmap", None) is not None:
        late = late_actions(c.roadmap, c.date)
        rows.append(("Feuille de route", f"{len(c.roadmap.actions)} actions",
                     f"{len(late)} en retard au {fmt_date(c.date)}"))
    if c.positions is not None and not c.positions.empty:
        usable = bm.reliable_positions(c.positions)
        better = int(bm.better_than_median(usable).sum())
        rows.append(("Comparaison avec les pairs", f"{better} sur {len(usable)}",
                     "indicateurs meilleurs que la médiane des collectivités comparables "
                     "(comparaisons fiables seulement)"))
    return pd.DataFrame(rows, columns=["sujet", "valeur", "lecture"])


def decisions(c: Committee) -> pd.DataFrame:
    """Décisions proposées au comité, de la plus urgente (priorité 1) à la moins urgente.

    Sources : obligations RGPD (priorité 1), indicateurs en alerte (1) ou en retard (2, une
    décision par pilote), délégations sans clause données (2, une par délégataire), rôles
    manquants du projet retenu (2), indicateurs plus mis à jour (3), indicateurs dans le
    quart le moins favorable des pairs, quand au moins 5 pairs sont renseignés (3).
    """
    rows: list[tuple[int, str, str, str]] = []
    checks = c.diag.checks
    inv = c.diag.inventory
    ids = inv.set_index(["fichier", "ligne"])["identifiant"]
    rgpd = checks[checks["code"].isin(RGPD_CODES)]
    for _, check in rgpd.iterrows():
        name = ids.get((check["fichier"], check["ligne"]), check["fichier"])
        rows.append((1, "1. Diagnostic", f"Données personnelles : {name}", check["message"]))
    dsp = inv[(inv["detenteur"] == DSP_HOLDER) & (inv["clauses_donnees_dsp"] != "oui")]
    for holder, sets in dsp.groupby(dsp["nom_delegataire"].fillna("délégataire non nommé"),
                                    sort=True)["identifiant"]:
        rows.append((2, "1. Diagnostic", f"Délégation : {holder}", (
            f"Obtenir une clause données dans le contrat ({', '.join(sets)}) : remise des "
            "données à la collectivité, format ouvert, fréquence, dès le prochain avenant.")))
    rows += _renewals(inv, getattr(c, "date", None))
    summary = c.kpis.summary
    for _, k in summary[summary["statut"] == "alerte"].iterrows():
        rows.append((1, "3. Indicateurs", k["libelle"], (
            f"{k['code']} a franchi son seuil d'alerte{_gap(k)}. {_ask(k['responsable'])}")))
    late = summary[summary["statut"] == "en retard"]
    pilots = late["responsable"].map(lambda v: v if isinstance(v, str) and v.strip() else "")
    for pilot, group in late.groupby(pilots, sort=False):
        listed = ", ".join(f"{k['code']} ({k['libelle'][:1].lower()}{k['libelle'][1:]}"
                           f"{_gap(k)})" for _, k in group.iterrows())
        rows.append((2, "3. Indicateurs", f"En retard : {pilot or 'sans pilote'}", (
            f"{len(group)} indicateur(s) en retard sur leur trajectoire : {listed}. "
            f"{_ask(pilot)}")))
    for _, k in summary[summary["maj_en_retard"].fillna(False).astype(bool)].iterrows():
        rows.append((3, "3. Indicateurs", k["libelle"],
                     f"{k['code']} n'est plus mis à jour : relancer le service qui fournit la "
                     "source."))
    if c.prio is not None and c.prio.choice is not None and not c.prio.group.empty:
        mine = c.prio.group[(c.prio.group["code"] == c.prio.choice)
                            & (c.prio.group["statut"] != "engagé")
                            & (c.prio.group["statut"] != "non requis")]
        if not mine.empty:
            roles = ", ".join(f"{r} ({s})" for r, s in zip(mine["role"], mine["statut"]))
            rows.append((2, "2. Priorisation", f"Projet {c.prio.choice}",
                         f"Compléter le groupe de travail du projet retenu : {roles}."))
    if c.positions is not None:
        usable = bm.reliable_positions(c.positions)
        worst = usable[usable["percentile_favorable"] < 25]
        for _, p in worst.iterrows():
            rows.append((3, "4. Comparaison", p["libelle"], (
                f"Dans le quart le moins favorable des collectivités comparables "
                f"({fmt_number(p['valeur'])} {p['unite'] or ''} contre une médiane de "
                f"{fmt_number(p['mediane'])}) : comprendre l'écart avant d'en tirer une "
                "conclusion.")))
    out = pd.DataFrame(rows, columns=["priorité", "étape", "sujet", "décision"])
    return out.sort_values(["priorité", "étape"], kind="stable").reset_index(drop=True)


def _renewals(inv: pd.DataFrame, date: dt.date | None) -> list[tuple[int, str, str, str]]:
    """Délégations dont le contrat finit dans moins de `RENEWAL_MONTHS` mois : le moment de
    négocier la clause données du contrat suivant (une décision par délégataire)."""
    if date is None or "fin_contrat_delegation" not in inv.columns:
        return []  # inventaires d'avant la colonne « fin du contrat »
    ends = pd.to_datetime(inv["fin_contrat_delegation"], errors="coerce")
    limit = pd.Timestamp(date) + pd.DateOffset(months=RENEWAL_MONTHS)
    soon = inv[(inv["detenteur"] == DSP_HOLDER) & ends.notna() & (ends >= pd.Timestamp(date))
               & (ends <= limit)].assign(_fin=ends)
    rows = []
    for holder, group in soon.groupby(soon["nom_delegataire"].fillna("délégataire non nommé"),
                                      sort=True):
        end = group["_fin"].min().date()
        rows.append((2, "1. Diagnostic", f"Renouvellement : {holder}", (
            f"Le contrat de délégation finit le {fmt_date(end)} "
            f"({', '.join(group['identifiant'])}) : c'est le moment de négocier la clause "
            "données du prochain contrat (remise des données, format ouvert, fréquence, "
            "propriété de la collectivité), avant la consultation.")))
    return rows


def _ask(pilot: Any) -> str:
    if isinstance(pilot, str) and pilot.strip():
        return f"Demander un plan d'action au pilote ({pilot})."
    return "Désigner un pilote, puis lui demander un plan d'action."


def _gap(k: pd.Series) -> str:
    if pd.isna(k.get("ecart_cible")):
        return ""
    unit = k["unite"] if isinstance(k["unite"], str) else ""
    return f", écart à la cible {fmt_number(k['ecart_cible'])} {unit}".rstrip()


def open_data_tables(c: Committee) -> dict[str, pd.DataFrame]:
    """Tableaux publiables : suivi et valeurs des indicateurs, résultats de maturité (format
    ouvert et anonyme ``maturite_ouverte``), comparaison avec les pairs (agrégats)."""
    summary = c.kpis.summary
    tables = {
        "indicateurs_suivi": summary[["code", "libelle", "secteur", "unite", "frequence",
                                      "sens", "cible", "echeance", "derniere_periode",
                                      "derniere_valeur", "statut", "ecart_cible"]],
        "indicateurs_valeurs": c.kpis.values.merge(summary[["code", "libelle", "unite"]],
                                                   on="code", how="left")[
            ["code", "libelle", "periode", "fin", "valeur", "unite", "attendu", "statut"]],
    }
    if c.diag.open_results is not None:
        tables["maturite"] = c.diag.open_results
    if c.positions is not None:
        tables["comparaison_pairs"] = c.positions[
            ["indicateur", "libelle", "unite", "annee", "valeur", "n_pairs", "rang", "sur",
             "percentile", "quartile", "mediane", "q1", "q3"]]
    return tables


def check_open(df: pd.DataFrame, name: str) -> None:
    """Refuse de publier un tableau qui contient une donnée personnelle.

    Raises
    ------
    KitError
        Une colonne ressemble à des données personnelles (nom de colonne ou valeurs : e-mail,
        téléphone, NIR, IBAN, adresse, date de naissance, nom ou prénom), ou une cellule de
        texte contient un e-mail, un téléphone, un NIR ou un IBAN. Le message nomme la
        colonne et le nombre de cellules, jamais les valeurs.
    """
    found = personal_findings(df)
    if found:
        raise KitError(f"Publication de « {name} » refusée : données personnelles soupçonnées "
                       f"dans {', '.join(found)}. Retirez ou agrégez ces colonnes avant de "
                       "publier.")


def published_files(paths: list[Path]) -> pd.DataFrame:
    """Ce qui a été publié par `export_open_data` : fichier, lignes, colonnes, licence."""
    meta_path = next(p for p in paths if p.name == "metadonnees.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return pd.DataFrame([{"fichier": name, "lignes": info["lignes"],
                          "colonnes": ", ".join(info["colonnes"]), "licence": meta["licence"]}
                         for name, info in meta["fichiers"].items()])


def follow_up_table(c: Committee) -> pd.DataFrame:
    """Suivi des décisions depuis le comité précédent, pour un rapport (dates en français)."""
    if c.follow_up is None:
        return pd.DataFrame(columns=["suivi", "priorité", "étape", "sujet", "ouverte depuis"])
    out = c.follow_up.copy()
    out["ouverte depuis"] = [fmt_date(v) if isinstance(v, str) else "—" for v in out["depuis"]]
    return out.drop(columns="depuis")


def write_summary(c: Committee) -> str:
    """Relevé de décisions proposé (Markdown), à reprendre dans le compte rendu du comité."""
    lines = [f"**{c.collectivite} — comité de pilotage des données du "
             f"{fmt_date(c.date)}**"]
    lines += [f"- **{r.sujet}** : {r.valeur} ({r.lecture})" for r in c.figures.itertuples()]
    urgent = c.decisions[c.decisions["priorité"] == 1]
    lines.append(f"\n**{len(c.decisions)} décisions proposées**, dont {len(urgent)} urgentes "
                 "(obligations légales ou seuils d'alerte) :")
    lines += [f"{i}. {text}" for i, text in enumerate(c.decisions["décision"].head(5), 1)]
    if len(c.decisions) > 5:
        lines.append(f"\n… et {len(c.decisions) - 5} autres dans le tableau des décisions.")
    return markdown_text("\n".join(lines))


def export_open_data(c: Committee, dest: str | Path) -> list[Path]:
    """Écrit les tableaux publiables dans `dest` (CSV UTF-8, séparateur virgule, point
    décimal) et un fichier ``metadonnees.json`` (source, date, licence, colonnes).

    Chaque tableau passe d'abord par `check_open` : rien n'est écrit si l'un d'eux contient
    une donnée personnelle soupçonnée.
    """
    tables = open_data_tables(c)
    for name, table in tables.items():
        check_open(table, name)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written, meta = [], {"producteur": c.collectivite, "date": c.date.isoformat(),
                         "licence": LICENCE, "fichiers": {}}
    for name, table in tables.items():
        path = dest / f"{name}.csv"
        neutralise_frame(table).to_csv(path, index=False, encoding="utf-8",
                                       lineterminator="\n", date_format="%Y-%m-%d")
        written.append(path)
        meta["fichiers"][path.name] = {"lignes": int(len(table)),
                                       "colonnes": [str(col) for col in table.columns]}
    meta_path = dest / "metadonnees.json"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [*written, meta_path]


# Ancien nom (version 0.1), gardé pour les notebooks déjà copiés par les équipes.
Comite = Committee
