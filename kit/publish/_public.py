"""Page pour les habitants : ``public/index.html``, un seul fichier hors ligne, en français
simple, lisible sur téléphone, sans JavaScript.

Rien d'interne : ni erreur d'un service, ni nom de personne, ni score de maturité par
service, ni chemin de fichier, ni code interne (indicateurs, cas d'usage, traitements).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from kit._format import fmt_date, fmt_number
from kit.comite import Committee
from kit.kpi import LATE, ON_TRACK
from kit.publish._common import (
    DEFAULT_CONTACT,
    OPEN_MODE,
    html_text,
    page,
    settings,
    table,
)
from kit.workspace import DSP_HOLDER

#: Statut d'un indicateur → phrase pour les habitants.
STATUS_WORDS = {
    "atteint": "objectif atteint", "en avance": "en avance sur l'objectif",
    "dans la trajectoire": "en bonne voie", "en retard": "en retard sur l'objectif",
    "alerte": "en difficulté", "sans cible": "suivi sans objectif chiffré",
    "non calculé": "pas encore mesuré", "incomplet": "données incomplètes",
}
#: Quadrant de la priorisation → raison du choix en mots simples.
QUADRANT_WORDS = {
    "gain rapide": "un bénéfice important pour un effort raisonnable",
    "projet structurant": "un bénéfice important, au prix d'un projet plus lourd",
    "petit pas": "une amélioration simple à mettre en œuvre",
    "à reporter": "le meilleur compromis possible aujourd'hui",
}


def _holders(inv: pd.DataFrame) -> pd.Series:
    """Qui détient chaque jeu : la collectivité, un délégataire ou un prestataire."""
    holder = inv["detenteur"].astype(object)
    operator = inv["nom_delegataire"].astype(object)
    out = pd.Series("la collectivité", index=inv.index, dtype=object)
    out[holder == DSP_HOLDER] = "un délégataire de service public"
    out[(holder != DSP_HOLDER) & holder.notna() & (holder != "Service")] = "un prestataire"
    out[holder.isna() & operator.notna()] = "un partenaire extérieur"
    return out


def _data_section(c: Committee, config: dict[str, Any]) -> str:
    inv = c.diag.inventory
    holders = _holders(inv)
    rows = []
    for theme, group in inv.groupby(inv["service_producteur"].astype(object).fillna(
            "Autres"), sort=True):
        kinds = holders[group.index].value_counts()
        who = ", ".join(f"{n} par {k}" for k, n in kinds.items())
        rows.append([html_text(theme), str(len(group)), html_text(who)])
    operators = sorted({str(v) for v in inv["nom_delegataire"].dropna()})
    ops = ("" if not operators else
           f"<p>Une partie des données est tenue par {len(operators)} organisme(s) "
           f"extérieur(s) qui travaillent pour la collectivité : "
           f"{html_text(', '.join(operators))}. Ces données appartiennent au service public ; "
           "la collectivité demande qu'elles lui soient remises.</p>")
    return ("<section><h2>Les données que nous tenons</h2>"
            f"<p>La collectivité a recensé <strong>{len(inv)}</strong> ensembles de données "
            f"(« jeux de données »), répartis en {len(rows)} thèmes.</p>"
            + table(["Thème", "Jeux de données", "Qui les tient"], rows) + ops + "</section>")


def _open_section(c: Committee, where: str) -> str:
    inv = c.diag.inventory
    opened = inv[inv["mode_acces"].astype(object) == OPEN_MODE]
    if opened.empty:
        text = "<p>Aucun jeu de données n'est encore publié en données ouvertes.</p>"
    else:
        rows = [[html_text(r["titre"]), html_text(r["service_producteur"]),
                 html_text(r["licence"]) or "licence en cours de choix",
                 html_text(r["format"])] for _, r in opened.iterrows()]
        text = (f"<p><strong>{len(opened)}</strong> jeu(x) de données sont ouverts : chacun "
                f"peut les consulter et les réutiliser librement, {where}.</p>"
                + table(["Jeu de données", "Thème", "Licence", "Format"], rows))
    return ("<section><h2>Ce qui est ouvert, et où</h2>" + text
            + "<p>Les indicateurs suivis ci-dessous sont aussi publiés en fichiers ouverts "
              "(CSV), avec leur description.</p></section>")


def _project_section(c: Committee) -> str:
    prio = c.prio
    if prio is None or prio.choice is None:
        return ("<section><h2>Le projet choisi</h2><p>Le projet de données n'est pas encore "
                "choisi : il le sera au prochain comité de pilotage.</p></section>")
    best = prio.cases.set_index("code").loc[prio.choice]
    why = QUADRANT_WORDS.get(str(best["quadrant"]), "le meilleur compromis")
    held = int(prio.robustness["même choix"].sum()) if len(prio.robustness) else 0
    steady = (f" Ce choix reste le même dans {held} façons de pondérer les critères sur "
              f"{len(prio.robustness)}." if len(prio.robustness) else "")
    return ("<section><h2>Le projet choisi, et pourquoi</h2>"
            f"<p><strong>{html_text(best['titre'])}</strong> (porté par le service "
            f"{html_text(best['service_porteur'])}).</p>"
            f"<p>Parmi {len(prio.cases)} projets possibles, il a été retenu parce qu'il "
            f"offre {why} : bénéfice attendu {fmt_number(best['impact'], 1)} sur 5, "
            f"difficulté {fmt_number(best['complexite'], 1)} sur 5, et les données "
            f"nécessaires sont accessibles.{steady}</p></section>")


def _status_class(status: str) -> str:
    if status in ON_TRACK:
        return "ok"
    return "late" if status in LATE else "none"


def _value(value: Any, unit: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    unit = unit if isinstance(unit, str) else ""
    return html_text(f"{fmt_number(value)} {unit}".strip())


def _kpi_section(c: Committee) -> str:
    summary = c.kpis.summary
    rows = []
    for _, k in summary.iterrows():
        status = str(k["statut"])
        target = _value(k["cible"], k["unite"])
        if target != "—" and pd.notna(k["echeance"]):
            target += f" en {pd.Timestamp(k['echeance']).year}"
        rows.append([html_text(k["libelle"]), html_text(k["secteur"]),
                     _value(k["derniere_valeur"], k["unite"]), target,
                     (f'<span class="{_status_class(status)}">'
                     f"{html_text(STATUS_WORDS.get(status, status))}</span>")])
    good = int(summary["statut"].isin(ON_TRACK).sum())
    return ("<section><h2>Nos indicateurs et leurs progrès</h2>"
            f"<p>La collectivité suit {len(summary)} indicateurs ; au "
            f"{fmt_date(c.date)}, {good} ont atteint leur objectif ou sont en bonne voie.</p>"
            + table(["Indicateur", "Thème", "Dernière valeur", "Objectif", "Où en est-on"],
                    rows) + "</section>")


def _privacy_section(c: Committee, config: dict[str, Any]) -> str:
    team = config.get("equipe_donnees") or {}
    dpo = team.get("dpo") if isinstance(team, dict) else None
    count = len(c.diag.register)
    dpo_text = (f"La collectivité a un délégué à la protection des données ({html_text(dpo)}) : "
                "c'est à lui que vous pouvez demander à consulter, corriger ou effacer les "
                "données qui vous concernent." if dpo else
                "Vous pouvez demander à la mairie à consulter, corriger ou effacer les données "
                "qui vous concernent.")
    return ("<section><h2>Comment vos données personnelles sont protégées</h2>"
            f"<p>La collectivité tient un registre de ses traitements de données personnelles "
            f"(comme le demande le RGPD) : il décrit <strong>{count}</strong> traitement(s), "
            "leur but, les données utilisées, qui les reçoit et combien de temps elles sont "
            f"gardées.</p><p>{dpo_text}</p><p>Aucune donnée personnelle n'est publiée : les "
            "fichiers ouverts ne contiennent que des chiffres d'ensemble, et les effectifs "
            "trop petits sont masqués.</p></section>")


def _join_section(contact: str) -> str:
    return ("<section><h2>Comment participer</h2><ul>"
            "<li>Réutilisez les données ouvertes (étude, application, article, projet "
            "d'école) et faites-le savoir : la collectivité en tient la liste.</li>"
            "<li>Dites quelles données vous aimeriez voir publiées, ou signalez une erreur.</li>"
            "<li>Participez aux consultations sur les projets de données, annoncées par la "
            "collectivité.</li>"
            f"<li>Pour tout cela, contactez {html_text(contact)}.</li></ul></section>")


def public_html(c: Committee, config: dict[str, Any] | None = None) -> str:
    """Texte HTML de la page pour les habitants (voir `write_public_page`)."""
    config = config or {}
    opts = settings(config)
    portal = opts.get("portail")
    where = (f"sur le portail {html_text(portal)}" if portal
             else "sur le portail de données de la collectivité ou à la mairie")
    sections = [_data_section(c, config), _open_section(c, where), _project_section(c),
                _kpi_section(c), _privacy_section(c, config),
                _join_section(str(opts.get("contact") or DEFAULT_CONTACT))]
    name = html_text(c.collectivite)
    return page(f"{name} : nos données",
                "Ce que la collectivité sait, ce qu'elle publie et ce qu'elle en fait.",
                sections, f"Page mise à jour le {fmt_date(c.date)}. Données publiées sous "
                          "Licence Ouverte / Open Licence version 2.0.")


def write_public_page(committee: Committee, dest: str | Path,
                      config: dict[str, Any] | None = None) -> Path:
    """Écrit la page pour les habitants ``public/index.html`` dans le dossier `dest`.

    Parameters
    ----------
    committee
        Résultat de `kit.comite.run_committee`.
    dest
        Dossier de sortie (celui de ``kit rapport``) ; la page va dans ``dest/public/``.
    config
        Configuration (facultative) : fonction du délégué à la protection des données
        (``equipe_donnees.dpo``), section ``publication`` (``portail``, ``contact``).

    Returns
    -------
    Path
        Chemin de la page écrite.
    """
    folder = Path(dest) / "public"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.html"
    path.write_text(public_html(committee, config), encoding="utf-8")
    return path
