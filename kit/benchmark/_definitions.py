"""Définitions livrées avec le kit des agrégats OFGL, des variables DGFiP et des dotations DGCL.

Chaque définition donne l'identifiant de l'indicateur dans la table longue du kit, son
libellé et son sens souhaitable :

- « hausse » : plus haut = mieux (épargne, dépenses d'équipement, ressources) ;
- « baisse » : plus bas = mieux (endettement, dépenses de fonctionnement, taux d'imposition) ;
- « » (vide, **neutre**) : le kit connaît l'indicateur mais ne lui donne pas de sens (un flux
  qui n'est ni bon ni mauvais en soi : emprunts de l'année, dépenses totales, dotations de
  péréquation, qui mesurent des charges et une richesse plutôt qu'une performance).

Un indicateur absent de ces tables n'a pas de sens connu : `read_open_data` le laisse vide
et le compte rendu de lecture demande à l'utilisateur de le donner (``sens=`` ou
``definitions=``) ; le kit ne devine pas.

Hypothèses (point de vue des finances de la collectivité, à changer avec ``sens=`` si la
lecture retenue est celle du contribuable) :

- les ressources (recettes de fonctionnement, DGF, impôts locaux) sont en « hausse » : un
  produit fiscal élevé peut aussi traduire une pression fiscale forte ;
- les **taux** votés sont en « baisse » (pression fiscale à ressources égales).

Sources des libellés : OFGL, data.ofgl.fr, jeux ``ofgl-base-communes``, ``-gfp``,
``-departements``, ``-regions`` (champ « Agrégat ») ; DGFiP, « Comptes individuels des
communes » (dictionnaire des variables : ``prod`` en milliers d'euros, ``fprod`` en euros par
habitant, ``mprod`` moyenne de la strate) ; DGCL, montants de la DGF et de ses parts par
commune.
"""

from __future__ import annotations

import pandas as pd

from kit._parse import normalize_label

__all__ = ["DGCL", "DGFIP", "DGFIP_RATES", "OFGL", "definitions_table"]

H, B, N = "hausse", "baisse", ""

