"""Ligne de commande du kit : ``python -m kit <commande> …``.

Commandes :

- ``valider FICHIER [--schema NOM_OU_CHEMIN] [--feuille NOM]`` : vérifie un fichier contre un
  schéma et affiche le rapport (sans schéma : affiche le profil de qualité du fichier).
- ``demo`` : exécute tous les notebooks sur data/samples et écrit les rapports dans reports/.
- ``documents --config FICHIER [--sortie DOSSIER]`` : écrit la charte de la donnée, les clauses
  données des contrats, le plan d'acculturation et la note d'organisation (Word) de la
  collectivité, dans reports/documents/ par défaut (0 : écrits, 2 : configuration ou fichiers
  illisibles).

Codes de sortie de ``valider`` : 0 fichier valide, 1 fichier avec erreurs, 2 fichier ou schéma
illisible.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from kit._cli import FrenchParser
from kit.documents import DEFAULT_DIR, write_documents
from kit.errors import KitError
from kit.io import load_table
from kit.quality import profile
from kit.report import demo_main
from kit.schemas import load_schema
from kit.validation import validate
from kit.workspace import load_config

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """Analyseur des arguments ; chaque sous-commande range sa fonction dans ``func``."""
    parser = FrenchParser(
        prog="python -m kit",
        description="Kit d'analyse de données pour les collectivités territoriales.",
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    sub = parser.add_subparsers(title="commandes", dest="commande", metavar="COMMANDE",
                                parser_class=FrenchParser)
    valider = sub.add_parser(
        "valider", add_help=False,
        help="vérifie un fichier (xlsx, ods, csv…) contre un schéma de données",
        description="Vérifie un fichier contre un schéma Table Schema (SCDL, schema.data.gouv.fr"
                    " ou schéma du kit) et affiche chaque problème avec sa cellule. Sans "
                    "--schema, affiche le profil de qualité du fichier. Codes de sortie : 0 "
                    "valide, 1 erreurs trouvées, 2 fichier ou schéma illisible.")
    valider.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    valider.add_argument("fichier", metavar="FICHIER", help="fichier à vérifier")
    valider.add_argument("--schema", metavar="NOM_OU_CHEMIN",
                         help="nom d'un schéma du kit ou chemin d'un fichier JSON Table Schema")
    valider.add_argument("--feuille", metavar="NOM",
                         help="feuille du classeur à lire (par défaut : la feuille de données "
                              "détectée)")
    valider.add_argument("--max-par-colonne", type=int, default=20, metavar="N",
                         help="nombre maximal de problèmes affichés par colonne (défaut : 20)")
    valider.set_defaults(func=_cmd_valider)
    demo = sub.add_parser(
        "demo", add_help=False,
        help="exécute tous les notebooks sur data/samples et écrit les rapports HTML",
        description="Exécute chaque notebook de notebooks/ sur les données d'exemple et écrit "
                    "un rapport HTML sans code, lisible hors ligne, dans reports/.")
    demo.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    demo.set_defaults(func=_cmd_demo)
    documents = sub.add_parser(
        "documents", add_help=False,
        help="écrit la charte, les clauses des contrats, le plan d'acculturation et la note "
             "d'organisation (Word)",
        description="Refait le diagnostic et la priorisation depuis la configuration, puis "
                    "écrit les documents de la méthode en Word modifiable : "
                    "charte_donnees.docx, clauses_donnees_<operateur>.docx, "
                    "plan_acculturation.docx, organisation.docx. Codes de sortie : 0 écrits, "
                    "2 configuration ou fichiers illisibles.")
    documents.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    documents.add_argument("--config", required=True, metavar="FICHIER",
                           help="configuration YAML de la collectivité")
    documents.add_argument("--sortie", metavar="DOSSIER", default=None,
                           help="dossier des documents (défaut : reports/documents/)")
    documents.set_defaults(func=_cmd_documents)
    return parser


def _cmd_documents(args: argparse.Namespace) -> int:
    try:
        written = write_documents(load_config(args.config), args.sortie)
    except KitError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except OSError as exc:
        print(f"Erreur : impossible d'écrire dans « {args.sortie or DEFAULT_DIR} » "
              f"({exc.strerror or exc}). Choisissez un autre dossier avec --sortie.",
              file=sys.stderr)
        return EXIT_UNREADABLE
    paths = written.paths()
    print(f"{len(paths)} document(s) écrit(s) dans {paths[0].parent} :")
    for path in paths:
        print(f"- {path.name}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    return demo_main(Path.cwd())


def _cmd_valider(args: argparse.Namespace) -> int:

    try:
        schema = load_schema(args.schema) if args.schema else None
        df = load_table(args.fichier, sheet=args.feuille, schema=schema)
    except KitError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if schema is None:
        print(f"Profil de {args.fichier} (aucun schéma donné : pas de validation ; "
              "utilisez --schema pour vérifier le fichier).\n")
        print(profile(df).to_text(), end="")
        return EXIT_OK
    report = validate(df, schema)
    print(report.to_text(max_per_column=args.max_par_colonne), end="")
    return EXIT_OK if report.ok else EXIT_INVALID


def main(argv: Sequence[str] | None = None) -> int:
    """Point d'entrée de ``python -m kit`` et de ``kit-territoires``.

    Parameters
    ----------
    argv
        Arguments (sans le nom du programme) ; par défaut ceux de la ligne de commande.

    Returns
    -------
    int
        Code de sortie.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_UNREADABLE
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
