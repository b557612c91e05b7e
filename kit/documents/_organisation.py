"""Organisation de la fonction données : trois modèles, celui que suggère le diagnostic, le
coordinateur et les relais des services, les besoins de formation et de recrutement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kit._format import fmt_number, short_axis
from kit.diagnostic import Diagnostic
from kit.documents import _facts as facts
from kit.documents._docx import Writer
from kit.priorisation import Prioritization

#: Les trois modèles d'organisation (libellé, description, quand il convient).
MODELS = [
    ("Mission autonome",
     ("Une mission données rattachée directement à l'exécutif ou au directeur général, avec "
     "sa propre équipe (administrateur général des données, analystes)."),
     ("Convient quand la stratégie est adoptée mais que l'expertise manque dans les services : "
     "elle se construit d'abord en un lieu.")),
    ("Rattachée à la DGS ou à une DGA",
     ("L'administrateur général des données est placé auprès du directeur général des "
     "services (ou d'un DGA ressources), avec une équipe réduite et un réseau de relais."),
     ("Convient pour entraîner des services encore peu mûrs : l'autorité de la direction "
     "générale donne le poids nécessaire.")),
    ("Répartie dans les directions",
     ("Chaque direction porte ses données avec ses propres référents ; un coordinateur léger "
     "anime le réseau et tient les règles communes."),
     "Convient quand la majorité des services sait déjà gérer et utiliser ses données."),
]

#: Hypothèse : un analyste de données pour ce nombre d'agents évalués au plus ; sous
#: `MIN_EXPERTS` agents autonomes en analyse ou en programmation, un recrutement est proposé.
MIN_EXPERTS = 2


def hiring_needs(diag: Diagnostic, config: dict[str, Any]) -> list[str]:
    """Besoins de recrutement (phrases chiffrées) d'après l'équipe données et les compétences.

    # Hypothèse : un administrateur général des données est nécessaire (à nommer s'il
    # n'apparaît pas dans ``equipe_donnees``) ; un analyste de données est à recruter si moins
    # de `MIN_EXPERTS` agents sont autonomes (niveau 3 ou 4) en programmation (Python, R).
    """
    team = config.get("equipe_donnees") or {}
    keys = " ".join(str(k) for k in team) if isinstance(team, dict) else ""
    out = []
    if "administrat" not in keys:
        out.append("Administrateur général des données : 1 poste à pourvoir (absent de "
                   "l'équipe données déclarée).")
    else:
        out.append("Administrateur général des données : déjà prévu dans l'équipe données.")
    if "dpo" not in keys.lower():
        out.append("Délégué à la protection des données : 1 désignation obligatoire.")
    skills = diag.skills
    if skills is not None and not skills.empty:
        experts = int(skills.attrs.get("niveau_3_ou_plus", {}).get("programmation_python_r", 0))
        if experts < MIN_EXPERTS:
            out.append(f"Analyste de données : 1 recrutement ({experts} agent(s) autonome(s) en "
                       "programmation).")
        else:
            out.append(f"Analyste de données : pas de recrutement immédiat, {experts} agents "
                       "sont autonomes en programmation (Python, R) ; les mettre en réseau.")
    return out


def write_organisation(diag: Diagnostic, prio: Prioritization | None, config: dict[str, Any],
                       path: str | Path) -> Path:
    """Écrit la note d'organisation de la fonction données (``organisation.docx``).

    Parameters
    ----------
    diag, prio
        Résultats des étapes 1 et 2 ; la priorisation donne les relais pressentis (membres
        des groupes de travail).
    config
        Configuration de la collectivité (``nom``, ``services``, ``equipe_donnees``).
    path
        Fichier .docx à écrire.
    """
    name = str(config.get("nom") or diag.collectivite)
    model, why = facts.suggest_model(diag)
    relays = facts.relays(config, diag, prio)
    needs = facts.training_needs(diag.skills)
    gaps = facts.maturity_gaps(diag)
    w = Writer(f"Organisation de la fonction données — {name}",
               "Modèle d'organisation, coordinateur et relais, formation et recrutement.")

    w.heading("1. Trois modèles d'organisation")
    w.table(["Modèle", "Description", "Quand il convient"], MODELS)
    w.paragraph(f"Ce que suggère le diagnostic : {model}.", bold=True)
    w.bullets(why)

    w.heading("2. Le coordinateur et les relais")
    w.paragraph(
        "L'administrateur général des données coordonne la démarche : il tient l'inventaire, "
        "anime le réseau des relais, prépare le comité de pilotage et veille à l'application "
        "de la charte. Chaque service désigne un relais données (une fonction, pas "
        "nécessairement un expert), qui tient l'inventaire du service à jour, répond au "
        "questionnaire de maturité et fait remonter les besoins.")
    w.table(["Service", "Relais pressenti (fonction)", "Statut"],
            [(r["service"], r["relais"] or "—", r["statut"]) for _, r in relays.iterrows()])
    none = relays[relays["statut"] == "sans relais"]["service"].tolist()
    w.paragraph(f"Services sans relais ({len(none)}) : " + (", ".join(none) or "aucun") + ".")

    w.heading("3. Besoins de formation")
    if len(needs):
        total = int(needs["agents_evalues"].iloc[0])
        w.paragraph(f"D'après la carte des compétences ({total} agents évalués, sans nom), "
                    "agents à former par compétence : ceux qui ne sont pas autonomes (niveau 1 "
                    "ou 2 sur 4, ou niveau non évalué) :")
        w.table(["Compétence", "Agents autonomes", "Agents à former",
                 "Services prioritaires (moyenne sous 2)"],
                [(r["competence"], fmt_number(r["autonomes"], 0), fmt_number(r["a_former"], 0),
                  r["services_prioritaires"] or "—") for _, r in needs.iterrows()])
    else:
        w.paragraph("Pas de carte des compétences : ajoutez « diagnostic.competences » à la "
                    "configuration pour chiffrer les besoins.")
    if len(gaps):
        w.paragraph("Axes de maturité à travailler (écart au niveau visé d'au moins "
                    f"{fmt_number(facts.GAP_TRAINING, 0)} point ou score sous "
                    f"{fmt_number(facts.LOW_MATURITY, 1)}) :")
        w.table(["Axe", "Score", "Niveau visé", "Écart"],
                [(short_axis(r["axe"]), fmt_number(r["score"], 2), fmt_number(r["cible"], 2),
                  fmt_number(r["ecart"], 2)) for _, r in gaps.iterrows()])
    w.heading("4. Besoins de recrutement")
    w.bullets(hiring_needs(diag, config))
    return w.save(path)
