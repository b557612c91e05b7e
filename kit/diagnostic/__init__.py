"""Étape 1 — Diagnostic : inventaire des données, registre RGPD, maturité, compétences.

Les fonctions de calcul vivent dans `kit.diagnostic._inventory` et `kit.diagnostic._maturity`
(tableaux en entrée, tableaux en sortie) ; ce module les réexporte, lit la section
``diagnostic`` de la configuration (`run_diagnostic`) et rédige la synthèse (`write_synthesis`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kit._format import fmt_number, fmt_percent, short_axis
from kit._gate import markdown_text
from kit.diagnostic._inventory import (
    FRESHNESS_DAYS,
    RGPD_CODES,
    check_inventory,
    crossing_edges,
    freshness,
    holder_access,
    inventory_scorecard,
    uncontrolled_holdings,
)
from kit.diagnostic._maturity import (
    LEVELS,
    compare_with_peers,
    export_open_maturity,
    improvement_actions,
    level_label,
    load_maturity,
    load_peer_maturity,
    maturity_levels,
    maturity_progress,
    peer_lessons,
    score_maturity,
    skills_map,
    strengths_weaknesses,
)
from kit.diagnostic._respondents import NO_PROFILE, compare_profiles, respondent_profile
from kit.errors import ConfigError, DataError
from kit.workspace import (
    ACCESSIBLE_MODES,
    cached,
    expand_sources,
    load_inventories,
    load_many,
    load_register,
    problem,
    problems_frame,
    require_rows,
)

__all__ = [
    "ACCESSIBLE_MODES", "FRESHNESS_DAYS", "LEVELS", "NO_PROFILE", "RGPD_CODES", "Diagnostic",
    "check_inventory", "compare_profiles", "compare_with_peers", "crossing_edges",
    "export_open_maturity", "freshness", "holder_access", "improvement_actions",
    "inventory_scorecard", "lessons_table", "level_label",
    "load_inventories", "load_maturity", "load_peer_maturity", "load_register",
    "maturity_levels", "maturity_progress", "peer_lessons", "problem_summary",
    "respondent_profile", "run_diagnostic",
    "score_maturity", "skills_map", "strengths_weaknesses", "uncontrolled_holdings",
    "write_synthesis",
]


#: Écart moyen (en points sur 5) entre élus et agents à partir duquel la synthèse le signale.
PROFILE_GAP = 0.5


@dataclass
class Diagnostic:
    """Tous les résultats du diagnostic d'une collectivité (voir `run_diagnostic`)."""

    collectivite: str
    date: dt.date
    inventory: pd.DataFrame
    register: pd.DataFrame
    checks: pd.DataFrame
    fresh: pd.DataFrame
    scorecard: pd.DataFrame
    edges: pd.DataFrame
    uncontrolled: pd.DataFrame
    answers: pd.DataFrame
    scores: pd.DataFrame
    levels: pd.DataFrame
    strengths: pd.DataFrame
    actions: pd.DataFrame
    problems: pd.DataFrame
    progress: pd.DataFrame | None = None
    open_results: pd.DataFrame | None = None
    peers: pd.DataFrame | None = None
    lessons: pd.DataFrame | None = None
    skills: pd.DataFrame | None = None
    files: dict[str, Any] = field(default_factory=dict)
    #: scores par axe et par profil de répondant (élu, direction, agent) à la dernière
    #: campagne, écart élus − agents (`compare_profiles`) ; None si aucun profil n'est indiqué
    profiles: pd.DataFrame | None = None


