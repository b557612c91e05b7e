"""Retour d'expérience pour les autres territoires (``retour_experience.md`` et ``.html``),
et lecture de ce que partagent les pairs (notes et résultats de maturité ouverts)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from kit._format import fmt_date, fmt_number
from kit._gate import escape_html, markdown_text
from kit.comite import Committee
from kit.errors import DataError
from kit.publish._common import DEFAULT_CONTACT, page, safe_text, settings
from kit.roadmap import budget_by_source, late_actions

#: Marque de la note (première clé du bloc YAML) : une note d'une autre origine est ignorée.
NOTE_KIND = "retour_experience_kit_territoires"
#: Taille maximale du bloc YAML d'une note de pair (caractères).
_MAX_FRONT_MATTER = 200_000


def lessons_data(c: Committee, config: dict[str, Any] | None = None,
                 anonymous: bool | None = None) -> dict[str, Any]:
    """Contenu de la note (ce que porte aussi son bloc YAML) ; aucun nom ni code si
    `anonymous` (par défaut ``publication.anonyme``)."""
    config = config or {}
    opts = settings(config)
    anonymous = bool(opts.get("anonyme", False)) if anonymous is None else anonymous
    kind = safe_text((config.get("diagnostic") or {}).get("type_collectivite")
                     or config.get("type") or "")
    population = config.get("population")
    if isinstance(population, (int, float)) and anonymous:
        population = int(round(population / 10_000) * 10_000)  # Hypothèse : arrondi anonyme
    steps = ["diagnostic"]
    if c.prio is not None:
        steps.append("priorisation")
    steps.append("indicateurs")
    if c.positions is not None:
        steps.append("comparaison avec les pairs")
    if c.roadmap is not None:
        steps.append("feuille de route")
    steps.append("comité de pilotage")
    data: dict[str, Any] = {"note": NOTE_KIND, "date": c.date.isoformat(), "type": kind,
                            "strate": safe_text(config.get("strate")),
                            "population": population if isinstance(population, int) else None,
                            "etapes": steps}
    if not anonymous:
        data = {"collectivite": safe_text(c.collectivite), **data}
    data.update(_use_case(c))
    data["indicateurs"] = _indicators(c)
    data["financement"] = _funding(c)
    data["ce_qui_a_marche"], data["ce_qui_a_bloque"] = _worked_blocked(c)
    contact = opts.get("contact") or (config.get("equipe_donnees") or {}).get("analyste")
    data["contact"] = safe_text(contact) if contact else DEFAULT_CONTACT
    return _uncode(data) if anonymous else data


_CODE = re.compile(r"\s*\(?\b[A-Z]{2,6}-[A-Z0-9]{1,6}\b\)?")


def _uncode(value: Any) -> Any:
    """Retire les codes internes (« DEC-04 », « CU-01 », « RT-009 ») des textes.

    >>> _uncode(["Plan d'action (DEC-04)", {"a": "CU-01 retenu"}])
    ["Plan d'action", {'a': ' retenu'}]
    """
    if isinstance(value, str):
        return _CODE.sub("", value)
    if isinstance(value, list):
        return [_uncode(v) for v in value]
    if isinstance(value, dict):
        return {k: _uncode(v) for k, v in value.items()}
    return value


def _use_case(c: Committee) -> dict[str, Any]:
    if c.prio is None or c.prio.choice is None:
        return {"cas_usage": None, "pourquoi": None}
    best = c.prio.cases.set_index("code").loc[c.prio.choice]
    why = (f"{best['quadrant']} : impact {fmt_number(best['impact'], 1)} sur 5, complexité "
           f"{fmt_number(best['complexite'], 1)} sur 5, classé 1er sur {len(c.prio.cases)} "
           f"cas d'usage ; le choix tient dans {int(c.prio.robustness['même choix'].sum())} "
           f"pondérations sur {len(c.prio.robustness)}")
    return {"cas_usage": safe_text(best["titre"]), "service_porteur":
            safe_text(best["service_porteur"]), "pourquoi": safe_text(why)}


def _indicators(c: Committee) -> list[dict[str, Any]]:
    values = c.kpis.values.dropna(subset=["valeur"]).sort_values("fin", kind="stable")
    first = values.groupby("code")["valeur"].first()
    out = []
    for _, k in c.kpis.summary.iterrows():
        def num(v: Any) -> float | None:
            return None if v is None or pd.isna(v) else round(float(v), 2)
        out.append({"libelle": safe_text(k["libelle"]), "unite": safe_text(k["unite"]),
                    "avant": num(first.get(k["code"])), "maintenant": num(k["derniere_valeur"]),
                    "cible": num(k["cible"]), "statut": safe_text(k["statut"])})
    return out


def _funding(c: Committee) -> list[dict[str, Any]]:
    if c.roadmap is None or c.roadmap.budget.empty:
        return []
    table = budget_by_source(c.roadmap)
    return [{"source": safe_text(r["source_financement"]),
             "planifie": round(float(r["montant_planifie"]), 2),
             "paye": round(float(r["montant_paye"]), 2)}
            for _, r in table.iterrows() if r["source_financement"] != "Total"]


def _worked_blocked(c: Committee) -> tuple[list[str], list[str]]:
    worked, blocked = [], []
    progress = c.diag.progress
    if progress is not None and not progress.empty and "evolution" in progress.columns:
        axis = "axe" if "axe" in progress.columns else progress.columns[0]
        for _, r in progress[progress["evolution"] > 0].sort_values(
                "evolution", ascending=False).head(3).iterrows():
            worked.append(f"{safe_text(r[axis])} : + {fmt_number(r['evolution'], 2)} point de "
                          "maturité depuis la campagne précédente")
    on = c.kpis.summary[c.kpis.summary["statut"].isin(["atteint", "en avance"])]
    worked += [f"Objectif atteint : {safe_text(v).lower()}" for v in on["libelle"]]
    if c.diag.lessons is not None:
        for _, r in c.diag.lessons.head(3).iterrows():
            blocked.append(f"{safe_text(r['axe'])} — {safe_text(r['question'])} : écart de "
                           f"{fmt_number(r['ecart'], 1)} point avec les pairs les plus avancés")
    if c.roadmap is not None:
        late = late_actions(c.roadmap, c.date)
        blocked += [f"Action en retard : {safe_text(t)}" for t in late["titre"]]
    return worked, blocked


def _amount(v: float) -> str:
    return f"{fmt_number(v, 0)} € HT"


def _blocks(data: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Sections de la note : (titre, lignes de texte brut)."""
    who = data.get("collectivite") or "Une collectivité"
    pop = f", environ {fmt_number(data['population'], 0)} habitants" if data.get(
        "population") else ""
    ind = [f"{i['libelle']} : {_fmt(i['avant'], i['unite'])} au début, "
           f"{_fmt(i['maintenant'], i['unite'])} aujourd'hui (cible "
           f"{_fmt(i['cible'], i['unite'])}) — {i['statut']}" for i in data["indicateurs"]]
    money = [f"{f['source']} : {_amount(f['planifie'])} planifiés, {_amount(f['paye'])} payés"
             for f in data["financement"]] or ["Pas de feuille de route budgétée."]
    case = ([f"{data['cas_usage']} (porté par le service {data.get('service_porteur', '')})",
             f"Pourquoi : {data['pourquoi']}."] if data.get("cas_usage") else
            ["Pas encore de cas d'usage retenu."])
    return [
        ("Qui sommes-nous", [(f"{who} — {data['type'] or 'type non précisé'}, strate "
                             f"« {data['strate'] or 'non précisée'} »{pop}.")]),
        ("Étapes faites", [", ".join(data["etapes"]) + "."]),
        ("Cas d'usage retenu", case),
        ("Indicateurs, avant et maintenant", ind or ["Aucun indicateur suivi."]),
        ("Ce qui a marché", data["ce_qui_a_marche"] or ["Rien de notable encore."]),
        ("Ce qui a bloqué", data["ce_qui_a_bloque"] or ["Rien de notable."]),
        ("Moyens et financements", money),
        ("Contact", [f"Écrire à : {data['contact']} (une fonction, pas une personne)."]),
    ]


