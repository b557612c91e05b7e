"""Étape 2 — Priorisation : noter les cas d'usage candidats, en choisir un, vérifier son groupe
de travail.

Chaque cas d'usage est noté de 1 à 5 sur quatre impacts (service aux habitants, économies,
transition écologique, aide à la décision) et cinq critères de complexité (parties prenantes,
quantité, qualité et accessibilité des données, données personnelles). Les quatre derniers
critères, laissés vides, sont **calculés à partir de l'inventaire de l'étape 1** à partir des
jeux de données que le cas d'usage cite ; une note saisie qui s'écarte de l'inventaire de deux
points ou plus est signalée. Le cas recommandé est le mieux classé (impact moins complexité)
dont les données sont accessibles ; on vérifie ensuite que le choix tient quand on change les
poids, et que son groupe de travail réunit les rôles attendus (élu référent, DSI, direction
métier, DPO s'il y a des données personnelles, société civile).

Fonctions pures (tableau en entrée, tableau en sortie), sauf `run_prioritization` qui lit les
fichiers désignés par la configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit._format import fmt_number
from kit._gate import markdown_text
from kit.errors import ConfigError
from kit.workspace import (
    DSP_HOLDER,
    cached,
    load_inventories,
    load_many,
    problem,
    problems_frame,
    row_problem,
    section_paths,
    split_ids,
    unknown_ids,
)

__all__ = ["COMPLEXITIES", "COSTS", "IMPACTS", "QUADRANTS", "ROLES", "Prioritization",
           "check_group", "derive_complexity", "funding_hint", "load_use_cases", "prioritize",
           "ranking_table", "robustness",
           "run_prioritization",
           "score_use_cases", "write_synthesis"]

#: Critères d'impact (colonne du modèle → libellé court).
IMPACTS = {"impact_usagers": "service aux habitants", "impact_efficience": "économies",
           "impact_environnement": "transition écologique", "impact_decision": "aide à la décision"}
#: Critères de complexité (colonne du modèle → libellé court).
COMPLEXITIES = {"complexite_acteurs": "parties prenantes", "complexite_volume": "quantité",
                "complexite_qualite": "qualité", "complexite_acces": "accès",
                "complexite_rgpd": "données personnelles"}
#: Rôles attendus dans chaque groupe de travail (le DPO seulement s'il y a des données
#: personnelles : complexité « données personnelles » de 4 ou plus).
ROLES = ["Élu référent", "DSI", "Direction métier", "DPO", "Société civile"]
#: Quadrants de la matrice impact / complexité (seuil : 3 sur 5).
QUADRANTS = {(True, False): "gain rapide", (True, True): "projet structurant",
             (False, False): "petit pas", (False, True): "à reporter"}

#: Coûts facultatifs du modèle (colonne → libellé), montrés à côté du score, jamais notés.
COSTS = {"cout_estime": "coût estimé (€ HT)", "temps_agent_jours": "temps agent (jours)"}
#: Au-delà de ce coût (€ HT), un cas d'usage relève d'une subvention d'investissement.
_LARGE_COST = 50_000

#: Mode d'accès déclaré dans l'inventaire → complexité d'accès.
_ACCESS = {"Interne": 1, "Open data publié": 1, "API": 2, "Export manuel": 3, "Payant": 4,
           "Inaccessible": 5}
#: Qualité déclarée (1 = inutilisable … 4 = fiable) → complexité de qualité.
_QUALITY = {4: 1, 3: 2, 2: 4, 1: 5}
#: Volume total (lignes) → complexité de quantité : moins de 1 000 → 1 … un million ou plus → 5.
_VOLUME_STEPS = (1_000, 10_000, 100_000, 1_000_000)
_ALL = {**IMPACTS, **COMPLEXITIES}


@dataclass
class Prioritization:
    """Résultat de l'étape 2."""

    #: un cas d'usage par ligne : code, titre, service_porteur, notes, impact, complexite,
    #: ecart, quadrant, rang, bloquant, groupe_complet
    cases: pd.DataFrame
    #: une note par ligne : code, critere, famille, libelle, note, origine, detail
    criteria: pd.DataFrame
    #: un rôle par ligne et par cas d'usage : code, role, statut, fonction, structure
    group: pd.DataFrame
    #: problèmes (fichier, feuille, cellule, code, niveau, message)
    problems: pd.DataFrame
    #: code du cas d'usage recommandé (None si aucun n'est noté et accessible)
    choice: str | None
    #: variantes de pondération : variante, cas retenu, même choix
    robustness: pd.DataFrame
    weights: dict[str, float] = field(default_factory=dict)


