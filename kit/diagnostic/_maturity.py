"""Maturité données : lecture des questionnaires, scores par axe et par service, évolution
entre deux campagnes, comparaison anonyme avec d'autres collectivités, carte des compétences.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from kit._gate import neutralise_frame
from kit.diagnostic._respondents import NO_PROFILE, comments, respondent_profile
from kit.errors import DataError, KitError
from kit.quality import personal_findings
from kit.templates import PROFILES, read_identification
from kit.workspace import expand_sources, load_many, problem, problems_frame

__all__ = [
    "LEVELS",
    "compare_with_peers",
    "export_open_maturity",
    "improvement_actions",
    "level_label",
    "load_maturity",
    "load_peer_maturity",
    "maturity_levels",
    "maturity_progress",
    "peer_lessons",
    "score_maturity",
    "skills_map",
    "strengths_weaknesses",
]

#: Libellés des cinq niveaux de l'échelle du questionnaire.
LEVELS = {1: "Découverte", 2: "Initiation", 3: "Structuration", 4: "Maîtrise",
          5: "Exemplarité"}

#: Seuils des constats par axe (échelle 1 à 5).
STRONG, WEAK = 3.5, 2.5

#: En dessous de ce nombre d'agents, un service est regroupé dans « Autres services » dans la
#: carte des compétences : on ne doit pas pouvoir y lire le niveau d'une personne.
MIN_AGENTS = 3

_ANSWER_COLUMNS = ["campagne", "service", "profil", "fichier", "feuille", "ligne", "axe", "code",
                   "question", "reponse", "niveau_cible", "commentaire", "action_amelioration",
                   "niveau_1", "niveau_2", "niveau_3", "niveau_4", "niveau_5"]


def level_label(score: float | None) -> str:
    """Libellé du niveau le plus proche : 2,4 → « Initiation » ; 2,5 → « Structuration ».

    Examples
    --------
    >>> level_label(2.4), level_label(2.5), level_label(None)
    ('Initiation', 'Structuration', '—')
    """
    if score is None or pd.isna(score):
        return "—"
    return LEVELS[min(5, max(1, math.floor(float(score) + 0.5)))]


def _identification(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:

    try:
        return read_identification(path), []
    except KitError as exc:
        return {}, [problem(path, str(exc), code="identification", niveau="avertissement",
                            feuille="Identification")]


def load_maturity(sources: str | Path | Iterable[str | Path], campagne: str | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lit les questionnaires de maturité remplis par les services (une campagne).

    Parameters
    ----------
    sources
        Dossier, fichier ou liste de fichiers remplis d'après
        ``templates/questionnaire_maturite.xlsx``.
    campagne
        Libellé de la campagne (par exemple « 2025 ») ; par défaut l'année de la date
        indiquée dans la feuille « Identification » de chaque fichier.

    Returns
    -------
    tuple[pandas.DataFrame, pandas.DataFrame]
        Les réponses (une ligne par service et par question : campagne, service, profil du
        répondant, fichier, feuille, ligne, axe, code, question, reponse, niveau_cible,
        commentaire, action_amelioration, niveau_1 à niveau_5) et les
        problèmes. Une réponse hors de l'échelle 1 à 5 est écartée et citée avec sa cellule ; un
        questionnaire sans aucune réponse est signalé et n'est pas compté ; un questionnaire
        auquel manquent des questions que les autres ont (ancienne version du modèle) est
        signalé, ses réponses sont comptées. Un questionnaire de la version 1.0.0 (24
        questions, sans profil) se lit : son profil est « non indiqué ».
    """
    frames, problems = [], []
    for path in expand_sources(sources, template="questionnaire_maturite"):
        ident, found = _identification(path)
        problems += found
        table, issues = load_many(path, "questionnaire_maturite", sheet="Questionnaire")
        problems.append(issues)
        if table.empty:
            continue
        service = ident.get("service") or path.stem
        label = campagne or (str(ident["campagne"].year) if ident.get("campagne") else None)
        if label is None:
            problems.append(problem(path, (
                "La date de la campagne est absente de la feuille « Identification » et aucune "
                "campagne n'est indiquée dans la configuration : les réponses sont rangées dans "
                "la campagne « inconnue »."), code="identification", niveau="avertissement",
                feuille="Identification"))
        if table["reponse"].isna().all():
            letter = table.attrs["lettres"].get(path.name, {}).get("reponse", "?")
            problems.append(problem(path, (
                f"Le questionnaire du service « {service} » ne contient aucune réponse (colonne "
                f"« Réponse », cellules {letter}{table['ligne'].min()} à "
                f"{letter}{table['ligne'].max()}) : il n'est pas compté. Relancez le service."),
                code="questionnaire-vide", niveau="avertissement", feuille="Questionnaire"))
            continue
        profil = respondent_profile(ident.get("profil"))
        if profil == NO_PROFILE and str(ident.get("profil") or "").strip():
            problems.append(problem(path, (
                f"Profil du répondant « {ident['profil']} » non reconnu (feuille "
                f"« Identification ») : attendu {', '.join(PROFILES)}. Les réponses sont "
                f"comptées sous « {NO_PROFILE} »."), code="profil-inconnu",
                niveau="avertissement", feuille="Identification"))
        if "commentaire" not in table.columns:
            table = table.assign(commentaire=None)
        frames.append(table.assign(campagne=label or "inconnue", service=service,
                                   profil=profil))
    if not frames:
        return pd.DataFrame(columns=_ANSWER_COLUMNS), problems_frame(problems)
    answers = pd.concat(frames, ignore_index=True)[_ANSWER_COLUMNS]
    problems += _missing_questions(answers)
    return answers, problems_frame(problems)