# libellé OFGL (champ « Agrégat ») → (identifiant, libellé, sens)
_OFGL_ROWS = [
    ("Epargne brute", "epargne_brute", "Épargne brute", H),
    ("Epargne nette", "epargne_nette", "Épargne nette", H),
    ("Epargne de gestion", "epargne_gestion", "Épargne de gestion", H),
    ("Capacité ou besoin de financement", "capacite_besoin_financement",
     "Capacité ou besoin de financement", H),
    ("Encours de dette", "encours_dette", "Encours de dette", B),
    ("Encours de dette - Dettes bancaires et assimilées", "encours_dette_bancaire",
     "Encours de dette : dettes bancaires et assimilées", B),
    ("Encours de dette - Dépôts et cautionnements reçus", "encours_dette_depots",
     "Encours de dette : dépôts et cautionnements reçus", B),
    ("Annuité de la dette", "annuite_dette", "Annuité de la dette", B),
    ("Charges financières", "charges_financieres", "Charges financières", B),
    ("Remboursements d'emprunts hors GAD", "remboursements_emprunts",
     "Remboursements d'emprunts (hors gestion active de la dette)", N),
    ("Emprunts hors GAD", "emprunts", "Emprunts (hors gestion active de la dette)", N),
    ("Flux net de dette", "flux_net_dette", "Flux net de dette", N),
    ("Dépenses de fonctionnement", "depenses_fonctionnement",
     "Dépenses réelles de fonctionnement", B),
    ("Frais de personnel", "frais_personnel", "Frais de personnel", B),
    ("Achats et charges externes", "achats_charges_externes", "Achats et charges externes", B),
    ("Dépenses d'intervention", "depenses_intervention", "Dépenses d'intervention", N),
    ("Autres dépenses de fonctionnement", "autres_depenses_fonctionnement",
     "Autres dépenses de fonctionnement", N),
    ("Subventions aux personnes de droit privé", "subventions_droit_prive",
     "Subventions aux personnes de droit privé", N),
    ("Recettes de fonctionnement", "recettes_fonctionnement",
     "Recettes réelles de fonctionnement", H),
    ("Impôts et taxes", "impots_taxes", "Impôts et taxes", H),
    ("Impôts locaux", "impots_locaux", "Impôts locaux", H),
    ("Autres impôts et taxes", "autres_impots_taxes", "Autres impôts et taxes", N),
    ("Fiscalité reversée", "fiscalite_reversee", "Fiscalité reversée", N),
    ("Concours de l'Etat", "concours_etat", "Concours de l'État", H),
    ("Dotation globale de fonctionnement", "dgf", "Dotation globale de fonctionnement (DGF)",
     H),
    ("Autres dotations de fonctionnement", "autres_dotations_fonctionnement",
     "Autres dotations de fonctionnement", N),
    ("Péréquations et compensations fiscales", "perequations_compensations",
     "Péréquations et compensations fiscales", N),
    ("Autres dotations et subventions", "autres_dotations_subventions",
     "Autres dotations et subventions", N),
    ("Subventions reçues et participations", "subventions_recues",
     "Subventions reçues et participations", N),
    ("Ventes de biens et services", "ventes_biens_services", "Ventes de biens et services", N),
    ("Autres recettes de fonctionnement", "autres_recettes_fonctionnement",
     "Autres recettes de fonctionnement", N),
    ("Dépenses d'équipement", "depenses_equipement", "Dépenses d'équipement", H),
    ("Subventions d'équipement versées", "subventions_equipement_versees",
     "Subventions d'équipement versées", N),
    ("Dépenses d'investissement", "depenses_investissement", "Dépenses d'investissement", N),
    ("Dépenses d'investissement hors remb", "depenses_investissement_hors_remb",
     "Dépenses d'investissement hors remboursements", H),
    ("Autres dépenses d'investissement", "autres_depenses_investissement",
     "Autres dépenses d'investissement", N),
    ("Recettes d'investissement", "recettes_investissement", "Recettes d'investissement", N),
    ("Recettes d'investissement hors emprunts", "recettes_investissement_hors_emprunts",
     "Recettes d'investissement hors emprunts", N),
    ("Autres recettes d'investissement", "autres_recettes_investissement",
     "Autres recettes d'investissement", N),
    ("FCTVA", "fctva", "Fonds de compensation de la TVA (FCTVA)", N),
    ("DETR", "detr", "Dotation d'équipement des territoires ruraux (DETR)", N),
    ("Produit des cessions d'immobilisations", "cessions_immobilisations",
     "Produit des cessions d'immobilisations", N),
    ("Dépenses totales", "depenses_totales", "Dépenses totales", N),
    ("Dépenses totales hors remb", "depenses_totales_hors_remb",
     "Dépenses totales hors remboursements", N),
    ("Recettes totales", "recettes_totales", "Recettes totales", N),
    ("Recettes totales hors emprunts", "recettes_totales_hors_emprunts",
     "Recettes totales hors emprunts", N),
    ("Fonds de roulement", "fonds_roulement", "Fonds de roulement", N),
    ("Variation du fonds de roulement", "variation_fonds_roulement",
     "Variation du fonds de roulement", N),
    ("Dépôts au Trésor", "depots_tresor", "Dépôts au Trésor", N),
    ("Crédits de trésorerie", "credits_tresorerie", "Crédits de trésorerie", N),
    # départements et régions
    ("Allocations RSA", "allocations_rsa", "Allocations RSA", N),
    ("Allocations APA", "allocations_apa", "Allocations APA", N),
    ("Allocations PCH", "allocations_pch", "Allocations PCH", N),
    ("Frais d'hébergement", "frais_hebergement", "Frais d'hébergement", N),
    ("Contributions aux SDIS", "contributions_sdis", "Contributions aux SDIS", N),
    ("DMTO avant péreq.", "dmto_avant_perequation",
     "Droits de mutation (DMTO) avant péréquation", N),
    ("DMTO après péreq.", "dmto_apres_perequation",
     "Droits de mutation (DMTO) après péréquation", N),
]

