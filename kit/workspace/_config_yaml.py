"""Lecture sûre du YAML de configuration d'une collectivité.

`read_config_yaml` lit le fichier avec un chargeur dérivé de ``yaml.SafeLoader`` qui :

- lit les **codes tels qu'écrits** : YAML 1.1 lit ``code_insee: 01053`` comme le nombre
  octal 555 et ``0750`` comme 488. Pour les clés de code (``code_insee``, ``siren``,
  ``siret``, ``code_postal``, ``departement``, ``region``, ``code``, ``codes``, ``epci`` et
  toute clé qui commence par ``code``), la valeur est le texte écrit dans le fichier, avec ou
  sans apostrophes, y compris dans une liste sous une telle clé. Il en va de même des noms de
  feuilles (``feuille``), des chemins, des identifiants (``jeu``), des noms et des dates
  (vérifiées ensuite par `kit.workspace._config_check`), et des valeurs des sections
  ``equipe_donnees`` et ``maturite`` ; les clés des dictionnaires sont toujours du texte ;
- refuse les **clés en double** à tout niveau (la seconde écraserait la première en
  silence), en nommant la clé et ses lignes ;
- **borne les alias** (« billion laughs ») : au plus `MAX_ALIASES` usages d'alias, au plus
  `MAX_NODES` valeurs une fois les alias développés, et aucun alias récursif. Les alias
  restent permis dans ces limites (par exemple ``<<: *commun`` pour partager des clés entre
  entrées de ``fichiers``) ;
- refuse un fichier de plus de `MAX_BYTES` octets ou trop imbriqué.

Les erreurs sont des `ConfigError` en français qui citent la ligne.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kit.errors import ConfigError

__all__ = ["CODE_KEYS", "MAX_ALIASES", "MAX_BYTES", "MAX_NODES", "TEXT_KEYS", "is_code_key",
           "read_config_yaml"]

#: Nombre maximal d'usages d'alias (``*nom``) dans une configuration.
MAX_ALIASES = 100
#: Nombre maximal de valeurs (clés, listes, textes) une fois les alias développés.
MAX_NODES = 20_000
#: Taille maximale du fichier de configuration (un YAML de collectivité fait quelques Ko).
MAX_BYTES = 1_000_000

#: Clés dont la valeur est un code, lue telle qu'écrite (jamais un nombre).
CODE_KEYS = frozenset({"code_insee", "siren", "siret", "code_postal", "departement", "region",
                       "code", "codes", "epci"})
#: Autres clés dont la valeur est lue telle qu'écrite : noms, chemins, feuilles, dates.
TEXT_KEYS = frozenset({
    "feuille", "sheet", "fichier", "path", "chemin", "schema", "service", "jeu", "nom",
    "strate", "remarque", "type", "niveau", "type_collectivite", "detenteur", "donnees", "date",
    "inventaires", "registre", "pairs", "competences", "cas_usage", "groupe_travail",
    "catalogue", "historique", "definitions", "strates", "indicateurs", "par_habitant",
})
#: Sections dont toutes les valeurs sont du texte tel qu'écrit (rôles, dossiers par campagne).
_TEXT_SECTIONS = frozenset({"equipe_donnees", "maturite"})
_NULLS = ("", "~", "null", "Null", "NULL")
_MERGE = "tag:yaml.org,2002:merge"


def is_code_key(key: object) -> bool:
    """Vrai si la valeur de `key` est un code (lu tel qu'écrit)."""
    text = str(key)
    return text in CODE_KEYS or text.startswith("code")


class _Loader(yaml.SafeLoader):
    """SafeLoader : codes et textes tels qu'écrits, clés en double et alias contrôlés."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_uses = 0
        self.duplicates: list[str] = []

    # ------------------------------------------------------------------ composition
    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            self.alias_uses += 1
            if self.alias_uses > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise ConfigError(
                    f"plus de {MAX_ALIASES} alias (« *nom », ligne {mark.line + 1}) ; des alias "
                    "imbriqués peuvent faire exploser la taille du fichier lu (« billion "
                    "laughs »). Écrivez les valeurs en entier.")
        return super().compose_node(parent, index)

    # ------------------------------------------------------------------ construction
    def construct_object(self, node: Node, deep: bool = False) -> Any:
        if isinstance(node, ScalarNode):
            _no_nul(node)
            try:
                return super().construct_object(node, deep)
            except (ValueError, OverflowError) as exc:  # 2026-02-31, nombre démesuré…
                raise yaml.constructor.ConstructorError(
                    None, None, f"valeur illisible « {node.value} » (date ou nombre "
                    "impossible)", node.start_mark) from exc
        return super().construct_object(node, deep)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        return self._mapping(node, deep, text_values=False)

    def _mapping(self, node: MappingNode, deep: bool, *, text_values: bool) -> dict[Any, Any]:
        self._check_duplicates(node)
        self.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            if text_values or key in TEXT_KEYS or is_code_key(key):
                out[key] = self._text(value_node, deep)
            elif key in _TEXT_SECTIONS and isinstance(value_node, MappingNode):
                out[key] = self._mapping(value_node, deep, text_values=True)
            else:
                out[key] = self.construct_object(value_node, deep=deep)
        return out

    def _key(self, key_node: Node) -> str:
        if isinstance(key_node, ScalarNode):
            _no_nul(key_node)
            return key_node.value  # une clé est un nom : « 2024 », « 0750 » restent du texte
        raise yaml.constructor.ConstructorError(
            None, None, "une clé doit être un simple nom, pas une liste ni un dictionnaire",
            key_node.start_mark)

    def _text(self, node: Node, deep: bool) -> Any:
        """Valeur telle qu'écrite : texte pour un scalaire, liste de textes pour une liste."""
        if isinstance(node, ScalarNode):
            _no_nul(node)
            if node.style is None and node.value in _NULLS:
                return None
            return node.value
        if isinstance(node, SequenceNode):
            return [self._text(item, deep) for item in node.value]
        return self.construct_object(node, deep=deep)  # dictionnaire : règles habituelles

    def _check_duplicates(self, node: MappingNode) -> None:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE or not isinstance(key_node, ScalarNode):
                continue
            line = key_node.start_mark.line + 1
            if key_node.value in seen:
                self.duplicates.append(f"clé « {key_node.value} » en double (lignes "
                                       f"{seen[key_node.value]} et {line})")
            else:
                seen[key_node.value] = line


def _no_nul(node: ScalarNode) -> None:
    """Refuse le caractère nul (« \\0 » entre guillemets) : il casse chemins et fichiers."""
    if "\x00" in node.value:
        raise yaml.constructor.ConstructorError(
            None, None, "caractère nul (\\0) interdit dans une valeur", node.start_mark)


def _check_graph(root: Node) -> None:
    """Refuse un alias récursif et un document qui dépasse `MAX_NODES` valeurs développées."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        ident = id(node)
        children = ([n for pair in node.value for n in pair] if isinstance(node, MappingNode)
                    else list(node.value) if isinstance(node, SequenceNode) else [])
        if done:
            on_path.discard(ident)
            sizes[ident] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[ident] > MAX_NODES:
                raise ConfigError(
                    f"plus de {MAX_NODES} valeurs une fois les alias (« *nom ») développés (à "
                    f"partir de la ligne {node.start_mark.line + 1}, « billion laughs »). "
                    "Écrivez les valeurs en entier.")
            continue
        if ident in sizes:
            continue
        if ident in on_path:
            raise ConfigError(f"alias récursif (ligne {node.start_mark.line + 1}) : une valeur "
                              "se contient elle-même. Retirez cet alias.")
        on_path.add(ident)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


def _lines(root: Node) -> dict[tuple[Any, ...], int]:
    """Ligne (1 = première) de chaque clé et élément de liste, par chemin de clés."""
    found: dict[tuple[Any, ...], int] = {}
    stack: list[tuple[Node, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE:
                    here = (*path, key_node.value)
                    found.setdefault(here, key_node.start_mark.line + 1)
                    stack.append((value_node, here))
        elif isinstance(node, SequenceNode):
            for number, item in enumerate(node.value):
                here = (*path, number)
                found.setdefault(here, item.start_mark.line + 1)
                stack.append((item, here))
    return found


def read_config_yaml(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Lit un YAML de configuration en toute sûreté.

    Parameters
    ----------
    path
        Fichier YAML (UTF-8, avec ou sans BOM).

    Returns
    -------
    tuple
        Le contenu (dictionnaire, ou autre valeur si le fichier n'est pas un dictionnaire) et
        la ligne de chaque clé, par chemin (``("fichiers", 2, "schema") → 41`` ; les rangs
        de liste commencent à 0).

    Raises
    ------
    ConfigError
        Fichier trop gros, pas en UTF-8, syntaxe YAML incorrecte, clés en double, alias trop
        nombreux, trop développés ou récursifs, valeur illisible (date impossible…).

    Examples
    --------
    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp()) / "c.yaml"
    >>> _ = tmp.write_text("code_insee: 01053\\nfeuille: 0750\\npopulation: 0750\\n")
    >>> read_config_yaml(tmp)[0]
    {'code_insee': '01053', 'feuille': '0750', 'population': 488}
    """
    name = path.name
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ConfigError(f"Configuration {name} refusée : {size} octets, plus que les "
                          f"{MAX_BYTES} permis. Une configuration fait quelques Ko : vérifiez "
                          "qu'il s'agit du bon fichier.", path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Configuration illisible : {name} n'est pas un YAML valide en UTF-8 "
                          f"(octet inattendu en position {exc.start}). Enregistrez-le en UTF-8.",
                          path) from exc
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}
        _check_graph(root)
        lines = _lines(root)
        data = loader.construct_document(root)
    except ConfigError as exc:
        raise ConfigError(f"Configuration {name} refusée : {exc}", path) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"Configuration illisible : {name} n'est pas un YAML valide en UTF-8 "
                          f"({_where(exc)}). Vérifiez l'indentation (espaces, pas de "
                          "tabulations), les deux-points et les guillemets.", path) from None
    except RecursionError:
        raise ConfigError(f"Configuration {name} refusée : valeurs imbriquées trop "
                          "profondément.", path) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ConfigError(f"Configuration {name} : "
                          + "\n- ".join(["clés en double (la seconde écraserait la première) :",
                                         *loader.duplicates])
                          + "\nGardez une seule fois chaque clé.", path)
    return data, lines


def _where(exc: yaml.YAMLError) -> str:
    """« ligne 3, colonne 5 : détail » d'une erreur PyYAML (détail technique en anglais)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    at = f"ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else "position inconnue"
    return f"{at} ; détail technique : « {problem} »"