def _missing_questions(answers: pd.DataFrame) -> list[dict[str, Any]]:
    found = []
    for _, camp in answers.groupby("campagne"):
        every = set(camp["code"].dropna())
        for fichier, one in camp.groupby("fichier"):
            missing = sorted(every - set(one["code"].dropna()))
            if missing:
                found.append(problem(fichier, (
                    f"Il manque {len(missing)} question(s) que les autres services ont reçues "
                    f"({', '.join(missing)}) : le fichier suit sans doute une ancienne version "
                    "du modèle. Les réponses présentes sont comptées ; envoyez le modèle à jour "
                    "au service pour la prochaine campagne."), code="ancienne-version",
                    niveau="avertissement", feuille="Questionnaire"))
    return found


def score_maturity(answers: pd.DataFrame, by: str = "service") -> pd.DataFrame:
    """Score de chaque service (ou de chaque profil de répondant, ``by="profil"``) sur chaque
    axe : moyenne des réponses données (1 à 5).

    Une question sans réponse (« je ne sais pas ») n'entre pas dans la moyenne ; le nombre de
    réponses est donné à côté. ``cible`` est la moyenne des niveaux visés indiqués et
    ``ecart`` = cible − score (vide sans cible).

    Examples
    --------
    >>> a = pd.DataFrame({"campagne": "2025", "service": "Eau", "axe": ["G", "G", "Q"],
    ...     "code": ["G-1", "G-2", "Q-1"], "reponse": [2, 3, None],
    ...     "niveau_cible": [4, None, None]})
    >>> score_maturity(a)[["axe", "score", "cible", "ecart", "nb_reponses"]].values.tolist()
    [['G', 2.5, 4.0, 1.5, 2], ['Q', nan, nan, nan, 0]]
    """
    if by not in ("service", "profil"):
        raise KitError(f"« by » vaut « service » ou « profil », reçu {by!r}.")
    data = answers.assign(
        reponse=pd.to_numeric(answers["reponse"]).astype(float),
        niveau_cible=pd.to_numeric(answers["niveau_cible"]).astype(float))
    if by not in data.columns:  # réponses lues avant l'arrivée du profil
        data[by] = NO_PROFILE
    data[by] = data[by].fillna(NO_PROFILE) if by == "profil" else data[by]
    out = data.groupby(["campagne", by, "axe"], sort=False).agg(
        score=("reponse", "mean"), cible=("niveau_cible", "mean"),
        nb_questions=("code", "size"), nb_reponses=("reponse", "count")).reset_index()
    out["ecart"] = out["cible"] - out["score"]
    out[["score", "cible", "ecart"]] = out[["score", "cible", "ecart"]].round(2)
    return out[["campagne", by, "axe", "score", "cible", "ecart", "nb_questions",
                "nb_reponses"]]