#: Agrégats OFGL : libellé normalisé (`normalize_label`) → (identifiant, libellé, sens).
OFGL: dict[str, tuple[str, str, str]] = {
    normalize_label(key): (ident, label, sens) for key, ident, label, sens in _OFGL_ROWS}

# variable DGFiP (montant en k€ ; f… par habitant ; m… moyenne de la strate) → libellé, sens
_DGFIP_ROWS = [
    ("prod", "Total des produits de fonctionnement", H),
    ("impo1", "Impôts locaux", H),
    ("impo2", "Autres impôts et taxes", N),
    ("dgf", "Dotation globale de fonctionnement (DGF)", H),
    ("charge", "Total des charges de fonctionnement", B),
    ("perso", "Charges de personnel", B),
    ("achat", "Achats et charges externes", B),
    ("fin", "Charges financières", B),
    ("cont", "Contingents", N),
    ("subv", "Subventions versées", N),
    ("res1", "Résultat comptable", H),
    ("recinv", "Total des ressources d'investissement", N),
    ("emp", "Emprunts bancaires et dettes assimilées", N),
    ("subr", "Subventions reçues", N),
    ("fctva", "Fonds de compensation de la TVA (FCTVA)", N),
    ("depinv", "Total des emplois d'investissement", N),
    ("equip", "Dépenses d'équipement", H),
    ("remb", "Remboursement d'emprunts et dettes assimilées", N),
    ("res2", "Résultat d'ensemble", H),
    ("ebf", "Excédent brut de fonctionnement", H),
    ("caf", "Capacité d'autofinancement (CAF)", H),
    ("cafn", "CAF nette du remboursement en capital des emprunts", H),
    ("dette", "Encours total de la dette au 31 décembre", B),
    ("annu", "Annuité de la dette", B),
    ("fdr", "Fonds de roulement", N),
    ("encdbr", "Encours des dettes bancaires et assimilées", B),
    ("pfcaf", "Produits de fonctionnement pris en compte dans la CAF", H),
    ("cfcaf", "Charges de fonctionnement prises en compte dans la CAF", B),
    ("det2cal", "Encours des dettes bancaires net de l'aide du fonds de soutien", B),
    ("pth", "Produit de la taxe d'habitation", N),
    ("pfb", "Produit de la taxe foncière sur les propriétés bâties", N),
    ("pfnb", "Produit de la taxe foncière sur les propriétés non bâties", N),
    ("bth", "Bases nettes de la taxe d'habitation", N),
    ("bfb", "Bases nettes de la taxe foncière sur les propriétés bâties", N),
    ("bfnb", "Bases nettes de la taxe foncière sur les propriétés non bâties", N),
]

#: Variables DGFiP : code → (identifiant, libellé, sens) ; montants en euros après lecture.
DGFIP: dict[str, tuple[str, str, str]] = {
    code: (f"dgfip_{code}", label, sens) for code, label, sens in _DGFIP_ROWS}

#: Taux votés DGFiP (en %) : code du taux → (code de la moyenne de strate, libellé, sens).
DGFIP_RATES: dict[str, tuple[str, str, str]] = {
    "tth": ("tmth", "Taux voté de la taxe d'habitation", B),
    "tfb": ("tmfb", "Taux voté de la taxe foncière sur les propriétés bâties", B),
    "tfnb": ("tmfnb", "Taux voté de la taxe foncière sur les propriétés non bâties", B),
    "ttp": ("tmtp", "Taux voté de la cotisation foncière des entreprises", B),
    "tafnb": ("mtmtafnb", "Taux voté de la taxe additionnelle au foncier non bâti", B),
}