def _fmt(value: Any, unit: str) -> str:
    return "—" if value is None else f"{fmt_number(value)} {unit}".strip()


def lessons_markdown(data: dict[str, Any]) -> str:
    """Note en Markdown, précédée de son bloc YAML (relu par `read_peer_notes`)."""
    head = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    lines = ["---", head.rstrip(), "---", "",
             "# Retour d'expérience — "
             + markdown_text(data.get("collectivite") or "collectivité anonyme"), "",
             (f"Note du {fmt_date(pd.Timestamp(data['date']).date())}, écrite par le kit "
             "d'analyse de données des territoires."), ""]
    for title, items in _blocks(data):
        lines += [f"## {title}", "", *[f"- {markdown_text(i)}" if len(items) > 1 else
                                       markdown_text(i) for i in items], ""]
    return "\n".join(lines)


def lessons_html(data: dict[str, Any]) -> str:
    """Même note en HTML hors ligne."""
    sections = []
    for title, items in _blocks(data):
        body = ("<ul>" + "".join(f"<li>{escape_html(i)}</li>" for i in items) + "</ul>"
                if len(items) > 1 else f"<p>{escape_html(items[0])}</p>")
        sections.append(f"<section><h2>{escape_html(title)}</h2>{body}</section>")
    who = escape_html(data.get("collectivite") or "collectivité anonyme")
    return page(f"Retour d'expérience — {who}", "Ce que nous avons fait, appris et dépensé.",
                sections, f"Note du {fmt_date(pd.Timestamp(data['date']).date())}.")


