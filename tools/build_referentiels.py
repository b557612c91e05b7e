"""Construit les référentiels compacts du kit à partir du Code officiel géographique de l'INSEE.

Source : les fichiers CSV tirés du paquet npm ``@etalab/decoupage-administratif`` 6.0.0
(données : Licence Ouverte / Etalab), décrits dans le README du dossier source. Le script ne
modifie aucune valeur : il filtre, renomme, agrège les populations et écrit des fichiers Parquet
déterministes (mêmes octets à chaque exécution, à version de pyarrow égale).

Usage ::

    python -m tools.build_referentiels /chemin/vers/shared/data/reference

Le kit ne lit jamais le dossier source à l'exécution : seuls ce script et les tests le font.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import logging
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parents[1] / "kit" / "territories" / "data"
SOURCE_FILES = ("communes.csv", "epci.csv", "departements.csv", "regions.csv")
OUTPUTS = ("communes.parquet", "anciens_codes.parquet", "epci.parquet",
           "departements.parquet", "regions.parquet")
FORMER_STATUS = {"commune-deleguee": "commune déléguée",
                 "commune-associee": "commune associée",
                 "arrondissement-municipal": "arrondissement municipal"}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _write(rows: dict[str, list], types: dict[str, pa.DataType], path: Path) -> None:
    table = pa.table({name: pa.array(values, type=types[name]) for name, values in rows.items()})
    pq.write_table(table, path, compression="zstd", compression_level=9, use_dictionary=True,
                   write_statistics=False, store_schema=False)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(source: Path, dest: Path = HERE) -> list[Path]:
    """Écrit les cinq fichiers Parquet du référentiel dans ``dest``.

    Parameters
    ----------
    source
        Dossier contenant ``communes.csv``, ``epci.csv``, ``departements.csv`` et
        ``regions.csv`` (conversion CSV du paquet ``@etalab/decoupage-administratif``).
    dest
        Dossier de destination (par défaut, celui de ce script).

    Returns
    -------
    list[Path]
        Les fichiers écrits.
    """
    missing = [name for name in SOURCE_FILES if not (source / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"Fichiers du référentiel absents de {source} : {', '.join(missing)}. Indiquez le "
            "dossier qui contient la conversion CSV du Code officiel géographique.")
    communes = _read(source / "communes.csv")
    current = sorted((r for r in communes if r["type"] == "commune-actuelle"),
                     key=lambda r: r["code_insee"])
    current_names = {r["code_insee"]: r["nom"] for r in current}
    str_ = pa.string()
    i64 = pa.int64()
    paths = []

    # Communes actuelles
    cols = {"code": [], "nom": [], "dep": [], "reg": [], "epci": [], "population": [],
            "siren": [], "zone": []}
    for r in current:
        cols["code"].append(r["code_insee"])
        cols["nom"].append(r["nom"])
        cols["dep"].append(r["dep"])
        cols["reg"].append(r["reg"])
        cols["epci"].append(r["epci"] or None)
        cols["population"].append(_int(r["population"]))
        cols["siren"].append(r["siren"] or None)
        cols["zone"].append(r["zone"])
    types = {k: str_ for k in cols} | {"population": i64}
    paths.append(dest / "communes.parquet")
    _write(cols, types, paths[-1])

    # Anciens codes : communes déléguées ou associées (communes fusionnées) et arrondissements
    # municipaux, rattachés à la commune actuelle. Une commune déléguée qui porte le code de la
    # commune nouvelle (la commune « chef-lieu ») n'est pas un ancien code : elle est exclue.
    former = sorted((r for r in communes if r["type"] in FORMER_STATUS
                     and r["code_insee"] != r["commune_parente"]),
                    key=lambda r: r["code_insee"])
    cols = {"code_ancien": [], "nom_ancien": [], "statut": [], "code_actuel": [],
            "nom_actuel": []}
    for r in former:
        parent = r["commune_parente"]
        if parent not in current_names:
            raise ValueError(f"{r['code_insee']} : commune parente {parent!r} inconnue")
        cols["code_ancien"].append(r["code_insee"])
        cols["nom_ancien"].append(r["nom"])
        cols["statut"].append(FORMER_STATUS[r["type"]])
        cols["code_actuel"].append(parent)
        cols["nom_actuel"].append(current_names[parent])
    paths.append(dest / "anciens_codes.parquet")
    _write(cols, {k: str_ for k in cols}, paths[-1])

    # EPCI à fiscalité propre : population = somme des populations des communes membres
    # (même millésime que les communes), département et région = ceux où vit la plus grande
    # part de la population de l'EPCI.
    members: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in current:
        if r["epci"]:
            members[r["epci"]].append(r)
    epcis = sorted(_read(source / "epci.csv"), key=lambda r: r["siren"])
    cols = {"code": [], "nom": [], "type": [], "mode_financement": [], "population": [],
            "nb_communes": [], "dep": [], "reg": []}
    for r in epcis:
        group = members.get(r["siren"], [])
        pop_by_dep: Counter[tuple[str, str]] = Counter()
        for m in group:
            pop_by_dep[(m["dep"], m["reg"])] += _int(m["population"]) or 0
        # à égalité de population, le plus petit code (ordre déterministe)
        dep, reg = min(pop_by_dep, key=lambda k: (-pop_by_dep[k], k)) if group else (None, None)
        cols["code"].append(r["siren"])
        cols["nom"].append(r["nom"])
        cols["type"].append(r["type"])
        cols["mode_financement"].append(r["mode_financement"] or None)
        cols["population"].append(sum(_int(m["population"]) or 0 for m in group) or None)
        cols["nb_communes"].append(len(group))
        cols["dep"].append(dep)
        cols["reg"].append(reg)
    types = {k: str_ for k in cols} | {"population": i64, "nb_communes": i64}
    paths.append(dest / "epci.parquet")
    _write(cols, types, paths[-1])

    # Départements et régions : population = somme des communes actuelles.
    pop_dep: Counter[str] = Counter()
    pop_reg: Counter[str] = Counter()
    n_dep: Counter[str] = Counter()
    n_reg: Counter[str] = Counter()
    for r in current:
        pop = _int(r["population"]) or 0
        pop_dep[r["dep"]] += pop
        pop_reg[r["reg"]] += pop
        n_dep[r["dep"]] += 1
        n_reg[r["reg"]] += 1
    deps = sorted(_read(source / "departements.csv"), key=lambda r: r["code"])
    cols = {"code": [r["code"] for r in deps], "nom": [r["nom"] for r in deps],
            "reg": [r["reg"] for r in deps],
            "population": [pop_dep.get(r["code"]) or None for r in deps],
            "nb_communes": [n_dep.get(r["code"], 0) for r in deps],
            "zone": [r["zone"] for r in deps]}
    types = {k: str_ for k in cols} | {"population": i64, "nb_communes": i64}
    paths.append(dest / "departements.parquet")
    _write(cols, types, paths[-1])
    regs = sorted(_read(source / "regions.csv"), key=lambda r: r["code"])
    cols = {"code": [r["code"] for r in regs], "nom": [r["nom"] for r in regs],
            "population": [pop_reg.get(r["code"]) or None for r in regs],
            "nb_communes": [n_reg.get(r["code"], 0) for r in regs],
            "zone": [r["zone"] for r in regs]}
    paths.append(dest / "regions.parquet")
    _write(cols, {k: str_ for k in cols} | {"population": i64, "nb_communes": i64}, paths[-1])

    sums = "".join(f"{_sha256(p)}  {p.name}\n" for p in paths)
    (dest / "SHA256SUMS").write_text(sums, encoding="utf-8")
    sources = "".join(f"{_sha256(source / name)}  {name}\n" for name in SOURCE_FILES)
    (dest / "SOURCES.sha256").write_text(sources, encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    """Point d'entrée : ``python -m tools.build_referentiels DOSSIER_SOURCE``."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.build_referentiels",
        description="Reconstruit les référentiels Parquet du kit depuis le COG (CSV).")
    parser.add_argument("source", type=Path, help="dossier des CSV du Code officiel géographique")
    parser.add_argument("--dest", type=Path, default=HERE, help=f"destination (défaut : {HERE})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        paths = build(args.source, args.dest)
    except (FileNotFoundError, ValueError) as exc:
        logger.error("%s", exc)
        return 1
    for path in paths:
        logger.info("%s : %d lignes, %d octets", path.name, pq.ParquetFile(path).metadata.num_rows,
                    path.stat().st_size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