def _paths(config: dict[str, Any]) -> dict[str, Any]:
    section = config.get("diagnostic")
    where = Path(config.get("_dossier", "."))
    if not isinstance(section, dict):
        raise ConfigError(
            "La configuration n'a pas de section « diagnostic » : ajoutez-y au moins "
            "« inventaires » (dossier des inventaires des services) et « maturite » (un "
            "dossier de questionnaires par campagne), comme dans "
            "data/samples/collectivite.yaml.")
    missing = [k for k in ("inventaires", "maturite") if not section.get(k)]
    if missing:
        raise ConfigError(f"Section « diagnostic » de la configuration : clé(s) manquante(s) : "
                          f"{', '.join(missing)}. Voir data/samples/collectivite.yaml.")
    maturite = section["maturite"]
    if not isinstance(maturite, dict):
        raise ConfigError("« diagnostic.maturite » doit associer chaque campagne à son dossier "
                          "(par exemple « '2025': diagnostic/maturite_2025 »).")
    out = {k: (where / str(v)) for k, v in section.items()
           if k in ("inventaires", "registre", "pairs", "competences") and v}
    out["maturite"] = {str(k): where / str(v) for k, v in maturite.items()}
    for label, path in [*[(k, v) for k, v in out.items() if k != "maturite"],
                        *out["maturite"].items()]:
        if not path.exists():
            raise ConfigError(f"Section « diagnostic », « {label} » : {path} est introuvable. "
                              "Corrigez le chemin (relatif au fichier de configuration).")
    out["date"] = section.get("date")
    out["type_collectivite"] = section.get("type_collectivite", "Commune")
    return out


def run_diagnostic(config: dict[str, Any], output_dir: str | Path | None = None
                   ) -> Diagnostic:
    """Lit tous les fichiers du diagnostic listés dans la configuration et calcule les résultats.

    Un fichier illisible ou mal rempli n'arrête rien : il figure dans ``problems`` (fichier,
    feuille, cellule, message) et le reste est traité.

    Parameters
    ----------
    config
        Configuration lue par `kit.workspace.load_config` (section ``diagnostic``).
    output_dir
        Dossier où écrire le fichier de maturité ouvert et anonyme de la collectivité (à
        partager avec d'autres collectivités) ; rien n'est écrit si None.

    Raises
    ------
    DataError
        Aucun jeu déclaré dans les inventaires, ou aucune réponse dans les questionnaires de
        toutes les campagnes (mauvais dossier) : le message nomme chaque fichier lu et sa
        feuille ou colonne manquante.
    """
    paths = _paths(config)
    diag, answers = cached("diagnostic", config, lambda: _compute(config, paths))
    name = diag.collectivite
    strate = str(config.get("strate", ""))
    last = sorted(answers["campagne"].unique())[-1]
    target = Path(output_dir) / f"maturite_ouverte_{last}.csv" if output_dir else None
    if target is not None:
        try:
            diag.open_results = export_open_maturity(
                answers, target, collectivite=name,
                type_collectivite=paths["type_collectivite"], strate=strate, campagne=last)
        except DataError as exc:  # données personnelles : fichier non écrit, dit dans problems
            diag.problems = problems_frame([diag.problems, problem(
                target, str(exc), code="maturite-ouverte-refusee")])
    if "pairs" in paths and diag.open_results is not None:
        peers, peer_problems = load_peer_maturity(paths["pairs"])
        diag.peers = compare_with_peers(diag.open_results, peers)
        diag.lessons = peer_lessons(diag.open_results, peers, answers)
        diag.problems = problems_frame([diag.problems, peer_problems])
    if "competences" in paths:
        agents, skill_problems = load_many(paths["competences"], "competences_agents")
        diag.skills = skills_map(agents)
        diag.problems = problems_frame([diag.problems, skill_problems])
    return diag


