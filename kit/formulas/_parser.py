"""Lecture des formules : jetons, analyse par descente récursive, vérification des types.

Rien n'est jamais exécuté : le texte est découpé en jetons, analysé par précédence des
opérateurs, puis vérifié (nombre, texte, condition ; agrégations non imbriquées). La longueur
(2 000 caractères), l'imbrication (50 niveaux) et la profondeur de l'arbre (100 niveaux) sont
bornées : toute chaîne donne un arbre ou une `FormulaError`, rapidement.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass

from kit.formulas._ast import (
    AMBIGUOUS_NUMBER,
    FUNCTIONS,
    KEYWORDS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NESTING,
    PRECEDENCE,
    Binary,
    Call,
    Compare,
    FormulaError,
    Logical,
    Name,
    Node,
    Not,
    Number,
    String,
    Unary,
    error,
    normalize_name,
)

_OP_ALIASES = {"==": "=", "<>": "!=", "≠": "!=", "≤": "<=", "≥": ">=", "×": "*", "÷": "/",
               "−": "-"}
_FUNCTION_PREFIX = re.compile(r"\s*fonction\s*:", re.IGNORECASE)
_FUNCTION_REF = re.compile(r"\s*fonction\s*:\s*([A-Za-z_][A-Za-z0-9_]*)\s*", re.IGNORECASE)
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<num>[0-9]+(?:[.,][0-9]+)?(?:[eE][+-]?[0-9]+)?)
    |(?P<name>[^\W\d]\w*)
    |(?P<quoted>`(?:[^`]|``)*`)
    |(?P<str>"(?:[^"]|"")*"|'(?:[^']|'')*'|«[^»]*»|“[^”]*”)
    |(?P<op>>=|<=|!=|<>|==|[-+*/()<>=.,≠≤≥×÷−])""",
    re.VERBOSE,
)


# ------------------------------------------------------------------------------- jetons


@dataclass(frozen=True)
class Token:
    kind: str  # num, name, quoted, str, op, kw, end
    value: str
    pos: int


def tokenize(text: str, indicator: str = "") -> list[Token]:
    """Découpe la formule en jetons ; lève `FormulaError` au premier caractère inattendu."""
    tokens: list[Token] = []
    pos, n = 0, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch in "\"'«“`":
                kind = "nom" if ch == "`" else "texte"
                raise error(f"{kind} ouvert par {ch} mais jamais refermé", indicator=indicator,
                            text=text, pos=pos, hint="Ajoutez le guillemet fermant")
            raise error(f"caractère inattendu {ch!r}", indicator=indicator, text=text, pos=pos,
                        hint="Opérateurs permis : + - * / ( ) = != < <= > >= ; textes entre "
                             "guillemets ; noms avec accents, ou entre `accents graves`")
        kind, value = m.lastgroup, m.group()
        if kind == "num":
            if AMBIGUOUS_NUMBER.fullmatch(value):
                raise error(f"nombre ambigu « {value} » (séparateur de milliers ou décimal ?)",
                            indicator=indicator, text=text, pos=pos,
                            hint="Écrivez les milliers sans séparateur (1000) ou ajoutez un "
                                 "zéro aux décimales (1,0000 ou 1.0000)")
            tokens.append(Token("num", value.replace(",", "."), pos))
        elif kind == "name":
            low = value.lower()
            tokens.append(Token("kw", low, pos) if low in KEYWORDS else Token("name", value, pos))
        elif kind == "quoted":
            name = value[1:-1].replace("``", "`")
            if not name.strip():
                raise error("nom vide entre accents graves", indicator=indicator, text=text,
                            pos=pos)
            tokens.append(Token("quoted", name, pos))
        elif kind == "str":
            q = value[0]
            body = value[1:-1]
            if q in "\"'":
                body = body.replace(q + q, q)
            else:  # « Verre » : espaces typographiques intérieurs retirés
                body = body.strip(" \u00a0\u202f\t")
            tokens.append(Token("str", body, pos))
        elif kind == "op":
            if value == ",":
                raise error("virgule inattendue", indicator=indicator, text=text, pos=pos,
                            hint="La virgule ne sert qu'aux décimales (0,5) ; une fonction ne "
                                 "prend qu'un argument, et l'on filtre avec « où » : "
                                 "somme(tonnage où flux = \"Verre\")")
            tokens.append(Token("op", _OP_ALIASES.get(value, value), pos))
        pos = m.end()
    tokens.append(Token("end", "", n))
    return tokens