def maturity_levels(scores: pd.DataFrame) -> pd.DataFrame:
    """Score de la collectivité par axe (moyenne des services, chacun pesant autant).

    Ajoute une ligne « Ensemble » par campagne (moyenne des axes) et le libellé du niveau.
    """
    axes = scores.groupby(["campagne", "axe"], sort=False).agg(
        score=("score", "mean"), cible=("cible", "mean"),
        services=("score", "count")).reset_index()
    overall = axes.groupby("campagne", sort=False).agg(
        score=("score", "mean"), cible=("cible", "mean"),
        services=("services", "max")).reset_index().assign(axe="Ensemble")
    out = pd.concat([axes, overall], ignore_index=True)
    out["ecart"] = out["cible"] - out["score"]
    out[["score", "cible", "ecart"]] = out[["score", "cible", "ecart"]].round(2)
    out["niveau"] = out["score"].map(level_label)
    return out


def strengths_weaknesses(scores: pd.DataFrame, campagne: str | None = None) -> pd.DataFrame:
    """Axes classés du plus fort au plus faible pour une campagne (la dernière par défaut).

    « point fort » à partir de 3,5 sur 5, « point faible » jusqu'à 2,5, « intermédiaire »
    entre les deux ; ``meilleur_service`` et ``service_le_plus_faible`` aident à trouver qui
    peut partager ses pratiques.
    """
    campagne = campagne or sorted(scores["campagne"].unique())[-1]
    camp = scores[(scores["campagne"] == campagne) & scores["score"].notna()]
    rows = []
    for axe, g in camp.groupby("axe", sort=False):
        g = g.sort_values("score", kind="stable")
        mean = g["score"].mean()
        constat = ("point fort" if mean >= STRONG else "point faible" if mean <= WEAK
                   else "intermédiaire")
        rows.append({"axe": axe, "score": round(mean, 2), "niveau": level_label(mean),
                     "constat": constat, "meilleur_service": g["service"].iloc[-1],
                     "service_le_plus_faible": g["service"].iloc[0]})
    out = pd.DataFrame(rows).sort_values("score", ascending=False, kind="stable")
    return out.reset_index(drop=True)


def improvement_actions(answers: pd.DataFrame, threshold: float = 2.0,
                        campagne: str | None = None) -> pd.DataFrame:
    """Actions d'amélioration des questions les plus faibles (moyenne ≤ `threshold`).

    L'action est celle écrite dans le questionnaire (modifiable par le consultant) ; les
    services qui ont répondu 1 ou 2 sont listés, et ``commentaires`` reprend ce qu'ils ont
    écrit à côté de ces réponses (« Service : commentaire », e-mails et téléphones masqués).
    """
    campagne = campagne or sorted(answers["campagne"].unique())[-1]
    camp = answers[answers["campagne"] == campagne].assign(
        reponse=lambda d: pd.to_numeric(d["reponse"]).astype(float))
    rows = []
    for (axe, code), g in camp.groupby(["axe", "code"], sort=False):
        mean = g["reponse"].mean()
        if pd.isna(mean) or mean > threshold:
            continue
        actions = g["action_amelioration"].dropna()
        low = sorted(g.loc[g["reponse"] <= 2, "service"].unique())
        rows.append({"axe": axe, "code": code, "question": g["question"].iloc[0],
                     "score": round(mean, 2), "services_concernes": ", ".join(low),
                     "commentaires": comments(g[g["reponse"] <= 2]),
                     "action": actions.mode().iloc[0] if len(actions) else
                     "(aucune action proposée dans le questionnaire)"})
    columns = ["axe", "code", "question", "score", "services_concernes", "commentaires",
               "action"]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["score", "code"], kind="stable").reset_index(drop=True)


