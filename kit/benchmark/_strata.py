"""Strates de population utilisées pour comparer les collectivités entre elles.

Quatre découpages, chacun avec sa source et ses bornes :

- ``"dgf"`` : les 15 groupes démographiques des communes de l'article L2334-3 du Code général
  des collectivités territoriales (CGCT), utilisés par la DGCL pour la dotation globale de
  fonctionnement (DGF) ; numérotés de 1 (0 à 499 habitants) à 15 (200 000 habitants et plus),
  comme dans les fiches DGF (Montpellier : strate 15).
- ``"ofgl"`` : les 11 strates, plus larges, des publications de l'Observatoire des finances
  et de la gestion publique locales (OFGL), champ « Strate population » des jeux
  ``ofgl-base-communes`` de data.ofgl.fr, codées de 0 (moins de 100 habitants) à 10
  (100 000 habitants et plus). L'OFGL les calcule sur la population totale INSEE au
  1er janvier de l'exercice.
- ``"epci"`` : strates des EPCI à fiscalité propre retenues par le kit, calées sur les seuils
  de population du CGCT (15 000 habitants : taille minimale d'un EPCI à fiscalité propre,
  art. L5210-1-1 ; 50 000 : communauté d'agglomération, art. L5216-1 ; 250 000 : communauté
  urbaine, art. L5215-1 ; 400 000 : métropole, art. L5217-1), avec une coupure à 30 000 et à
  100 000 pour équilibrer les effectifs.
- ``"departement"`` : quatre tranches retenues par le kit (moins de 250 000, 250 000 à
  499 999, 500 000 à 999 999, 1 million d'habitants et plus).

Hypothèse : le kit applique ces bornes à la population qu'on lui donne (par défaut, la
population municipale du référentiel INSEE). La DGF utilise en droit une « population DGF »
(population totale majorée des résidences secondaires) : une commune proche d'une borne peut
changer de strate selon la population retenue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.errors import KitError

__all__ = ["STRATA", "StrataScheme", "assign_strata", "strata_table", "stratum_label"]


def _fr(n: int) -> str:
    return f"{n:,}".replace(",", " ")


@dataclass(frozen=True)
class StrataScheme:
    """Un découpage en strates : bornes inférieures, codes, libellés et source."""

    name: str
    level: str
    lower_bounds: tuple[int, ...]
    first_code: int
    title: str
    source: str

    @property
    def codes(self) -> list[int]:
        return list(range(self.first_code, self.first_code + len(self.lower_bounds)))

    def label(self, position: int) -> str:
        low = self.lower_bounds[position]
        if position == len(self.lower_bounds) - 1:
            return f"{_fr(low)} habitants et plus"
        high = self.lower_bounds[position + 1] - 1
        if low == 0:
            return (f"0 à {_fr(high)} habitants" if self.name == "dgf"
                    else f"moins de {_fr(high + 1)} habitants")
        return f"{_fr(low)} à {_fr(high)} habitants"


STRATA: dict[str, StrataScheme] = {
    "dgf": StrataScheme(
        "dgf", "commune",
        (0, 500, 1_000, 2_000, 3_500, 5_000, 7_500, 10_000, 15_000, 20_000, 35_000, 50_000,
         75_000, 100_000, 200_000),
        1, "strates démographiques de la DGF",
        "CGCT, article L2334-3 (groupes démographiques des communes pour la DGF)"),
    "ofgl": StrataScheme(
        "ofgl", "commune",
        (0, 100, 200, 500, 2_000, 3_500, 5_000, 10_000, 20_000, 50_000, 100_000),
        0, "strates de population de l'OFGL",
        "OFGL, data.ofgl.fr, jeu ofgl-base-communes, champ « Strate population »"),
    "epci": StrataScheme(
        "epci", "epci",
        (0, 15_000, 30_000, 50_000, 100_000, 250_000, 400_000),
        1, "strates d'EPCI du kit",
        "choix du kit d'après les seuils du CGCT (art. L5210-1-1, L5216-1, L5215-1, L5217-1)"),
    "departement": StrataScheme(
        "departement", "departement",
        (0, 250_000, 500_000, 1_000_000),
        1, "strates de départements du kit", "choix du kit (quatre tranches)"),
}


def _scheme(scheme: str) -> StrataScheme:
    if scheme not in STRATA:
        raise KitError(f"Découpage en strates inconnu : {scheme!r}. Choisissez parmi "
                       f"{', '.join(repr(k) for k in STRATA)}.")
    return STRATA[scheme]


def strata_table(scheme: str = "dgf") -> pd.DataFrame:
    """Les strates d'un découpage : code, libellé, bornes (incluses) et source.

    Parameters
    ----------
    scheme
        ``"dgf"``, ``"ofgl"``, ``"epci"`` ou ``"departement"``.

    Returns
    -------
    pandas.DataFrame
        Colonnes ``strate``, ``libelle``, ``population_min``, ``population_max`` (vide pour la
        dernière strate) ; ``attrs["source"]`` cite la source.

    Examples
    --------
    >>> strata_table("dgf").set_index("strate").loc[11, "libelle"]
    '35 000 à 49 999 habitants'
    >>> len(strata_table("dgf")), len(strata_table("ofgl"))
    (15, 11)
    """
    s = _scheme(scheme)
    bounds = list(s.lower_bounds)
    table = pd.DataFrame({
        "strate": s.codes,
        "libelle": [s.label(i) for i in range(len(bounds))],
        "population_min": bounds,
        "population_max": pd.array([b - 1 for b in bounds[1:]] + [None], dtype="Int64"),
    })
    table.attrs["source"] = s.source
    table.attrs["titre"] = s.title
    return table


def assign_strata(population: object, scheme: str = "dgf") -> pd.Series:
    """Strate de chaque population (bornes inférieures incluses).

    Parameters
    ----------
    population
        Une population, une liste ou une Series de populations (habitants).
    scheme
        Découpage : ``"dgf"`` (15 strates, CGCT art. L2334-3), ``"ofgl"`` (11 strates),
        ``"epci"`` ou ``"departement"``.

    Returns
    -------
    pandas.Series
        Code de strate (entier, vide si la population manque ou est négative) ; l'index d'une
        Series reçue est conservé.

    Examples
    --------
    >>> assign_strata([499, 500, 42000, 200000], "dgf").tolist()
    [1, 2, 11, 15]
    >>> assign_strata([99, 100, 1999, 2000], "ofgl").tolist()
    [0, 1, 3, 4]
    """
    s = _scheme(scheme)
    if isinstance(population, pd.Series):
        values = population
    elif np.ndim(population) == 0:
        values = pd.Series([population])
    else:
        values = pd.Series(list(population))
    numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
    valid = numbers.notna() & (numbers >= 0)
    position = np.searchsorted(np.asarray(s.lower_bounds), numbers.fillna(0).to_numpy(float),
                               side="right") - 1
    codes = pd.array(position + s.first_code, dtype="Int64")
    return pd.Series(codes, index=values.index, name="strate").where(valid, pd.NA)


def stratum_label(code: int, scheme: str = "dgf") -> str:
    """Libellé d'une strate (« 35 000 à 49 999 habitants »).

    Examples
    --------
    >>> stratum_label(11, "dgf")
    '35 000 à 49 999 habitants'
    """
    s = _scheme(scheme)
    position = int(code) - s.first_code
    if not 0 <= position < len(s.lower_bounds):
        raise KitError(f"Strate {code!r} inexistante dans les {s.title} (codes "
                       f"{s.codes[0]} à {s.codes[-1]}).")
    return s.label(position)