# ------------------------------------------------------------------------------- analyse


class _Parser:
    def __init__(self, text: str, indicator: str) -> None:
        self.text = text
        self.indicator = indicator
        self.tokens = tokenize(text, indicator)
        self.i = 0
        self.nesting = 0
        self.depth: dict[int, int] = {}

    # outils
    def fail(self, problem: str, pos: int | None, hint: str = "") -> FormulaError:
        return error(problem, indicator=self.indicator, text=self.text, pos=pos, hint=hint)

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def describe(self, tok: Token) -> str:
        if tok.kind == "end":
            return "la fin de la formule"
        if tok.kind == "str":
            return f"le texte « {tok.value} »"
        return f"« {tok.value} »"

    def expect(self, value: str, what: str, hint: str = "") -> Token:
        if self.tok.kind == "op" and self.tok.value == value:
            return self.next()
        raise self.fail(f"{what} attendue, reçu {self.describe(self.tok)}", self.tok.pos, hint)

    def make(self, node: Node, *children: Node | None) -> Node:
        d = 1 + max((self.depth.get(id(c), 1) for c in children if c is not None), default=0)
        if d > MAX_DEPTH:
            raise self.fail(f"formule trop longue ou trop imbriquée (plus de {MAX_DEPTH} "
                            "opérations enchaînées)", node.pos,
                            "Découpez-la en plusieurs indicateurs")
        self.depth[id(node)] = d
        self._keep = getattr(self, "_keep", [])
        self._keep.append(node)  # garde les id() valides pendant l'analyse
        return node

    def enter(self, pos: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.fail(f"formule trop imbriquée (plus de {MAX_NESTING} niveaux)", pos,
                            "Simplifiez-la ou découpez-la en plusieurs indicateurs")

    # grammaire
    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.fail("formule vide", 0, "Écrivez par exemple : somme(tonnage)")
        node = self.expr(1)
        if self.tok.kind != "end":
            tok = self.tok
            if tok.kind == "kw" and tok.value == "où":
                raise self.fail("« où » hors d'une fonction", tok.pos,
                                "Le filtre se place dans la fonction : "
                                "nombre(interventions où delai_jours > 7)")
            if tok.kind == "op" and tok.value == ")":
                raise self.fail("parenthèse fermante en trop", tok.pos)
            raise self.fail(f"opérateur attendu, reçu {self.describe(tok)}", tok.pos,
                            "Reliez les termes par + - * / ou, dans une condition, par et / ou")
        return node

    def binop(self) -> tuple[str, int] | None:
        tok = self.tok
        if tok.kind == "op" and tok.value in PRECEDENCE:
            return tok.value, PRECEDENCE[tok.value]
        if tok.kind == "kw" and tok.value in ("et", "ou"):
            return tok.value, PRECEDENCE[tok.value]
        return None

    def expr(self, min_prec: int) -> Node:
        left = self.prefix()
        while (op := self.binop()) is not None and op[1] >= min_prec:
            value, prec = op
            tok = self.next()
            right = self.expr(prec + 1)
            if prec == 4:
                left = self.make(Compare(value, left, right, tok.pos), left, right)
                nxt = self.binop()
                if nxt is not None and nxt[1] == 4:
                    raise self.fail("comparaisons enchaînées", self.tok.pos,
                                    "Écrivez deux comparaisons reliées par « et » : "
                                    "a < b et b < c")
            elif prec <= 2:
                left = self.make(Logical(value, left, right, tok.pos), left, right)
            else:
                left = self.make(Binary(value, left, right, tok.pos), left, right)
        return left

    def prefix(self) -> Node:
        tok = self.tok
        if tok.kind == "kw" and tok.value == "non":
            self.next()
            self.enter(tok.pos)
            operand = self.expr(3)
            self.nesting -= 1
            return self.make(Not(operand, tok.pos), operand)
        if tok.kind == "op" and tok.value in "+-":
            self.next()
            self.enter(tok.pos)
            operand = self.prefix()
            self.nesting -= 1
            if tok.value == "+":
                return operand
            return self.make(Unary("-", operand, tok.pos), operand)
        return self.atom()

    def atom(self) -> Node:
        tok = self.next()
        if tok.kind == "num":
            value = float(tok.value)
            if not math.isfinite(value):
                raise self.fail(f"nombre trop grand « {tok.value} »", tok.pos)
            return self.make(Number(value, tok.pos))
        if tok.kind == "str":
            return self.make(String(tok.value, tok.pos))
        if tok.kind == "op" and tok.value == "(":
            self.enter(tok.pos)
            node = self.expr(1)
            self.nesting -= 1
            self.expect(")", "parenthèse fermante", "Ajoutez la parenthèse manquante")
            return node
        if tok.kind == "name" and self.tok.kind == "op" and self.tok.value == "(":
            return self.call(tok)
        if tok.kind in ("name", "quoted"):
            if self.tok.kind == "op" and self.tok.value == ".":
                self.next()
                col = self.next()
                if col.kind not in ("name", "quoted"):
                    raise self.fail(f"nom de colonne attendu après « {tok.value}. », reçu "
                                    f"{self.describe(col)}", col.pos,
                                    "Écrivez table.colonne, par exemple dechets.tonnage")
                if self.tok.kind == "op" and self.tok.value == ".":
                    raise self.fail("un seul point est permis (table.colonne)", self.tok.pos)
                return self.make(Name(col.value, tok.value, tok.pos))
            return self.make(Name(tok.value, None, tok.pos))
        if tok.kind == "kw":
            if tok.value == "où":
                raise self.fail("« où » doit suivre ce que l'on agrège", tok.pos,
                                "Exemple : nombre(interventions où delai_jours > 7)")
            raise self.fail(f"« {tok.value} » inattendu ici (mot réservé)", tok.pos,
                            f"Pour une colonne nommée « {tok.value} », écrivez `{tok.value}`")
        if tok.kind == "end":
            raise self.fail("la formule s'arrête trop tôt", tok.pos,
                            "Complétez l'opération ou la parenthèse")
        raise self.fail(f"valeur attendue, reçu {self.describe(tok)}", tok.pos,
                        "Une valeur est un nombre, un nom ou une fonction comme somme(...)")

    def call(self, name_tok: Token) -> Node:
        function = normalize_name(name_tok.value)
        if function not in FUNCTIONS:
            near = difflib.get_close_matches(function, FUNCTIONS, n=1, cutoff=0.6)
            raise self.fail(f"fonction inconnue « {name_tok.value} »", name_tok.pos,
                            (f"Vouliez-vous dire « {near[0]} » ? " if near else "")
                            + "Fonctions permises : " + ", ".join(FUNCTIONS))
        open_tok = self.next()
        self.enter(open_tok.pos)
        arg = where = None
        if not (self.tok.kind == "kw" and self.tok.value == "où") and not (
                self.tok.kind == "op" and self.tok.value == ")"):
            arg = self.expr(1)
        if self.tok.kind == "kw" and self.tok.value == "où":
            self.next()
            where = self.expr(1)
        self.nesting -= 1
        self.expect(")", f"parenthèse fermante de {function}(",
                    "Une fonction prend un seul argument, éventuellement suivi de "
                    "« où condition »")
        return self.make(Call(function, arg, where, name_tok.pos), arg, where)


# ------------------------------------------------------------------------ vérification


def _kind(node: Node, inside: bool, p: _Parser) -> str:
    """Type d'un nœud : 'num', 'str', 'bool' ou 'any' (colonne de type encore inconnu)."""
    if isinstance(node, Number):
        return "num"
    if isinstance(node, String):
        if not inside:
            raise p.fail("un texte entre guillemets ne s'emploie que dans une condition",
                         node.pos, 'Exemple : somme(tonnage où flux = "Verre")')
        return "str"
    if isinstance(node, Name):
        if inside:
            return "any"
        if node.table is not None:
            raise p.fail(f"la colonne {node.table}.{node.name} est utilisée hors d'une "
                         "agrégation", node.pos,
                         f"Écrivez par exemple somme({node.table}.{node.name})")
        return "num"  # variable (population, surface…)
    if isinstance(node, Unary):
        if _kind(node.operand, inside, p) in ("str", "bool"):
            raise p.fail("le signe moins s'applique à un nombre", node.pos)
        return "num"
    if isinstance(node, Binary):
        for side in (node.left, node.right):
            k = _kind(side, inside, p)
            if k in ("str", "bool"):
                what = "un texte" if k == "str" else "une condition"
                raise p.fail(f"calcul « {node.op} » sur {what}", node.pos,
                             "Les opérations + - * / portent sur des nombres")
        if node.op == "/" and isinstance(node.right, Number) and node.right.value == 0:
            raise p.fail("division par zéro : le dénominateur est la constante 0", node.pos)
        return "num"
    if isinstance(node, Compare):
        if not inside:
            raise p.fail("une comparaison ne s'emploie que dans un filtre « où »", node.pos,
                         "Exemple : nombre(interventions où delai_jours > 7)")
        kinds = {_kind(node.left, inside, p), _kind(node.right, inside, p)}
        if "bool" in kinds:
            raise p.fail(f"comparaison « {node.op} » entre conditions", node.pos,
                         "Reliez les conditions par « et » ou « ou »")
        if kinds == {"num", "str"}:
            raise p.fail(f"comparaison « {node.op} » entre un nombre et un texte", node.pos)
        return "bool"
    if isinstance(node, (Logical, Not)):
        word = node.op if isinstance(node, Logical) else "non"
        if not inside:
            raise p.fail(f"« {word} » ne s'emploie que dans un filtre « où »", node.pos)
        sides = (node.left, node.right) if isinstance(node, Logical) else (node.operand,)
        for side in sides:
            if _kind(side, inside, p) != "bool":
                hint = ("Pour filtrer, écrivez « où » (avec accent grave) : "
                        "nombre(interventions où delai_jours > 7)") if word == "ou" else \
                    "Exemple : flux = \"Verre\" et tonnage > 0"
                raise p.fail(f"« {word} » relie des conditions (comparaisons)", node.pos, hint)
        return "bool"
    assert isinstance(node, Call)
    if inside:
        raise p.fail(f"fonction {node.function}( dans une autre fonction", node.pos,
                     "Les agrégations ne s'imbriquent pas ; combinez-les par + - * /")
    if node.arg is None and node.function != "nombre":
        raise p.fail(f"{node.function}( attend une colonne", node.pos,
                     f"Exemple : {node.function}(tonnage)")
    if node.arg is not None:
        k = _kind(node.arg, True, p)
        if k == "bool":
            raise p.fail(f"{node.function}( reçoit une condition", node.pos,
                         "Une condition se place après « où » : "
                         "nombre(interventions où delai_jours > 7)")
        if k == "str":
            raise p.fail(f"{node.function}( reçoit un texte", node.pos)
    if node.where is not None and _kind(node.where, True, p) != "bool":
        raise p.fail("le filtre après « où » doit être une condition", node.pos,
                     'Exemple : somme(tonnage où flux = "Verre")')
    return "num"


def parse(text: str, indicator: str = "") -> Node | str:
    """Analyse `text` ; renvoie l'arbre, ou le nom de fonction pour `fonction:nom`."""
    if not isinstance(text, str):
        raise error(f"une formule est un texte, reçu {type(text).__name__}",
                    indicator=indicator)
    if len(text) > MAX_LENGTH:
        raise error(f"formule trop longue ({len(text)} caractères, maximum {MAX_LENGTH})",
                    indicator=indicator,
                    hint="Découpez-la, ou écrivez une fonction Python enregistrée "
                         "(fonction:nom)")
    bad = next((i for i, c in enumerate(text) if "\ud800" <= c <= "\udfff"), None)
    if bad is not None:  # demi-caractère UTF-16 isolé : texte abîmé
        raise error("caractère invalide (texte mal encodé)", indicator=indicator,
                    text=text.encode("utf-8", "replace").decode("utf-8"), pos=bad)
    text = unicodedata.normalize("NFC", text)
    if _FUNCTION_PREFIX.match(text):
        m = _FUNCTION_REF.fullmatch(text)
        if m is None:
            raise error("nom de fonction Python incorrect après « fonction: »",
                        indicator=indicator, text=text, pos=text.find(":") + 1,
                        hint="Écrivez fonction:nom_en_snake_case")
        return m.group(1)
    p = _Parser(text, indicator)
    root = p.parse()
    if _kind(root, False, p) != "num":
        raise p.fail("la formule doit donner un nombre", 0)
    return root