def _compute(config: dict[str, Any], paths: dict[str, Any]) -> tuple[Diagnostic, pd.DataFrame]:
    """Lecture et calculs du diagnostic, sans rien écrire (mis en cache pour un passage)."""
    date = pd.Timestamp(paths["date"] or dt.date.today()).date()
    inventory, inv_problems = load_inventories(paths["inventaires"])
    require_rows(inventory, inv_problems, paths["inventaires"],
                 "les inventaires (« diagnostic.inventaires »)", "identifiant")
    register, reg_problems = (load_register(paths["registre"]) if "registre" in paths
                              else (None, problems_frame([])))
    checks = check_inventory(inventory, register)
    frames, mat_problems = [], []
    for campagne, folder in paths["maturite"].items():
        answers, found = load_maturity(folder, campagne=campagne)
        frames.append(answers)
        mat_problems.append(found)
    if all(f.empty for f in frames):
        require_rows(pd.DataFrame(), problems_frame(mat_problems),
                     ", ".join(map(str, paths["maturite"].values())),
                     "les questionnaires de maturité (« diagnostic.maturite »)", "reponse",
                     [p.name for d in paths["maturite"].values() for p in expand_sources(d)])
    answers = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    scores = score_maturity(answers)
    levels = maturity_levels(scores)
    name = str(config.get("nom", "la collectivité"))
    diag = Diagnostic(
        collectivite=name, date=date, inventory=inventory,
        register=register if register is not None else pd.DataFrame(), checks=checks,
        fresh=freshness(inventory, date), scorecard=inventory_scorecard(inventory, date),
        edges=crossing_edges(inventory), uncontrolled=uncontrolled_holdings(inventory),
        answers=answers, scores=scores, levels=levels,
        strengths=strengths_weaknesses(scores), actions=improvement_actions(answers),
        problems=problems_frame([inv_problems, reg_problems, checks, *mat_problems]),
        files={k: str(v) for k, v in paths.items() if k != "maturite"})
    if answers["campagne"].nunique() > 1:
        diag.progress = maturity_progress(scores)
    last_answers = answers[answers["campagne"] == sorted(answers["campagne"].unique())[-1]]
    if last_answers["profil"].ne(NO_PROFILE).any():
        diag.profiles = compare_profiles(answers)
    return diag, answers


def lessons_table(diag: Diagnostic, n: int = 6) -> pd.DataFrame | None:
    """Ce que font mieux les pairs (questions où l'écart est le plus grand), ou None sans pairs."""
    if diag.lessons is None or diag.lessons.empty:
        return None
    return diag.lessons[["axe", "code", "question", "score_collectivite",
                         "score_meilleurs_pairs", "pratique"]].head(n)


def problem_summary(problems: pd.DataFrame) -> pd.DataFrame:
    """Nombre d'erreurs et d'avertissements par fichier, pour un tableau de synthèse."""
    if problems.empty:
        return pd.DataFrame(columns=["fichier", "erreurs", "avertissements", "exemple"])
    table = problems.assign(fichier=problems["fichier"].fillna("(croisements)"))
    out = table.groupby("fichier", sort=True).agg(
        erreurs=("niveau", lambda s: int((s == "erreur").sum())),
        avertissements=("niveau", lambda s: int((s == "avertissement").sum())),
        exemple=("message", "first")).reset_index()
    return out.sort_values(["erreurs", "avertissements"], ascending=False, kind="stable")


def _count(checks: pd.DataFrame, *codes: str) -> int:
    return int(checks["code"].isin(codes).sum())