def maturity_progress(scores: pd.DataFrame, before: str | None = None,
                      after: str | None = None) -> pd.DataFrame:
    """Évolution par axe entre deux campagnes (par défaut les deux dernières).

    Les moyennes ne portent que sur les services présents aux deux campagnes, pour que
    l'arrivée d'un service ne fasse pas varier le score à elle seule.
    """
    camps = sorted(scores["campagne"].unique())
    if len(camps) < 2 and (before is None or after is None):
        raise KitError("Une seule campagne de maturité est disponible : l'évolution demande "
                       "deux campagnes (par exemple 2024 et 2025).")
    before, after = before or camps[-2], after or camps[-1]
    a = scores[scores["campagne"] == before]
    b = scores[scores["campagne"] == after]
    both = sorted(set(a["service"]) & set(b["service"]))
    rows = []
    for label, data in (("avant", a), ("apres", b)):
        part = data[data["service"].isin(both)].groupby("axe", sort=False)["score"].mean()
        rows.append(part.rename(f"score_{label}"))
    out = pd.concat(rows, axis=1).reset_index()
    out["evolution"] = (out["score_apres"] - out["score_avant"]).round(2)
    out[["score_avant", "score_apres"]] = out[["score_avant", "score_apres"]].round(2)
    out.attrs.update(avant=before, apres=after, services=both)
    return out.sort_values("evolution", ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- entre pairs
def export_open_maturity(answers: pd.DataFrame, path: str | Path, *, collectivite: str,
                         type_collectivite: str, strate: str, campagne: str | None = None,
                         date: str | None = None) -> pd.DataFrame:
    """Écrit les résultats de maturité en fichier ouvert et anonyme (CSV UTF-8, schéma
    ``maturite_ouverte``) et renvoie le tableau écrit.

    Seuls figurent le libellé choisi pour la collectivité, son type, sa strate, la date de la
    campagne et, par question, le score moyen et le nombre de réponses : ni nom de personne,
    ni nom de service, ni commentaire (texte libre qui pourrait en contenir). Le fichier passe
    par `kit._gate.neutralise_frame` (pas de formule exécutée à l'ouverture).

    Raises
    ------
    DataError
        Une colonne du tableau contient une donnée personnelle soupçonnée (par exemple un
        e-mail dans le libellé de la collectivité) : rien n'est écrit.
    """
    campagne = campagne or sorted(answers["campagne"].unique())[-1]
    camp = answers[answers["campagne"] == campagne].assign(
        reponse=lambda d: pd.to_numeric(d["reponse"]).astype(float))
    table = camp.groupby(["axe", "code"], sort=False)["reponse"].agg(["mean", "count"])
    table = table[table["count"] > 0].reset_index()
    out = pd.DataFrame({
        "collectivite": collectivite, "type_collectivite": type_collectivite,
        "strate": strate, "campagne": date or f"{campagne}-12-31", "axe": table["axe"],
        "code": table["code"], "score": table["mean"].round(2),
        "nb_reponses": table["count"].astype(int)})
    path = Path(path)
    found = personal_findings(out)
    if found:
        raise DataError(f"Fichier de maturité ouvert « {path.name} » non écrit : données "
                        f"personnelles soupçonnées dans {', '.join(found)}. Changez le nom de "
                        "la collectivité, son type ou sa strate dans la configuration, ou les "
                        "axes et codes du questionnaire.", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_frame(out).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return out


def load_peer_maturity(sources: str | Path | Iterable[str | Path]
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lit les fichiers de maturité ouverts partagés par d'autres collectivités."""
    return load_many(sources, "maturite_ouverte")


def compare_with_peers(own: pd.DataFrame, peers: pd.DataFrame, strate: str | None = None
                       ) -> pd.DataFrame:
    """Tableau collectivités × axes (score moyen des questions), la collectivité en premier.

    Parameters
    ----------
    own
        Les résultats ouverts de la collectivité (sortie de `export_open_maturity`).
    peers
        Les fichiers des pairs (sortie de `load_peer_maturity`) ; pour chaque pair, seule sa
        campagne la plus récente est gardée.
    strate
        Si donnée, ne garde que les pairs de cette strate.

    Returns
    -------
    pandas.DataFrame
        Index : collectivités (la collectivité d'abord, puis les pairs du plus mûr au moins
        mûr) ; colonnes : axes puis « Ensemble ». ``attrs["collectivite"]`` nomme la
        collectivité, ``attrs["strates"]`` donne la strate de chacun.
    """
    data = pd.concat([own, peers], ignore_index=True)
    data = data.assign(campagne=pd.to_datetime(data["campagne"]),
                       score=pd.to_numeric(data["score"]).astype(float))
    latest = data.groupby("collectivite")["campagne"].transform("max")
    data = data[data["campagne"] == latest]
    name = str(own["collectivite"].iloc[0])
    if strate is not None:
        data = data[(data["strate"] == strate) | (data["collectivite"] == name)]
    axes = list(dict.fromkeys(own["axe"]))
    matrix = data.pivot_table(index="collectivite", columns="axe", values="score",
                              aggfunc="mean").reindex(columns=axes)
    matrix["Ensemble"] = matrix.mean(axis=1)
    others = matrix.drop(index=name).sort_values("Ensemble", ascending=False)
    matrix = pd.concat([matrix.loc[[name]], others]).round(2)
    matrix.index.name = "collectivite"
    matrix.columns.name = None
    matrix.attrs["collectivite"] = name
    matrix.attrs["strates"] = data.groupby("collectivite")["strate"].first().to_dict()
    return matrix


def peer_lessons(own: pd.DataFrame, peers: pd.DataFrame, questions: pd.DataFrame,
                 top: int = 2, gap: float = 1.0) -> pd.DataFrame:
    """Ce que font mieux les pairs les mieux placés de la même strate.

    Pour chaque question, compare le score de la collectivité à la moyenne des `top` pairs de
    sa strate les mieux notés sur cette question ; garde les questions où l'écart atteint
    `gap` point. ``questions`` (code, question, niveau_1 à niveau_5, par exemple les réponses
    de `load_maturity`) donne le libellé de la question et, dans ``pratique``, la description
    du niveau atteint par ces pairs (« ce qu'ils font »).
    """
    strate = own["strate"].iloc[0]
    same = peers[peers["strate"] == strate].assign(
        score=lambda d: pd.to_numeric(d["score"]).astype(float))
    rows = []
    texts = questions.drop_duplicates("code").set_index("code")
    for _, mine in own.iterrows():
        best = same[same["code"] == mine["code"]].nlargest(top, "score")
        if best.empty:
            continue
        diff = best["score"].mean() - float(mine["score"])
        if diff >= gap:
            text = texts.loc[mine["code"]] if mine["code"] in texts.index else None
            rows.append({"axe": mine["axe"], "code": mine["code"],
                         "question": None if text is None else text["question"],
                         "score_collectivite": float(mine["score"]),
                         "score_meilleurs_pairs": round(best["score"].mean(), 2),
                         "ecart": round(diff, 2),
                         "pairs": ", ".join(best["collectivite"]),
                         "pratique": None if text is None else text.get(
                             f"niveau_{min(5, math.floor(best['score'].mean() + 0.5))}")})
    columns = ["axe", "code", "question", "score_collectivite", "score_meilleurs_pairs",
               "ecart", "pairs", "pratique"]
    return pd.DataFrame(rows, columns=columns).sort_values(
        "ecart", ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- compétences
def skills_map(agents: pd.DataFrame, skills: list[str] | None = None,
               by: str = "service") -> pd.DataFrame:
    """Niveau moyen (1 à 4) de chaque compétence par service, sans aucun nom de personne.

    Un service de moins de `MIN_AGENTS` agents évalués est regroupé dans « Autres
    services » ; si ce regroupement compte lui-même moins de `MIN_AGENTS` agents, il est
    retiré (``attrs["masques"]`` dit combien d'agents). ``attrs["effectifs"]`` donne le
    nombre d'agents par ligne et ``attrs["niveau_3_ou_plus"]`` le nombre d'agents de niveau
    3 ou 4 par compétence (agents affichés seulement).

    Examples
    --------
    >>> agents = pd.DataFrame({"service": ["Eau"] * 3 + ["CCAS"] + ["RH"] * 2,
    ...     "tableur": [1, 2, 3, 4, 2, 2], "sig": [4, 4, None, 1, 1, 1]})
    >>> skills_map(agents, ["tableur", "sig"]).to_dict("index")
    {'Eau': {'tableur': 2.0, 'sig': 4.0}, 'Autres services': {'tableur': 2.67, 'sig': 1.0}}
    >>> skills_map(agents.iloc[:4], ["tableur", "sig"]).attrs["masques"]
    1
    """
    skills = skills or [c for c in ("tableur", "analyse_de_donnees", "sig",
                                    "protection_des_donnees_rgpd", "programmation_python_r",
                                    "visualisation") if c in agents.columns]
    group = agents[by].fillna("(non indiqué)").astype(str)
    size = group.map(group.value_counts())
    group = group.where(size >= MIN_AGENTS, "Autres services")
    hidden = int((group == "Autres services").sum())
    keep = group != "Autres services" if hidden < MIN_AGENTS else group.notna()
    group = group[keep]
    levels = agents.loc[keep, skills].apply(pd.to_numeric).astype(float)
    table = levels.groupby(group, sort=False).mean().round(2)
    order = [g for g in table.index if g != "Autres services"]
    order = sorted(order) + (["Autres services"] if "Autres services" in table.index else [])
    table = table.loc[order]
    table.index.name = by
    table.attrs["effectifs"] = group.value_counts().reindex(order).to_dict()
    table.attrs["niveau_3_ou_plus"] = (levels >= 3).sum().astype(int).to_dict()
    table.attrs["masques"] = hidden if hidden < MIN_AGENTS else 0
    return table