# colonne DGCL (nom normalisé) → (identifiant, libellé, sens)
_DGCL_ROWS = [
    ("dgf", "dgf", "Dotation globale de fonctionnement (DGF)", H),
    ("dotation_globale_de_fonctionnement", "dgf", "Dotation globale de fonctionnement (DGF)",
     H),
    ("dotation_forfaitaire", "dotation_forfaitaire", "Dotation forfaitaire", H),
    ("df", "dotation_forfaitaire", "Dotation forfaitaire", H),
    ("dsu", "dsu", "Dotation de solidarité urbaine et de cohésion sociale (DSU)", N),
    ("dsr", "dsr", "Dotation de solidarité rurale (DSR)", N),
    ("dnp", "dnp", "Dotation nationale de péréquation (DNP)", N),
    ("solde_fpic", "solde_fpic",
     "Solde du fonds de péréquation intercommunal et communal (FPIC)", N),
    ("fpic", "solde_fpic", "Solde du fonds de péréquation intercommunal et communal (FPIC)", N),
    ("fsrif", "fsrif", "Fonds de solidarité des communes de la région Île-de-France (FSRIF)",
     N),
    ("perequations", "perequations", "Total des péréquations (DSU, DSR, DNP, FPIC, FSRIF)", N),
    ("recette_avantp", "recettes_avant_perequation", "Recettes avant péréquation", N),
    ("avantp_hab", "recettes_avant_perequation_hab",
     "Recettes avant péréquation par habitant", N),
    ("apresp_hab", "recettes_apres_perequation_hab",
     "Recettes après péréquation par habitant", N),
]

#: Colonnes DGCL : nom normalisé → (identifiant, libellé, sens).
DGCL: dict[str, tuple[str, str, str]] = {
    key: (ident, label, sens) for key, ident, label, sens in _DGCL_ROWS}


def definitions_table(source: str | None = None) -> pd.DataFrame:
    """Définitions livrées avec le kit : une ligne par indicateur (montant et par habitant).

    Parameters
    ----------
    source
        ``"ofgl"``, ``"dgfip"``, ``"dgcl"`` ou ``None`` pour toutes.

    Returns
    -------
    pandas.DataFrame
        Colonnes ``source``, ``cle`` (agrégat ou colonne du fichier), ``indicateur``,
        ``libelle``, ``unite``, ``sens``.

    Examples
    --------
    >>> d = definitions_table("ofgl").set_index("indicateur")
    >>> d.loc["epargne_brute_hab", ["libelle", "unite", "sens"]].tolist()
    ['Épargne brute par habitant', '€/hab', 'hausse']
    >>> d.loc["encours_dette", "sens"]
    'baisse'
    """
    rows = []
    if source in (None, "ofgl"):
        for key, ident, label, sens in _OFGL_ROWS:
            rows.append(("ofgl", key, ident, label, "€", sens))
            rows.append(("ofgl", key, ident + "_hab", f"{label} par habitant", "€/hab", sens))
    if source in (None, "dgfip"):
        for code, (ident, label, sens) in DGFIP.items():
            rows.append(("dgfip", code, ident, label, "€", sens))
            rows.append(("dgfip", "f" + code, ident + "_hab", f"{label} par habitant",
                         "€/hab", sens))
        for code, (_, label, sens) in DGFIP_RATES.items():
            rows.append(("dgfip", code, f"dgfip_{code}", label, "%", sens))
    if source in (None, "dgcl"):
        seen, given = set(), {row[1] for row in _DGCL_ROWS}
        for key, ident, label, sens in _DGCL_ROWS:
            if ident in seen:
                continue
            seen.add(ident)
            per_hab = ident.endswith("_hab")
            rows.append(("dgcl", key, ident, label, "€/hab" if per_hab else "€", sens))
            if not per_hab and ident + "_hab" not in given:
                rows.append(("dgcl", key, ident + "_hab", f"{label} par habitant", "€/hab",
                             sens))
    return pd.DataFrame(rows, columns=["source", "cle", "indicateur", "libelle", "unite",
                                       "sens"])