def load_use_cases(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lit et valide la liste des cas d'usage (modèle ``cas_usage``)."""
    return load_many(path, "cas_usage")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _volume_note(total: float) -> int:
    return 1 + int(np.searchsorted(_VOLUME_STEPS, total, side="right"))


def derive_complexity(ids: list[str], inventory: pd.DataFrame) -> dict[str, tuple[int, str]]:
    """Complexités que l'inventaire permet de calculer pour les jeux `ids`.

    Returns
    -------
    dict
        critère → (note de 1 à 5, explication en français) ; un critère que l'inventaire ne
        renseigne pour aucun de ces jeux est absent.
    """
    rows = inventory[inventory["identifiant"].astype(str).str.upper().isin(ids)]
    out: dict[str, tuple[int, str]] = {}
    if rows.empty:
        return out
    volume = pd.to_numeric(rows["volume"], errors="coerce")
    if volume.notna().any():
        total = float(volume.sum())
        out["complexite_volume"] = (_volume_note(total), f"{fmt_number(total, 0)} lignes au total")
    quality = pd.to_numeric(rows["qualite"], errors="coerce")
    if quality.notna().any():
        worst = rows.loc[quality.idxmin()]
        out["complexite_qualite"] = (_QUALITY[int(quality.min())],
                                     f"{worst['identifiant']} : qualité {int(quality.min())} sur 4")
    access = []
    for _, row in rows.iterrows():
        note = _ACCESS.get(_text(row["mode_acces"]))
        why = _text(row["mode_acces"]).lower() if note else "mode d'accès non renseigné"
        if _text(row.get("detenteur")) == DSP_HOLDER:
            clause = _text(row.get("clauses_donnees_dsp"))
            if clause == "non":
                note, why = max(note or 0, 4), why + ", délégataire sans clause données"
            elif clause != "oui":
                note, why = max(note or 0, 3), why + ", clause données du délégataire inconnue"
        if note:
            access.append((note, f"{row['identifiant']} : {why}"))
    if access:
        out["complexite_acces"] = max(access, key=lambda a: a[0])
    personal = rows["donnees_personnelles"]
    if personal.notna().any():
        flagged = rows[personal.fillna(False).astype(bool)]
        unregistered = flagged[flagged["reference_registre"].isna()]
        if not unregistered.empty:
            out["complexite_rgpd"] = (5, f"{unregistered['identifiant'].iloc[0]} : données "
                                         "personnelles sans traitement au registre")
        elif not flagged.empty:
            out["complexite_rgpd"] = (4, f"données personnelles ({', '.join(flagged['identifiant'])})")
        else:
            out["complexite_rgpd"] = (1, "aucune donnée personnelle")
    return out


def _criteria(cases: pd.DataFrame, inventory: pd.DataFrame | None
              ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Notes de chaque cas (saisies ou calculées) et problèmes de cohérence avec l'inventaire."""
    known = set(inventory["identifiant"].dropna().astype(str).str.upper()) \
        if inventory is not None else None
    rows, found = [], []
    for _, case in cases.iterrows():
        ids = split_ids(case.get("jeux_donnees"))
        unknown = unknown_ids(case.get("jeux_donnees"), known)
        if unknown:
            found.append(row_problem(cases, case, "jeux_donnees", (
                f"Le cas d'usage {case['code']} cite {', '.join(unknown)}, absent de "
                "l'inventaire des données : ajoutez ce jeu à l'inventaire du service qui le "
                "détient, ou corrigez son identifiant."), "jeu-inconnu", "avertissement"))
        derived = derive_complexity(ids, inventory) if inventory is not None else {}
        for column, label in _ALL.items():
            typed, origin, detail = case.get(column), "saisie", ""
            calc = derived.get(column)
            if pd.isna(typed):
                if calc:
                    typed, origin, detail = calc[0], "inventaire", calc[1]
                else:
                    origin = "manquante"
            elif calc and abs(int(typed) - calc[0]) >= 2:
                detail = f"l'inventaire donnerait {calc[0]} ({calc[1]})"
                found.append(row_problem(cases, case, column, (
                    f"{case['code']} : la note « {label} » saisie ({int(typed)}) s'écarte de "
                    f"ce que dit l'inventaire ({calc[0]} : {calc[1]}). Vérifiez l'une ou "
                    "l'autre ; la note saisie est gardée."), "note-incoherente", "avertissement"))
            rows.append({"code": case["code"], "critere": column,
                         "famille": "impact" if column in IMPACTS else "complexité",
                         "libelle": label, "note": typed if pd.notna(typed) else np.nan,
                         "origine": origin, "detail": detail})
    table = pd.DataFrame(rows, columns=["code", "critere", "famille", "libelle", "note",
                                        "origine", "detail"])
    table["note"] = pd.to_numeric(table["note"], errors="coerce")
    return table, found


def _weighted(criteria: pd.DataFrame, family: str, weights: dict[str, float]) -> pd.Series:
    part = criteria[(criteria["famille"] == family) & criteria["note"].notna()]
    w = part["critere"].map(lambda c: float(weights.get(c, 1.0)))
    part = part.assign(w=w, wn=w * part["note"])
    sums = part.groupby("code", sort=False)[["w", "wn"]].sum()
    return (sums["wn"] / sums["w"].where(sums["w"] > 0)).rename(family)


def score_use_cases(cases: pd.DataFrame, criteria: pd.DataFrame,
                    weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Impact et complexité (moyennes pondérées des notes, de 1 à 5), écart, quadrant et rang.

    Rang : écart (impact − complexité) décroissant, puis impact décroissant, puis code. Un cas
    dont l'accès aux données est noté 5 (inaccessibles) est « bloquant » : il est classé mais
    ne peut pas être recommandé tant que l'accès n'est pas réglé.
    """
    weights = weights or {}
    out = cases[["code", "titre", "service_porteur"]].drop_duplicates("code").set_index("code")
    out["impact"] = _weighted(criteria, "impact", weights)
    out["complexite"] = _weighted(criteria, "complexité", weights)
    out["ecart"] = out["impact"] - out["complexite"]
    access = criteria[criteria["critere"] == "complexite_acces"].set_index("code")["note"]
    out["bloquant"] = access.reindex(out.index).eq(5).fillna(False).astype(bool)
    scored = out["ecart"].notna()
    out["quadrant"] = [QUADRANTS[(i >= 3, c >= 3)] if ok else "non noté"
                       for i, c, ok in zip(out["impact"], out["complexite"], scored)]
    order = out[scored].rename_axis("cle").reset_index().sort_values(
        ["ecart", "impact", "cle"], ascending=[False, False, True], kind="stable")["cle"]
    out["rang"] = pd.Series(np.arange(1, len(order) + 1), index=order).reindex(out.index)
    out["rang"] = out["rang"].astype("Int64")
    first = cases.drop_duplicates("code").set_index("code")
    for column in COSTS:  # colonnes facultatives : absentes des fichiers d'avant la 1.1.0
        out[column] = pd.to_numeric(first[column], errors="coerce").reindex(out.index) \
            if column in first.columns else np.nan
    return out.sort_values("rang", na_position="last", kind="stable").reset_index()


def _choice(scores: pd.DataFrame) -> str | None:
    ok = scores[scores["rang"].notna() & ~scores["bloquant"]]
    return None if ok.empty else str(ok.sort_values("rang").iloc[0]["code"])


def robustness(cases: pd.DataFrame, criteria: pd.DataFrame,
               weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Le choix tient-il si l'on change les poids ? Variantes : poids égaux, puis chaque
    critère ignoré à tour de rôle (poids 0)."""
    weights = dict(weights or {})
    base = _choice(score_use_cases(cases, criteria, weights))
    variants = [("pondération retenue", weights), ("poids égaux", {})]
    variants += [(f"sans « {label} »", {**weights, column: 0.0}) for column, label in _ALL.items()]
    rows = []
    for name, w in variants:
        chosen = _choice(score_use_cases(cases, criteria, w))
        rows.append({"variante": name, "cas retenu": chosen, "même choix": chosen == base})
    return pd.DataFrame(rows)


def check_group(group: pd.DataFrame, scores: pd.DataFrame, criteria: pd.DataFrame
                ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Statut de chaque rôle attendu dans le groupe de travail de chaque cas d'usage.

    Statuts : « engagé » (accord obtenu), « à confirmer » (inscrit, accord non obtenu),
    « manquant » (rôle attendu absent), « non requis » (DPO sans données personnelles).
    """
    rgpd = criteria[criteria["critere"] == "complexite_rgpd"].set_index("code")["note"]
    codes = set(scores["code"])
    source = (group.attrs.get("fichiers") or [""])[0]
    found = []
    for _, row in group[~group["cas_usage"].isin(codes) & group["cas_usage"].notna()].iterrows():
        found.append(row_problem(group, row, "cas_usage", (
            f"Le groupe de travail cite le cas d'usage {row['cas_usage']}, absent de la liste "
            "des cas d'usage : corrigez le code."), "cas-inconnu", "avertissement"))
    rows = []
    for code in scores["code"]:
        members = group[group["cas_usage"] == code]
        personal = bool(rgpd.get(code, np.nan) >= 4)
        if members.empty:
            found.append(problem(source, (
                f"Le cas d'usage {code} n'a pas encore de groupe de travail : inscrivez au "
                "moins un élu référent, la DSI, la direction métier"
                + (", le DPO" if personal else "") + " et un représentant de la société civile."),
                code="groupe-absent", niveau="avertissement", colonne="cas_usage"))
        for role in ROLES:
            held = members[members["role"] == role]
            if not held.empty:
                agreed = held["accord"].fillna(False).astype(bool).any()
                status = "engagé" if agreed else "à confirmer"
            elif role == "DPO" and not personal:
                status = "non requis"
            else:
                status = "manquant"
            if status == "manquant" and not members.empty:  # groupe absent : signalé en une fois
                why = " alors que le cas d'usage traite des données personnelles" \
                    if role == "DPO" else ""
                found.append(problem(source, (
                    f"Le groupe de travail de {code} n'a pas de « {role} »{why} : désignez "
                    "quelqu'un avant de lancer le projet."), code="role-manquant",
                    niveau="erreur" if role == "DPO" else "avertissement", colonne="role"))
            rows.append({"code": code, "role": role, "statut": status,
                         "fonction": "; ".join(held["fonction"].dropna().astype(str)),
                         "structure": "; ".join(held["structure"].dropna().astype(str))})
    return pd.DataFrame(rows, columns=["code", "role", "statut", "fonction", "structure"]), found


def prioritize(cases: pd.DataFrame, group: pd.DataFrame | None = None,
               inventory: pd.DataFrame | None = None, weights: dict[str, float] | None = None,
               problems: pd.DataFrame | None = None) -> Prioritization:
    """Toute l'étape 2 sur des tableaux déjà lus (voir `run_prioritization`)."""
    try:
        weights = {str(k): float(v) for k, v in (weights or {}).items()}
    except (TypeError, ValueError):
        raise ConfigError(f"« priorisation.poids » doit associer des critères à des nombres "
                          f"(par exemple « impact_usagers: 2 ») ; reçu : {weights!r}.") from None
    except AttributeError:
        raise ConfigError("« priorisation.poids » doit être une liste « critère: poids » "
                          "(par exemple « impact_usagers: 2 »).") from None
    unknown = sorted(set(weights) - set(_ALL))
    if unknown:
        raise ConfigError(f"Poids inconnus dans « priorisation.poids » : {', '.join(unknown)}. "
                          f"Critères possibles : {', '.join(_ALL)}.")
    negative = sorted(k for k, v in weights.items() if v < 0)
    if negative:
        raise ConfigError(f"Poids négatifs dans « priorisation.poids » : {', '.join(negative)}. "
                          "Un poids vaut 0 (critère ignoré) ou plus.")
    # un code vide ou en double est déjà signalé par la validation : la ligne (ou sa copie)
    # n'est pas notée
    cases = cases[cases["code"].notna()].drop_duplicates("code")
    criteria, found = _criteria(cases, inventory)
    scores = score_use_cases(cases, criteria, weights)
    group_status = pd.DataFrame(columns=["code", "role", "statut", "fonction", "structure"])
    if group is not None:
        group_status, more = check_group(group, scores, criteria)
        found += more
        missing = group_status[group_status["statut"] == "manquant"].groupby("code").size()
        scores["groupe_complet"] = ~scores["code"].isin(missing.index)
    else:
        scores["groupe_complet"] = pd.NA
    return Prioritization(
        cases=scores, criteria=criteria, group=group_status,
        problems=problems_frame([problems if problems is not None else pd.DataFrame(), *found]),
        choice=_choice(scores), robustness=robustness(cases, criteria, weights),
        weights=weights)


def run_prioritization(config: dict[str, Any], inventory: pd.DataFrame | None = None
                     ) -> Prioritization:
    """Lit la section ``priorisation`` de la configuration et mène toute l'étape 2.

    Clés : ``cas_usage`` (fichier des cas d'usage), ``groupe_travail`` (facultatif),
    ``inventaires`` (facultatif : dossier des inventaires de l'étape 1, pour calculer les
    complexités laissées vides), ``poids`` (facultatif : critère → poids, 1 par défaut).
    `inventory` : ces inventaires déjà lus (par le diagnostic), pour ne pas relire les
    fichiers.
    """
    return cached("priorisation", config, lambda: _run_prioritization(config, inventory))


def _run_prioritization(config: dict[str, Any],
                        inventory: pd.DataFrame | None) -> Prioritization:
    """Calcul de `run_prioritization`, sans cache."""
    section, paths = section_paths(
        config, "priorisation", {"cas_usage": "fichier des cas d'usage candidats"},
        ("groupe_travail", "inventaires"))
    cases, found = load_use_cases(paths["cas_usage"])
    problems = [found]
    group = None
    if "groupe_travail" in paths:
        group, group_problems = load_many(paths["groupe_travail"], "groupe_travail")
        problems.append(group_problems)
    if inventory is None and "inventaires" in paths:
        inventory, _ = load_inventories(paths["inventaires"])  # contrôlés à l'étape 1
    return prioritize(cases, group, inventory, section.get("poids"), problems_frame(problems))


def ranking_table(prio: Prioritization) -> pd.DataFrame:
    """Classement des cas d'usage, colonnes en français, pour un rapport."""
    out = prio.cases.rename(columns={"titre": "cas d'usage", "service_porteur": "service porteur",
                                     "complexite": "complexité"})
    out["données accessibles"] = ~out["bloquant"]
    out = out.rename(columns=COSTS)
    for label in COSTS.values():
        if label not in out.columns:
            out[label] = np.nan
    return out[["rang", "code", "cas d'usage", "service porteur", "impact", "complexité",
                *COSTS.values(), "quadrant", "données accessibles"]]


def funding_hint(cost: float, environment: float | None = None) -> str:
    """Financements qu'un cas d'usage pourrait chercher, d'après son coût estimé (€ HT) et sa
    note d'impact « transition écologique ».

    Hypothèse (à vérifier auprès de la préfecture et de la région, les règles changent chaque
    année) : au-delà de 50 000 € HT, une subvention d'investissement (DSIL, DETR pour les
    communes rurales) et l'appui en ingénierie de la Banque des Territoires ; un fort impact
    écologique (4 ou 5) ouvre aussi le FEDER ; en deçà, fonds propres ou mutualisation avec
    l'EPCI et les communes voisines.

    >>> print(funding_hint(20000))
    fonds propres, ou mutualisation avec l'EPCI et les communes voisines
    """
    if pd.isna(cost):
        return ""
    if cost < _LARGE_COST:
        return "fonds propres, ou mutualisation avec l'EPCI et les communes voisines"
    hint = "DSIL (ou DETR), appui en ingénierie de la Banque des Territoires"
    if environment is not None and not pd.isna(environment) and environment >= 4:
        hint += ", FEDER (volet transition écologique)"
    return hint


def write_synthesis(prio: Prioritization) -> str:
    """Synthèse en français (Markdown) rédigée à partir des résultats."""
    scores = prio.cases.set_index("code")
    if prio.choice is None:
        return ("**Aucun cas d'usage ne peut être recommandé** : aucun n'est noté, ou tous "
                "dépendent de données inaccessibles. Complétez les notes ou réglez l'accès aux "
                "données (clauses des délégations) avant de choisir.")
    best = scores.loc[prio.choice]
    lines = [f"**Cas d'usage recommandé : {prio.choice} — {best['titre']}** "
             f"(porté par {best['service_porteur']}) : impact {fmt_number(best['impact'], 1)} "
             f"sur 5, complexité {fmt_number(best['complexite'], 1)} sur 5, soit un "
             f"« {best['quadrant']} »."]
    if pd.notna(best.get("cout_estime", np.nan)):
        notes = prio.criteria[(prio.criteria["code"] == prio.choice)
                              & (prio.criteria["critere"] == "impact_environnement")]["note"]
        days = best.get("temps_agent_jours", np.nan)
        staff = f" et {fmt_number(days, 0)} jours de travail des agents" if pd.notna(days) else ""
        lines.append(f"Il coûterait {fmt_number(best['cout_estime'], 0)} € HT{staff} ; "
                     "financements à chercher : "
                     f"{funding_hint(best['cout_estime'], notes.max() if len(notes) else None)}"
                     " (à inscrire dans la feuille de route, feuille « Budget »).")
    else:
        lines.append("Son coût n'est pas estimé : renseignez la colonne « Coût estimé (€ HT) » "
                     "pour préparer son plan de financement.")
    tied = scores[(scores.index != prio.choice) & ~scores["bloquant"]
                  & np.isclose(scores["ecart"], best["ecart"])
                  & np.isclose(scores["impact"], best["impact"])]
    if not tied.empty:
        lines.append(f"À égalité avec {', '.join(tied.index)} (même impact, même complexité) : "
                     "le classement les départage par leur code ; tranchez en comité.")
    top = scores[scores["rang"] == 1]
    if not top.empty and top.index[0] != prio.choice:
        lines.append(f"Le mieux classé, {top.index[0]} ({top.iloc[0]['titre']}), dépend de "
                     "données inaccessibles : il sera possible une fois l'accès réglé.")
    held = int(prio.robustness["même choix"].sum())
    changes = prio.robustness[~prio.robustness["même choix"]]
    sentence = f"Le choix tient dans {held} variantes de pondération sur {len(prio.robustness)}"
    if changes.empty:
        lines.append(sentence + " : il ne dépend pas des poids retenus.")
    else:
        alt = ", ".join(f"{v} → {c}" for v, c in zip(changes["variante"],
                                                     changes["cas retenu"]))
        lines.append(sentence + f" ; il change ainsi : {alt}. Discutez ces critères en comité.")
    if not prio.group.empty:
        mine = prio.group[prio.group["code"] == prio.choice]
        missing = mine[mine["statut"] == "manquant"]["role"].tolist()
        pending = mine[mine["statut"] == "à confirmer"]["role"].tolist()
        if missing:
            lines.append(f"Son groupe de travail est incomplet : manque {', '.join(missing)}.")
        elif pending:
            lines.append("Son groupe de travail est complet ; accord à confirmer : "
                         f"{', '.join(pending)}.")
        else:
            lines.append("Son groupe de travail est complet et chacun a donné son accord.")
    blocked = scores[scores["bloquant"]]
    if not blocked.empty:
        lines.append("Bloqués par l'accès aux données : " + ", ".join(
            f"{c} ({t})" for c, t in blocked["titre"].items()) + ".")
    derived = int((prio.criteria["origine"] == "inventaire").sum())
    if derived:
        lines.append(f"{derived} notes de complexité ont été calculées à partir de "
                     "l'inventaire des données de l'étape 1.")
    return markdown_text("\n\n".join(lines))


# Anciens noms (version 0.1), gardés pour les notebooks déjà copiés par les équipes.
run_priorisation = run_prioritization
Priorisation = Prioritization