def write_synthesis(diag: Diagnostic) -> str:
    """Synthèse rédigée (Markdown) : forces, faiblesses, pistes d'amélioration.

    Chaque phrase est calculée à partir des résultats : rien n'est écrit en dur sur la
    collectivité. Aucune donnée personnelle n'y figure (seulement des comptes, des services
    et des axes).
    """
    inv, card = diag.inventory, diag.scorecard
    total = card.loc["Ensemble"] if "Ensemble" in card.index else card.mean()
    camp = sorted(diag.levels["campagne"].unique())[-1]
    overall = diag.levels[(diag.levels["campagne"] == camp) & (diag.levels["axe"] == "Ensemble")]
    score = overall["score"].iloc[0]
    strong = diag.strengths[diag.strengths["constat"] == "point fort"]
    weak = diag.strengths[diag.strengths["constat"] == "point faible"]
    best_axis = diag.strengths.iloc[0]
    forces = [f"Inventaire : {len(inv)} jeux de données déclarés par "
              f"{inv['service_producteur'].nunique()} services ; "
              f"{fmt_percent(total['Accessibles'])} sont directement accessibles (interne, API "
              "ou open data)."]
    if len(strong):
        forces.append("Maturité : point(s) fort(s) sur " + ", ".join(
            f"« {short_axis(a)} » ({fmt_number(s, 2)} sur 5)" for a, s in
            zip(strong["axe"], strong["score"])) + ".")
    else:
        forces.append(f"Maturité : l'axe le mieux placé est « {short_axis(best_axis['axe'])} » "
                      f"({fmt_number(best_axis['score'], 2)} sur 5), porté notamment par le "
                      f"service {best_axis['meilleur_service']}.")
    if diag.progress is not None:
        up = diag.progress[diag.progress["evolution"] > 0]
        if len(up):
            top = up.iloc[0]
            forces.append(f"Progrès depuis {diag.progress.attrs['avant']} sur {len(up)} axe(s), "
                          f"surtout « {short_axis(top['axe'])} » (+{fmt_number(top['evolution'])}"
                          " point).")
    late = int((diag.fresh["statut"] == "en retard").sum())
    weaknesses = [f"Niveau global « {level_label(score)} » ({fmt_number(score, 2)} sur 5) à la "
                  f"campagne {camp}."]
    if len(weak):
        weaknesses.append("Point(s) faible(s) : " + ", ".join(
            f"« {short_axis(a)} » ({fmt_number(s, 2)})" for a, s in
            zip(weak["axe"], weak["score"])) + ".")
    weaknesses.append(f"{late} jeu(x) de données sur {len(diag.fresh)} ne sont plus à jour au "
                      "regard de leur fréquence annoncée.")
    gap = (diag.profiles.loc["Ensemble", "ecart_elus_agents"]
           if diag.profiles is not None else float("nan"))
    if pd.notna(gap) and abs(gap) >= PROFILE_GAP:
        weaknesses.append(f"Regards croisés : les élus jugent la maturité "
                          f"{'plus' if gap > 0 else 'moins'} élevée que les agents "
                          f"({fmt_number(abs(gap), 2)} point d'écart en moyenne sur les axes) : "
                          "un écart à discuter en atelier.")
    if len(diag.uncontrolled):
        holders = diag.uncontrolled["nom_delegataire"].nunique()
        weaknesses.append(f"{len(diag.uncontrolled)} jeu(x) détenu(s) par {holders} "
                          "délégataire(s) ou prestataire(s) ne sont pas librement utilisables "
                          "par la collectivité.")
    rgpd = _count(diag.checks, *RGPD_CODES)
    if rgpd:
        weaknesses.append(f"{rgpd} jeu(x) de données personnelles sans traitement valide au "
                          "registre.")
    actions = []
    clauses = _count(diag.checks, "dsp-sans-clause")
    if clauses:
        actions.append(f"Vérifier les {clauses} contrat(s) de délégation sans clause données "
                       "claire et prévoir la remise des données au renouvellement.")
    if rgpd:
        actions.append("Compléter le registre des traitements avec le DPO pour les jeux "
                       "signalés.")
    for _, row in diag.actions.head(4).iterrows():
        actions.append(f"{row['action']} ({short_axis(row['axe'])}, question {row['code']}, "
                       f"score {fmt_number(row['score'], 2)}).")
    if diag.lessons is not None and len(diag.lessons):
        row = diag.lessons.iloc[0]
        actions.append(f"S'inspirer des pairs de la même strate sur la question {row['code']} "
                       f"(« {row['question']} ») : écart de {fmt_number(row['ecart'])} "
                       f"point(s) avec "
                       f"{row['pairs']}, qui en sont au niveau « {row['pratique']} »")

    def bullets(items: list[str]) -> str:
        return "\n".join(f"- {item}" for item in items)

    return markdown_text(
        f"### Forces\n\n{bullets(forces)}\n\n### Faiblesses\n\n{bullets(weaknesses)}\n\n"
        f"### Pistes d'amélioration\n\n{bullets(actions)}\n")