def write_lessons(committee: Committee, dest: str | Path, *, anonymous: bool | None = None,
                  config: dict[str, Any] | None = None) -> list[Path]:
    """Écrit ``retour_experience.md`` et ``retour_experience.html`` dans `dest`.

    Parameters
    ----------
    committee
        Résultat de `kit.comite.run_committee`.
    dest
        Dossier de sortie.
    anonymous
        Sans nom ni code de la collectivité (population arrondie à la dizaine de milliers) ;
        par défaut ``publication.anonyme`` de la configuration, à défaut non.
    config
        Configuration : type et strate, ``equipe_donnees``, section ``publication``
        (``contact`` : une fonction à contacter).
    """
    data = lessons_data(committee, config, anonymous)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    md, html = dest / "retour_experience.md", dest / "retour_experience.html"
    md.write_text(lessons_markdown(data), encoding="utf-8")
    html.write_text(lessons_html(data), encoding="utf-8")
    return [md, html]


def _front_matter(path: Path) -> dict[str, Any] | None:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---", 4)
    if end < 0:
        return None
    block = text[4:end]
    if len(block) > _MAX_FRONT_MATTER:
        raise DataError(f"{path.name} : bloc YAML de plus de {_MAX_FRONT_MATTER} caractères en "
                        "tête de note ; une note du kit en fait quelques milliers.")
    try:
        # Une note vient d'une autre collectivité : pas d'alias YAML (« billion laughs »).
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(block, Loader=yaml.SafeLoader)):
            raise DataError(f"{path.name} : le bloc YAML de la note contient des alias (*nom) ; "
                            "une note écrite par le kit n'en a pas. Note ignorée à corriger.")
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        raise DataError(f"{path.name} : bloc YAML illisible en tête de note ({exc}).") from exc
    return data if isinstance(data, dict) and data.get("note") == NOTE_KIND else None


def _maturity(path: Path) -> list[dict[str, Any]]:
    """Score moyen de chaque collectivité d'un fichier de maturité ouvert."""
    df = pd.read_csv(path, dtype=str, encoding="utf-8", sep=",")
    needed = {"collectivite", "type_collectivite", "strate", "score"}
    if not needed <= set(df.columns) or df.empty:
        return []
    df["score"] = pd.to_numeric(df["score"], errors="coerce")
    return [{"collectivite": name, "type": g["type_collectivite"].iloc[0],
             "strate": g["strate"].iloc[0], "maturite": round(float(g["score"].mean()), 2)}
            for name, g in df.groupby("collectivite", sort=False)]


def _merge(rows: list[dict[str, Any]], by_name: dict[str, dict[str, Any]],
           found: dict[str, Any], name: str) -> None:
    """Ajoute la maturité d'un pair à sa note, ou une ligne à lui."""
    if found["collectivite"] in by_name:
        row = by_name[found["collectivite"]]
        row["maturite"] = found["maturite"]
        row["fichiers"] += f", {name}"
        return
    row = {**found, "population": None, "cas_usage": None, "pourquoi": None,
           "indicateurs": "", "financement": "", "fichiers": name}
    rows.append(row)
    by_name[found["collectivite"]] = row


def read_peer_notes(folder: str | Path, profile: dict[str, Any]) -> pd.DataFrame:
    """Ce qu'ont fait des collectivités qui nous ressemblent : les notes de retour
    d'expérience (``*.md`` écrites par ce kit) et les résultats de maturité ouverts
    (``maturite_ouverte_*.csv``) d'un dossier, lus ensemble et classés par ressemblance.

    Classement : même strate d'abord, puis même type, puis écart de population le plus
    petit (inconnu en dernier). Une note et un fichier de maturité au même nom de
    collectivité font une seule ligne.

    Parameters
    ----------
    folder
        Dossier des fichiers partagés par les pairs.
    profile
        Notre profil : ``type`` (ou ``diagnostic.type_collectivite``), ``strate``,
        ``population`` ; une configuration convient.

    Returns
    -------
    pandas.DataFrame
        Une ligne par pair : collectivite, type, strate, population, cas_usage, pourquoi,
        indicateurs, financement, maturite, meme_strate, meme_type, ecart_population,
        fichiers, rang.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"Dossier des pairs introuvable : {folder}. Indiquez le dossier où "
                        "sont rangés leurs retours d'expérience et fichiers de maturité.")
    rows: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.md")):
        data = _front_matter(path)
        if data is None:
            continue
        rows.append({
            "collectivite": data.get("collectivite") or f"anonyme ({path.stem})",
            "type": data.get("type"), "strate": data.get("strate"),
            "population": data.get("population"), "cas_usage": data.get("cas_usage"),
            "pourquoi": data.get("pourquoi"),
            "indicateurs": "; ".join(f"{i.get('libelle')} : {_fmt(i.get('avant'), '')} → "
                                     f"{_fmt(i.get('maintenant'), '')} {i.get('unite') or ''}"
                                     .strip() for i in data.get("indicateurs") or []),
            "financement": "; ".join(f"{f.get('source')} : {_amount(f.get('planifie', 0))}"
                                     for f in data.get("financement") or []),
            "maturite": None, "fichiers": path.name})
    by_name = {r["collectivite"]: r for r in rows}
    for path in sorted(folder.glob("maturite_ouverte_*.csv")):
        for found in _maturity(path):
            _merge(rows, by_name, found, path.name)
    columns = ["collectivite", "type", "strate", "population", "cas_usage", "pourquoi",
               "indicateurs", "financement", "maturite", "meme_strate", "meme_type",
               "ecart_population", "fichiers", "rang"]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    kind = profile.get("type") or (profile.get("diagnostic") or {}).get("type_collectivite")
    out["meme_strate"] = out["strate"].astype(object) == profile.get("strate")
    out["meme_type"] = out["type"].astype(object) == kind
    ours = profile.get("population")
    pops = pd.to_numeric(out["population"], errors="coerce")
    out["ecart_population"] = (pops - ours).abs() if isinstance(ours, (int, float)) else pd.NA
    out["_gap"] = pd.to_numeric(out["ecart_population"], errors="coerce").fillna(float("inf"))
    out = out.sort_values(["meme_strate", "meme_type", "_gap", "collectivite"],
                          ascending=[False, False, True, True], kind="stable")
    out["rang"] = range(1, len(out) + 1)
    return out[columns].reset_index(drop=True)
