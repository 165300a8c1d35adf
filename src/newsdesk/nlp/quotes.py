"""Quotes: direct quotations and reported speech, attributed to their speakers.

Direct quotes are found from the quotation marks themselves (curly and straight, double and
single, multi-sentence, multi-paragraph continuations, split quotes '"A," he said, "B."', also
across a long attribution set off by commas: '"A," said X, director of ... in London, "but B."').
The speaker is the subject of the nearest speech verb in the quote's sentence ("said", "told",
"according to", ...) read from spaCy's dependency parse; pronouns are resolved to the most
recent compatible person before the quote; a quote standing alone continues the previous
speaker. Reported speech is a speech verb with a clausal complement ("X said on Tuesday that
...") or an "according to X" phrase. Indirect speakers are kept as written ("one of the
Turkish sources"); a carrying outlet ("... quoted by Reuters", "told Reuters") goes to
``Quote.outlet``.

Besides the speech verb in the quote's sentence, a speaker comes from: a clause ending in a
colon just before the quote, in the same or the previous paragraph ('Cruz continued: / "..."',
'- Carl Bialik: "..."'); a subject and verb right after it ('"...?" Trump went on', also when
the sentence splitter cut after '?"'); a dash and a name after it ('"..." ― Jane Doe'); the
words between the quote and "said" when the parse attached "said" inside the quote. A passive
speech verb takes its agent ("was asked by host Bill Maher").

A partial quote woven into the writer's sentence ('He vowed that "billionaires would pay" on
Monday': not opening its sentence or following a colon, comma, dash or speech verb, or not
closing it; after a naming verb, 'what it calls "..."'; starting in lower case after the
writer's words) is reported speech: the speech verb's clause around it when the parse has one;
so is a quote completing a sentence that a short attribution interrupts ('An economic downturn,
he said, "could be ..."'), and a lone quote right after a partial quote in its paragraph goes
on with it; one right after its speech verb that opens what the verb reports while the writer's
words go on is a direct quote with its clause ('Sanders says "the wind is at our backs" despite
his loss'). A noun spelled like a speech verb ('the United States "must ..."', 'his remarks
"were ..."') is none. Without a speech verb such quotes are scare quotes and dropped, and so
are titles in title case ('"Coal Isn't the Villain"'). Wire copy's doubled single marks
(''...'') count as double marks; a quotation that goes on right after the sentence attributing
it ('"A," said X, a lawyer. "B."') is one quote. Two words with their own speech verb are a
quote when they end a sentence ('"You lie!" he yelled'), and so is a reply of one or two words
beside its attribution ('"Probably," she said'); an opening curly mark typed for a closing one
closes ('... for her here,“ said X'). A quotation opening its sentence (or right after its
speech verb) in capitals stands on its own even when the writer's words go on after it ('"We
are thrilled" about the ruling, said X'); words called out right after a verb or noun of
shouting are a quote however short ('the crowd chanted "Lock her up!"'), and a doubled closing
mark ends a quotation before another as '"' does. A quotation going on from what a speech verb
reports in the writer's words is reported speech: in the same sentence ('He added that voters
have a choice: "..."'), as a lone quotation after such a sentence ('She says the city should
act. "..."', also after the object of a verb not addressed to someone: 'She announced a lawsuit
against the firm. "..."'), or after a partial quote and its attribution. A headline 'Name:
‘Words’' is a direct quote of that name.

Who speaks: the addressee or medium of a speech verb is never the speaker ('X told Al
Jazeera': X speaks, Al Jazeera is ``Quote.outlet``, as in 'said in an interview with CNN',
'was quoted by IRNA as saying'); 'X was quoted as saying' credits X; a participle hung on
the reported clause ('said assessments are ongoing, adding that ...') credits the subject of
the first verb; a subject must be a name, a pronoun or a person/organisation/document noun,
not an abstract noun phrase ('assessments for the establishment of a base'). Quoted text
keeps its closing marks ("a 'danger to Israel'").

`rank_quotes` orders an article's quotes for its page: speaker prominence, novelty (no quote
contained in or paraphrasing one above it), and content. Figures: bench/quotes.py.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsdesk.nlp.entities import (
    PERSON_ROLES,
    EntityCluster,
    EntityResult,
    Mention,
    sentence_initial,
)
from newsdesk.nlp.lexicon.quotes import (
    ABSTRACT_SUFFIXES,
    ADDRESSEE_FORMS,
    ANONYMOUS_SPEAKER_WORDS,
    CARRIER_FORMS,
    CLOSES_QUOTE,
    CONNECTIVE_TAGS,
    DASHES,
    DOCUMENT_NOUNS,
    DOUBLE_CLOSE,
    DOUBLE_OPEN,
    MEDIUM_NOUNS,
    NAMING_FORMS,
    NEWS_OUTLETS,
    NOT_REPORT_FORMS,
    OPENS_QUOTE,
    PRONOUNS,
    RANK_STOP_WORDS,
    SAY_LEMMAS,
    SHOUT_FORMS,
    SPEAKING_ABSTRACTS,
    STAKES_WORDS,
    SUBJ_DEPS,
    TELL_FORMS,
    TITLE_SMALL_WORDS,
    TRANSCRIPT_HEADING,
    TRANSCRIPT_MIN_TURNS,
    TRANSCRIPT_TURN,
)
from newsdesk.nlp.types import Quote

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

CUE_FORMS = {form for forms in SAY_LEMMAS.values() for form in forms.split()}
# verbs that introduce reported speech with a clause ("X said that ..."): no "called", "put" ...
REPORT_FORMS = CUE_FORMS - NOT_REPORT_FORMS

_SPACE = re.compile(r"\s+")


@dataclass
class QuoteSpan:
    """A quote with character offsets (used by the benchmark and for merging)."""

    segments: list[tuple[int, int]]  # content spans, without quotation marks
    outer: tuple[int, int]  # first opening mark .. last closing mark
    kind: str = "direct"
    speaker: str | None = None
    speaker_span: tuple[int, int] | None = None
    cue: str | None = None
    cue_span: tuple[int, int] | None = None
    speaker_entity: str | None = None
    outlet: str | None = None
    text: str = ""
    inherited: bool = False
    shouted: bool = False  # called out right after a verb of shouting ('chanted "..."')

    def to_quote(self) -> Quote:
        return Quote(
            quote=self.text,
            speaker=self.speaker,
            cue=self.cue,
            kind=self.kind,
            speaker_entity=self.speaker_entity,
            outlet=self.outlet,
        )


# --- finding quotation marks --------------------------------------------------------------


@dataclass
class _Raw:
    segments: list[tuple[int, int]] = field(default_factory=list)
    outer_start: int = 0
    outer_end: int = 0


_DOUBLED = re.compile(r"(?<!')''(?!')|``")


def _doubled_marks(text: str) -> str:
    """Two single marks written for one double mark (''...'' in wire copy, ``...''):
    replaced by a space and a '"' of the same length, so offsets stay those of `text`. An
    opening pair becomes ' "' (after a space, dash or bracket), a closing one '" '."""
    if "''" not in text and "``" not in text:
        return text
    chars = list(text)
    for m in _DOUBLED.finditer(text):
        i = m.start()
        prev = text[i - 1] if i > 0 else " "
        if m.group() == "``" or prev.isspace() or prev in DASHES:
            chars[i], chars[i + 1] = " ", '"'
        else:
            chars[i], chars[i + 1] = '"', " "
    return "".join(chars)


def find_quote_spans(text: str, start: int = 0) -> list[_Raw]:
    """Direct quotations in text[start:], by their quotation marks."""
    marks = _doubled_marks(text)
    quotes = _scan(marks, start, double=True)
    if marks is not text:  # outer spans over both marks of a pair
        for q in quotes:
            if text[q.outer_start - 1 : q.outer_start + 1] in ("''", "``"):
                q.outer_start -= 1
            if text[q.outer_end - 1 : q.outer_end + 1] == "''":
                q.outer_end += 1
    # single quotes outside double-quoted material ('British style' and Daily Mail copy)
    covered = [(q.outer_start, q.outer_end) for q in quotes]
    singles = [
        q
        for q in _scan(marks, start, double=False)
        if not any(a <= q.outer_start < b for a, b in covered)
    ]
    out = sorted(quotes + singles, key=lambda q: q.outer_start)
    return out


# A single mark opening a few words before, in the same sentence: "the economy 'excites'
# millions" closes it, where "the players' union" is a possessive.
_SHORT_QUOTE = re.compile(r"(?:^|[\s(\[])['‘]\w[^.!?'‘’]{0,30}$")


def _mark_role(text: str, i: int, double: bool) -> str | None:
    ch = text[i]
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if double:
        if ch in DOUBLE_OPEN:
            # an opening mark typed for a closing one: 'for her here,“ said Jim Clyburn'
            typed_close = i > 0 and not (prev.isspace() or prev in DASHES)
            if ch == "“" and typed_close and (nxt.isspace() or nxt in ",.;:!?"):
                return "close"
            return "open"
        if ch in DOUBLE_CLOSE:
            # a closing mark typed for an opening one: '”Fear. I am ...', '” … he delivered'
            if ch == "”" and (prev.isspace() or i == 0) and nxt.isalnum():
                return "open"
            if ch == "”" and (prev == "\n" or i == 0) and text[i + 1 : i + 3].strip() == "…":
                return "open"
            return "close"
        if ch != '"':
            return None
        if prev.isspace() and (nxt.isspace() or nxt in ",.;:!?"):
            return "toggle"  # '"... the term \'outreach,\' " he told': closes an open quote
        if prev.isspace() or prev in DASHES or i == 0:
            return "open"
        if nxt.isspace() or not nxt.isalnum():
            return "close"
        return "toggle"
    if ch == "‘":
        return "open" if not prev.isalnum() else None
    if ch not in "'’":
        return None
    if prev.isalnum() and nxt.isalnum():
        return None  # apostrophe: "don't", "it’s"
    if (prev.isspace() or prev in DASHES or i == 0 or prev in '"“') and (
        nxt.isalnum() or nxt in '"“….'
    ):
        if ch == "’" and nxt.isdigit():
            return None  # ’90s
        return "open"
    if not prev.isspace() and (nxt.isspace() or not nxt.isalnum()):
        if prev in "sS" and nxt == " " and not _SHORT_QUOTE.search(text[max(0, i - 40) : i]):
            follow = re.match(r" (\w+)", text[i + 1 : i + 30])
            word = follow.group(1).lower() if follow else ""
            if word not in CUE_FORMS and word not in PRONOUNS and word not in {"and", "or"}:
                return None  # possessive: "the players' union"
        return "close"
    return None


def _scan(text: str, start: int, double: bool) -> list[_Raw]:
    marks = '"“”„«»' if double else "'‘’"
    out: list[_Raw] = []
    current: _Raw | None = None
    open_at: int | None = None
    n = len(text)
    i = start
    while i < n:
        ch = text[i]
        if ch == "\n":
            if open_at is not None and current is not None:
                # unterminated at the end of a paragraph: continues if the next one opens
                seg = _trim(text, open_at + 1, i)
                if seg:
                    current.segments.append(seg)
                    current.outer_end = i
                j = i + 1
                while j < n and text[j].isspace():
                    j += 1
                if j < n and text[j] in marks and _mark_role(text, j, double) in ("open", "toggle"):
                    i = j
                    open_at = j
                    i += 1
                    continue
                out.append(current)
                current, open_at = None, None
            i += 1
            continue
        if ch in marks:
            role = _mark_role(text, i, double)
            if role == "toggle":
                role = "close" if open_at is not None else "open"
            if role == "open":
                if open_at is not None and current is not None:
                    before = text[open_at + 1 : i].rstrip()
                    if before.endswith((".", "?", "!", "…", ":")) or not double:
                        # new paragraph of the same quotation (flattened text)
                        seg = _trim(text, open_at + 1, i)
                        if seg:
                            current.segments.append(seg)
                    else:
                        current = _Raw(outer_start=i)
                else:
                    current = _Raw(outer_start=i)
                open_at = i
            elif role == "close" and open_at is not None and current is not None:
                seg = _trim(text, open_at + 1, i)
                if seg:
                    current.segments.append(seg)
                current.outer_end = i + 1
                out.append(current)
                current, open_at = None, None
        i += 1
    if current is not None and open_at is not None:
        seg = _trim(text, open_at + 1, n)
        if seg:
            current.segments.append(seg)
            current.outer_end = n
            out.append(current)
    return [q for q in out if q.segments]


def _trim(text: str, a: int, b: int) -> tuple[int, int] | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if b > a else None


# --- attribution ------------------------------------------------------------------------


class _Ctx:
    def __init__(self, doc: Doc, ents: EntityResult, body_start: int) -> None:
        self.doc = doc
        self.text = doc.text  # Doc.text joins every token on each access: read it once
        self.ents = ents
        self.body_start = body_start
        self.tok_starts = [t.idx for t in doc]
        self.by_token = ents.by_token()
        self.sents: list[Span] = list(doc.sents)
        self.sent_starts = [s.start_char for s in self.sents]
        self.inside: list[tuple[int, int]] = []  # outer spans of direct quotes

    def token_at(self, char: int) -> int:
        return max(0, bisect_right(self.tok_starts, char) - 1)

    def sent_index(self, char: int) -> int:
        return max(0, bisect_right(self.sent_starts, char) - 1)

    def in_quote(self, char: int) -> bool:
        return any(a <= char < b for a, b in self.inside)

    def in_label(self, char: int, tok: Token) -> bool:
        """`tok` (at `char`) is a capitalised name in quotation marks of a word or two
        ("detainee 'A' in Woodhill Prison said"), not a quotation nor a term ('"trackers"')."""
        return tok.text[:1].isupper() and any(
            a <= char < b and len(self.text[a:b].split()) <= 2 for a, b in self.inside
        )


def _is_cue(t: Token) -> bool:
    low = t.lower_
    if low == "according":
        return True
    return low in CUE_FORMS and t.tag_.startswith("VB")


SPOKEN_PASSIVES = {"quoted", "cited"}  # "X was quoted (cited) saying": X speaks
_SAYERS = frozenset(
    PERSON_ROLES | ANONYMOUS_SPEAKER_WORDS | SPEAKING_ABSTRACTS | MEDIUM_NOUNS | DOCUMENT_NOUNS
)


def _subject(ctx: _Ctx, cue: Token) -> Token | None:
    doc = ctx.doc
    if cue.lower_ == "according":
        nxt = doc[cue.i + 1] if cue.i + 1 < len(doc) else None
        if nxt is not None and nxt.lower_ == "to":
            for child in nxt.children:
                if child.dep_ == "pobj":
                    return child
            if cue.i + 2 < len(doc):
                return doc[cue.i + 2]
        return None
    t = cue
    for _ in range(4):
        for child in t.children:
            # "was asked by host Bill Maher"; not "was quoted by Reuters as saying" (a medium)
            if child.dep_ == "agent" and t.lower_ not in CARRIER_FORMS:
                pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
                if pobj is not None:
                    return pobj
        # the subject nearest the verb, outside the quotation ('"..., it will," said Acton')
        subjects = [
            c
            for c in t.children
            if c.dep_ in SUBJ_DEPS
            and (not ctx.in_quote(c.idx) or ctx.in_label(c.idx, c))
            and any(ch.isalpha() for ch in c.text)
        ]
        if subjects:
            child = min(subjects, key=lambda c: abs(c.i - t.i))
            if child.tag_ in ("WP", "WDT") and t.dep_ == "relcl":
                # "Woodhead, who has said ..." -> Woodhead; "a flag that says ..." -> nobody
                return t.head if child.tag_ == "WP" or _can_say(ctx, t.head) else None
            return _caller(t, child) or child
        # 'Blige sings ... before asking her, "..."': up through the clause and preposition
        if t.dep_ in ("xcomp", "advcl", "conj", "pcomp", "prep") and t.head.i != t.i:
            t = t.head
            # 'X said assessments are ongoing, adding that ...': the parse hangs "adding" on
            # the reported clause; its subject is what was said, the speaker is X's
            while t.dep_ == "ccomp" and t.head.i != t.i and _is_cue(t.head):
                t = t.head
            continue
        break
    gap = _gap_subject(ctx, cue)  # '"...," Tulsa police Chief Chuck Jordan said Monday'
    if gap is not None:
        return gap
    # inversion parsed without nsubj: '"...," said Smith' / 'said one of the sources'
    for child in cue.rights:
        if child.ent_type_ in ("DATE", "TIME"):
            continue
        if child.dep_ in ("attr", "dobj", "npadvmod", "dep", "oprd") and (
            child.i in ctx.by_token or child.tag_ in ("NN", "NNS", "NNP", "NNPS", "CD", "PRP")
        ):
            if cue.lower_ in ADDRESSEE_FORMS and (
                child.dep_ == "dobj" or child.tag_ == "PRP" or cue.lower_ in TELL_FORMS
            ):
                continue  # 'told Al Jazeera', 'asking her': who is spoken to, not who speaks
            return child
    nxt_i = cue.i + 1
    if nxt_i < len(doc) and doc[nxt_i].i in ctx.by_token:
        m = ctx.by_token[doc[nxt_i].i]
        if m.label in ("PERSON", "ORG"):  # 'said Danon', also when tagged as an organisation
            return doc[nxt_i]
    return None


_OBJECT_PRONOUNS = frozenset({"him", "her", "them"})


def _caller(verb: Token, subject: Token) -> Token | None:
    """ "Trump phoned Raffensperger urging him to 'find' votes": the parse makes the one
    phoned the subject of "urging", but "him" is the one urged; the speaker is who phoned.
    The subject of the verb a participle hangs on, when the participle's subject stands
    between the two verbs, the head verb has no object of its own and the participle
    addresses a pronoun ("urging him", "asking her")."""
    head = verb.head
    if verb.tag_ != "VBG" or verb.dep_ != "advcl" or head.i == verb.i:
        return None
    if not any(c.dep_ == "dobj" and c.lower_ in _OBJECT_PRONOUNS for c in verb.children):
        return None
    if any(c.dep_ == "dobj" for c in head.children) or not head.i < subject.i < verb.i:
        return None
    return next((c for c in head.children if c.dep_ in SUBJ_DEPS), None)


def _gap_subject(ctx: _Ctx, cue: Token) -> Token | None:
    """The speaker between a quote and its verb when the parse missed the subject:
    '"...," Tulsa police Chief Chuck Jordan said' (the small model often attaches the verb
    inside the quote). The first person named there ('"...," Ramos, 58, told AFP'), else the
    first organisation, else a noun or pronoun right before the verb."""
    doc = ctx.doc
    gap: list[Token] = []
    i = cue.i - 1
    while i >= 0 and len(gap) < 30:  # '"...," Reza H Akbari, programme manager at ..., told
        t = doc[i]
        verb = (t.tag_.startswith("VB") and not t.ent_type_) or t.tag_ == "MD"  # "Tulsa" VB
        if ctx.in_quote(t.idx) or verb or t.is_space:
            break
        gap.insert(0, t)
        i -= 1
    if not gap or i < 0 or not ctx.in_quote(doc[i].idx):
        return None  # only right after a quotation
    names = [t for t in gap if t.i in ctx.by_token and ctx.by_token[t.i].label == "PERSON"]
    if names:
        return names[0]
    # a name the model did not tag, set off by a comma: '"...," Reza H Akbari, programme
    # manager at the Institute for ..., told Al Jazeera' (the name, not the institute)
    lead = 0
    while lead < len(gap) and gap[lead].tag_ in ("NNP", "NNPS"):
        lead += 1
    if lead >= 2 and lead < len(gap) and gap[lead].text == "," and gap[0].text[:1].isupper():
        return gap[lead - 1]
    names = [t for t in gap if t.i in ctx.by_token and ctx.by_token[t.i].label == "ORG"]
    if names:
        return names[0]
    last = gap[-1]
    if last.tag_ in ("NN", "NNS", "NNP", "NNPS", "PRP"):
        return last
    return None


_AGENT_ENDINGS = (
    "er",
    "ers",
    "or",
    "ors",
    "ist",
    "ists",
    "ian",
    "ians",
    "ant",
    "ants",
    "ent",
    "ents",
)


def _can_say(ctx: _Ctx, noun: Token) -> bool:
    """Whether the noun a "that"/"which" clause hangs on can say something: a name, someone
    ("officials", "analysts", "the prosecutor"), or a document or body (DOCUMENT_NOUNS); no
    section number ("5.1.2(i)" of a list of rules)."""
    if noun.i in ctx.by_token or noun.tag_ in ("NNP", "NNPS", "PRP"):
        return not _numbered(ctx, noun)
    word = noun.lower_
    return (
        word.endswith(_AGENT_ENDINGS)
        or word in _SAYERS
        or word.removesuffix("s") in _SAYERS
        or (word.endswith(ABSTRACT_SUFFIXES) and _speaker_like(ctx, noun))
    )


def _speaker_like(ctx: _Ctx, head: Token) -> bool:
    """Whether a subject can be a speaker: a name, a pronoun, a person or organisation noun
    ('officials', 'the ministry', 'a report'), not an abstract noun phrase ('assessments for
    the establishment of a base'): a common noun with an abstract ending (-ment, -tion, -ity
    ...) speaks only when it names an institution or a document (lexicon SPEAKING_ABSTRACTS)."""
    if _numbered(ctx, head):
        return False
    if head.i in ctx.by_token or head.tag_ not in ("NN", "NNS"):
        return True
    word = head.lower_
    if not word.endswith(ABSTRACT_SUFFIXES):
        return True
    return word in SPEAKING_ABSTRACTS or word.removesuffix("s") in SPEAKING_ABSTRACTS


def _numbered(ctx: _Ctx, head: Token) -> bool:
    """A section number the NER did not take for a name: "5.1.2(i)" of a list of rules,
    "3.1.1" (not "4Cast" nor "3M")."""
    return head.i not in ctx.by_token and _SECTION.match(head.text) is not None


_SECTION = re.compile(r"\d+(?:\.\d+)+")


def _name_start(ctx: _Ctx, head: Token, m: Mention) -> int:
    """Where a name the model tagged in part begins: capitalised compound nouns of the subject
    right before a place it found ("Universities Scotland claimed": not "Scotland")."""
    left = m.token_start
    if m.entity is None or m.entity.type != "place":
        return left  # "Mr Hague", a surname the model read as a place, is the person's
    while left > 0:
        t = ctx.doc[left - 1]
        if t.dep_ != "compound" or t.head.i != head.i or t.tag_ not in ("NNP", "NNPS", "NNS"):
            break
        if not t.text[:1].isupper() or t.i in ctx.by_token:
            break
        left -= 1
    return left


def _speaker_phrase(ctx: _Ctx, head: Token) -> tuple[str, tuple[int, int], Mention | None]:
    doc = ctx.doc
    m = ctx.by_token.get(head.i)
    if m is not None and any(t.tag_.startswith("VB") for t in doc[m.token_start : m.token_end]):
        m = None  # an NER slip that swallowed the verb: "Trump went on" as a name
    if m is not None:
        left = _name_start(ctx, head, m)
        if left < m.token_start:  # "Universities Scotland claimed": not "Scotland"
            span = doc[left : m.token_end]
            return span.text, (span.start_char, span.end_char), None
        return m.text, (m.start, m.end), m
    # a common noun with a named apposition: "the commander, Hossein Salami, said"
    for child in head.children:
        if child.dep_ == "appos" and child.i in ctx.by_token:
            am = ctx.by_token[child.i]
            if am.label == "PERSON":
                return am.text, (am.start, am.end), am
    # ... which the parse may hang on a place inside the phrase: "The BBC's correspondent in
    # Jakarta, Rachel Harvey, told ...": a person is not in apposition to a place
    for t in head.subtree:
        if t.dep_ == "appos" and t.i in ctx.by_token and _placed_apposition(ctx, t):
            am = ctx.by_token[t.i]
            return am.text, (am.start, am.end), am
    if head.lower_ in PRONOUNS:
        return head.text, (head.idx, head.idx + len(head.text)), None
    # as written: the noun phrase without relative clauses or appositions
    skip: set[int] = set()
    for child in head.children:
        if (
            child.dep_ in ("relcl", "appos")
            or (child.dep_ == "punct" and child.i > head.i)
            or (child.dep_ == "acl" and child.lower_ in CARRIER_FORMS)  # "quoted by AP": outlet
        ):
            skip.update(t.i for t in child.subtree)
    toks = [t for t in head.subtree if t.i not in skip and not t.is_space]
    # stop at the first comma after the head (also one the parse hung elsewhere: 'Reza H
    # Akbari, Middle East ... manager' with the title parsed as a conjunct)
    stop = next(
        (t.i for t in ctx.doc[head.i + 1 : head.right_edge.i + 1] if t.text in _NP_STOPS),
        head.right_edge.i + 1,
    )
    kept = [t for t in toks if t.i < stop]
    while kept and (kept[0].is_punct or kept[0].lower_ in {"and", "but"}):
        kept.pop(0)
    while kept and kept[-1].is_punct:
        kept.pop()
    if not kept:
        kept = [head]
    if len(kept) > 16:
        kept = [t for t in kept if abs(t.i - head.i) <= 8]
    a, b = kept[0].idx, kept[-1].idx + len(kept[-1].text)
    inner = [ctx.by_token[t.i] for t in kept if t.i in ctx.by_token]
    inner_person = [x for x in inner if x.label == "PERSON" and x.token_end - 1 == head.i]
    return ctx.text[a:b], (a, b), inner_person[0] if inner_person else None


_NP_STOPS = {",", ";", "(", "—", "–"}
_PLACE_LABELS = {"GPE", "LOC", "FAC"}


def _placed_apposition(ctx: _Ctx, t: Token) -> bool:
    """A person's name the parse set in apposition to a place: the name belongs to the phrase
    the place is in ("the correspondent in Jakarta, Rachel Harvey")."""
    name, place = ctx.by_token.get(t.i), ctx.by_token.get(t.head.i)
    return (
        name is not None
        and name.label == "PERSON"
        and place is not None
        and place.label in _PLACE_LABELS
        and t.head.dep_ == "pobj"
    )


def _outlet(ctx: _Ctx, cue: Token, head: Token | None) -> str | None:
    """A carrying outlet (the medium): 'a source quoted by Reuters', 'told Reuters', 'was
    quoted by IRNA as saying', 'said in an interview with CNN', 'speaking to the BBC'."""
    candidates: list[Token] = []
    if head is not None:
        for t in head.subtree:
            if t.lower_ in ("quoted", "cited", "speaking", "interviewed") and t.i > head.i:
                for sub in t.subtree:
                    if sub.dep_ == "pobj":
                        candidates.append(sub)
    tell = cue.lower_ in TELL_FORMS
    if tell:
        for child in cue.children:
            if child.dep_ in ("dobj", "dative", "iobj"):
                candidates.append(child)
    # 'was quoted by Reuters as saying'
    for t in list(cue.ancestors)[:3]:
        if t.lower_ in CARRIER_FORMS:
            for child in t.children:
                if child.dep_ == "agent":
                    candidates.extend(c for c in child.children if c.dep_ == "pobj")
    # 'said in an interview with CNN', 'said in a statement to Reuters', 'speaking to the BBC'
    for prep in cue.children:
        speaking = prep.dep_ == "advcl" and prep.lower_ in ("speaking", "writing")
        if speaking:
            tell = True
            prep = next((c for c in prep.children if c.dep_ == "prep"), prep)
        if prep.dep_ != "prep":
            continue
        for noun in prep.children:
            if noun.dep_ != "pobj" or noun.lower_.removesuffix("s") not in MEDIUM_NOUNS:
                if noun.dep_ == "pobj" and speaking and prep.lower_ in ("to", "with", "on"):
                    candidates.append(noun)
                continue
            for prep2 in noun.children:
                if prep2.dep_ == "prep" and prep2.lower_ in ("with", "to", "on"):
                    tell = True
                    candidates.extend(c for c in prep2.children if c.dep_ == "pobj")
    candidates += [p for c in candidates for p in c.children if p.dep_ == "poss"]  # CNN's host
    for c in candidates:
        m = ctx.by_token.get(c.i)
        if m is None:  # 'the Associated Press news agency': the name is the head's compound
            m = next((ctx.by_token[t.i] for t in c.lefts if t.i in ctx.by_token), None)
        name = m.text if m is not None else c.text
        key = re.sub(r"^the\s+", "", name.lower()).strip()
        if (m is not None and m.label == "ORG" and not tell) or key in NEWS_OUTLETS:
            return m.entity.name if m is not None and m.entity is not None else name
    return None


def _quote_text(text: str, segments: list[tuple[int, int]]) -> str:
    parts = [_SPACE.sub(" ", text[a:b]).strip() for a, b in segments]
    parts = [p for p in parts if p]
    out = ""
    for k, part in enumerate(parts):
        if k and out.endswith(",") and part[:1].isupper():
            out = out[:-1] + "."
        out = f"{out} {part}" if out else part
    return out.rstrip(",;: ")


def _told(t: Token) -> bool:
    """The word is inside what a speech verb reports, not the story's own sentence: "Mr Clarke"
    of "He told the Today programme that Mr Clarke had been reported to be ..."."""
    return any(a.dep_ == "ccomp" and _is_cue(a.head) for a in t.ancestors)


def _surnames_missed(
    ctx: _Ctx, start: int, end: int, gender: str
) -> list[tuple[int, int, EntityCluster]]:
    """A person's surname the NER left out between `start` and `end`, as a mention of them
    (position, 1 if a subject, the person): "However during the case on Tuesday Mr Ebbers
    denied the allegations. '…,' he told the court" (the model took no "Mr Ebbers" there)."""
    people: dict[str, EntityCluster | None] = {}
    for c in ctx.ents.clusters:
        words = c.name.split()
        if c.type != "person" or c.gender not in (None, gender) or len(words) < 2:
            continue
        last = words[-1]
        if last.isalpha() and last[:1].isupper():
            people[last] = None if last in people else c  # a surname two people share: none
    out = []
    for t in ctx.doc[ctx.token_at(start) : ctx.token_at(end)]:
        person = people.get(t.text)
        if person is None or t.i in ctx.by_token or ctx.in_quote(t.idx) or _told(t):
            continue
        out.append((t.idx, 1 if t.dep_ in SUBJ_DEPS else 0, person))
    return out


def pronoun_referent(doc: Doc, ents: EntityResult, pron: Token) -> EntityCluster | None:
    """The person ("he", "she") or organisation ("it", "they") a pronoun stands for, found as
    a quote's speaker's is (nlp/figures.py: who vouches for a figure)."""
    return _resolve_pronoun(_Ctx(doc, ents, 0), pron, [])


def _resolve_pronoun(
    ctx: _Ctx, pron: Token, history: list[QuoteSpan], people_only: bool = True
) -> EntityCluster | None:
    low = pron.lower_
    pos = pron.idx
    sent_i = ctx.sent_index(pos)
    window_start = ctx.sents[max(0, sent_i - 6)].start_char
    if low in ("he", "she"):
        want = "m" if low == "he" else "f"
        cands: list[tuple[int, int, EntityCluster]] = []
        for m in ctx.ents.mentions:
            if m.start >= pos or m.start < window_start or m.entity is None:
                continue
            c = m.entity
            if c.type != "person" or (c.gender is not None and c.gender != want):
                continue
            tok = ctx.doc[m.token_end - 1]
            if ctx.in_quote(m.start) or _told(tok):
                continue
            if tok.dep_ == "appos" and _placed_apposition(ctx, tok):
                tok = tok.head.head.head  # "The correspondent in Jakarta, Rachel Harvey, told"
            elif tok.dep_ == "appos":  # 'The US representative, McCoy Pitt, insisted'
                tok = tok.head
            subject = tok.dep_ in SUBJ_DEPS or (tok.dep_ == "pobj" and tok.head.lower_ == "to")
            cands.append((m.start, 1 if subject else 0, c))
        cands += _surnames_missed(ctx, window_start, pos, want)
        for q in history:
            if q.speaker_span and q.speaker_span[0] < pos and q.speaker_span[0] >= window_start:
                c2 = ctx.ents.resolve(q.speaker_entity) if q.speaker_entity else None
                if c2 is not None and c2.type == "person" and c2.gender in (None, want):
                    cands.append((q.speaker_span[0], 1, c2))
        if not cands:
            return None
        subjects = [c for c in cands if c[1]]
        pool = subjects or cands
        return max(pool, key=lambda c: c[0])[2]
    if low in ("they", "it", "we"):
        # the latest organisation named, a sentence's subject before any other: "The EFF ...
        # has asked the court to stop Apple pursuing the sources. It argues ..." is the EFF
        orgs: list[tuple[int, int, EntityCluster]] = []
        window_start = ctx.sents[max(0, sent_i - 3)].start_char
        for m in ctx.ents.mentions:
            if m.start >= pos or m.start < window_start or m.entity is None:
                continue
            if m.entity.type != "organization" or ctx.in_quote(m.start):
                continue
            tok = ctx.doc[m.token_end - 1]
            main = tok.dep_ in SUBJ_DEPS and tok.head.dep_ == "ROOT"  # not "stop Apple pursuing"
            orgs.append((m.start, 1 if main else 0, m.entity))
        if not orgs:
            return None
        latest = ctx.sent_index(max(orgs, key=lambda c: c[0])[0])
        last = [c for c in orgs if ctx.sent_index(c[0]) == latest]
        return max(last, key=lambda c: (c[1], c[0]))[2]
    return None


def _plural_subject(ctx: _Ctx, pron: Token) -> Token | None:
    """The people a "they" stands for when the latest sentence subject before it is a plural
    noun that spoke: "Opponents say the £2bn cost ... . They said this is illegal" (not the
    High Court named before them); not past another subject ("BAA are also owners of ... .
    They have said")."""
    first = ctx.sents[max(0, ctx.sent_index(pron.idx) - 3)].start
    for t in reversed(ctx.doc[first : pron.i]):
        if t.dep_ not in ("nsubj", "nsubjpass") or t.head.dep_ != "ROOT" or ctx.in_quote(t.idx):
            continue
        if t.tag_ == "NNS" and t.dep_ == "nsubj" and _is_cue(t.head) and _speaker_like(ctx, t):
            return t
        return None
    return None


def _attribute(
    ctx: _Ctx, q: QuoteSpan, cue: Token, history: list[QuoteSpan], head: Token | None = None
) -> None:
    head = head if head is not None else _subject(ctx, cue)
    passive = head is not None and head.dep_ == "nsubjpass" and head.head.i == cue.i
    if passive and cue.lower_ not in SPOKEN_PASSIVES:
        return  # what is said or who is told ("when a critical flaw is announced")
    q.cue = "according to" if cue.lower_ == "according" else cue.text
    if cue.tag_ == "VBG" and cue.i >= 2 and ctx.doc[cue.i - 1].lower_ == "as":
        # "Salami was quoted as saying": shown "(quoted)", not "(saying)"
        quoted = next((t for t in cue.ancestors if t.lower_ == "quoted"), None)
        q.cue = quoted.text if quoted is not None else q.cue
    particle = next((c for c in cue.children if c.dep_ == "prt" and c.i == cue.i + 1), None)
    if particle is not None and q.cue == cue.text:  # "went on", "hit back": the verb whole
        q.cue = f"{cue.text} {particle.text}"
    q.cue_span = (cue.idx, cue.idx + len(cue.text))
    if head is None or (ctx.in_quote(head.idx) and not ctx.in_label(head.idx, head)):
        head = _gap_subject(ctx, cue)
    if head is None or not _speaker_like(ctx, head) or head.lower_ in _OBJECT_PRONOUNS:
        return  # "had warned him such practises were improper": "him" was told, no speaker
    text, span, mention = _speaker_phrase(ctx, head)
    if _VERSIONED.search(text):
        return  # "iOS 9.3 adds …", "Swift 5.5 brings …": a release, nobody speaking
    q.speaker, q.speaker_span = text, span
    if mention is not None and mention.entity is not None:
        q.speaker_entity = mention.entity.name
        if mention.entity.type == "person" and mention.label == "PERSON":
            q.speaker = mention.text
    elif head.lower_ in PRONOUNS:
        group = _plural_subject(ctx, head) if head.lower_ == "they" else None
        c = _resolve_pronoun(ctx, head, history) if group is None else None
        if group is not None:
            q.speaker, q.speaker_span, _m = _speaker_phrase(ctx, group)
        elif c is not None:
            q.speaker = c.name
            q.speaker_entity = c.name
        elif head.lower_ in ("he", "she", "you"):
            q.speaker = None  # "you" unresolved: the interviewer's guest, or anyone
    else:
        resolved = ctx.ents.resolve(text) or _titled(ctx, text, span[0]) or _named_next(ctx, text)
        if resolved is not None:
            q.speaker_entity = resolved.name
    q.outlet = _outlet(ctx, cue, head)


_VERSIONED = re.compile(r"\b[A-Za-z][\w+-]*\s+v?\d+(?:\.\d+)+\b")  # "iOS 9.3", "Xcode 12.0.1"
_ROLE_OPENERS = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


# Words that make a title another post: "shadow chancellor Oliver Letwin" is not "the
# chancellor", nor "Deputy Prime Minister John Prescott" "the prime minister".
_OTHER_ROLES = tuple(f"{w} " for w in ("shadow", "deputy", "vice", "former", "ex", "acting"))


def _titled(ctx: _Ctx, phrase: str, before: int) -> EntityCluster | None:
    """The person an earlier sentence gave this role as a title or an apposition: "The Tory
    leader" after "Tory leader Michael Howard", "the home secretary" after "David Blunkett,
    the home secretary,", "the chancellor" after "Chancellor Gordon Brown" (the latest such
    person)."""
    role = " ".join(_ROLE_OPENERS.sub("", phrase).split()).lower()
    if role == " ".join(phrase.split()).lower():
        return None  # no article: a name, not a role
    if len(role.split()) < 2 and role not in PERSON_ROLES:
        return None  # "The man": too vague; "the mayor" (a post) is not
    best: tuple[int, EntityCluster] | None = None
    for m in ctx.ents.mentions:
        if m.start >= before or m.entity is None or m.entity.type != "person":
            continue
        ahead = " ".join(ctx.text[max(0, m.start - len(role) - 18) : m.start].split()).lower()
        after = " ".join(ctx.text[m.end : m.end + len(role) + 8].split()).lower()
        titled = ahead.endswith(role) and not ahead[: -len(role)].endswith(_OTHER_ROLES)
        if (titled or after.startswith((f", {role}", f", the {role}"))) and (
            best is None or m.start > best[0]
        ):
            best = (m.start, m.entity)
    return best[1] if best else None


def _role_key(phrase: str) -> frozenset[str]:
    """A role as its words' first five letters, without "the" or a possessive: "Russia's
    president" and "the Russian president" are both {"russi", "presi"}; empty when the phrase
    has no person's role (PERSON_ROLES) in it."""
    words = [w.lower().removesuffix("'s").removesuffix("’s") for w in phrase.split()]
    words = [w for w in words if w not in ("the", "a", "an")]
    if not words or words[-1] not in PERSON_ROLES or len(words) > 4:
        return frozenset()
    return frozenset(w[:5] for w in words)


def _named_next(ctx: _Ctx, phrase: str) -> EntityCluster | None:
    """The person a lead names by role and the next sentence by name, the news's delayed
    identification: "Russia's president has defended the purchase … . Vladimir Putin said …"
    (then "the Russian president said" is Putin too)."""
    key = _role_key(phrase)
    if len(key) < 2:
        return None  # "the president" alone: whose?
    # the lead only (the body's first sentence): later ones name by role whom they like
    i = next((i for i, s in enumerate(ctx.sents[:-1]) if s.start_char >= ctx.body_start), None)
    if i is None:
        return None
    lead, after = ctx.sents[i], ctx.sents[i + 1].start_char
    if not key <= {t.lower_.removesuffix("'s")[:5] for t in lead}:
        return None
    people = [m for m in ctx.ents.mentions if m.entity is not None and m.entity.type == "person"]
    if any(lead.start_char <= m.start < lead.end_char for m in people):
        return None  # the lead names someone itself
    return next((m.entity for m in people if m.start == after), None)


def _frame_tokens(ctx: _Ctx, a: int, b: int) -> list[Token]:
    """Tokens of the sentences touching chars [a, b) that are outside every direct quote."""
    si, sj = ctx.sent_index(a), ctx.sent_index(max(a, b - 1))
    start = ctx.sents[si].start
    end = ctx.sents[sj].end
    # '"Are you sure?" Sanders asked.' is split after '?"': the next sentence frames the quote
    # (also after wire copy's doubled closing mark, "?''": the outer span ends with both)
    text = ctx.text
    if (
        sj + 1 < len(ctx.sents)
        and text[max(a, b - 3) : b].rstrip("\"”’'")[-1:] in ("?", "!")
        and ctx.sents[sj].end_char <= b + 1
        and "\n" not in text[b : ctx.sents[sj + 1].start_char]
        and not ctx.in_quote(ctx.sents[sj + 1].start_char)  # not the next quotation
    ):
        end = ctx.sents[sj + 1].end
    return [t for t in ctx.doc[start:end] if not ctx.in_quote(t.idx)]


def _best_cue(ctx: _Ctx, frame: list[Token], a: int, b: int) -> Token | None:
    best: tuple[int, Token] | None = None
    for t in frame:
        if not _is_cue(t):
            continue
        dist = (t.idx - b) if t.idx >= b else (a - t.idx) + 1
        # a cue separated from the quote by another clause is less likely
        if best is None or dist < best[0]:
            best = (dist, t)
    if best is None:
        return None
    return best[1]


def extract_quotes(
    doc: Doc, ents: EntityResult, body_start: int = 0, reported: bool = True
) -> list[QuoteSpan]:
    """Direct and reported quotes of the body of `doc` (which starts at char `body_start`)."""
    ctx = _Ctx(doc, ents, body_start)
    text = ctx.text
    raws = find_quote_spans(text, body_start)
    ctx.inside = [(r.outer_start, r.outer_end) for r in raws]
    out: list[QuoteSpan] = []
    partial: list[QuoteSpan] = []
    history: list[QuoteSpan] = []  # every attributed quote so far, direct or partial
    used_cues: set[int] = set()
    # a lone quote that goes on with a partial quote before it, in its paragraph
    joins: dict[int, QuoteSpan] = {}  # id of a quote joined -> the partial quote it joined
    for r in raws:
        q = QuoteSpan(segments=r.segments, outer=(r.outer_start, r.outer_end))
        q.text = _quote_text(text, r.segments)
        n_words = len(q.text.split())
        a, b = q.outer
        goes_on: QuoteSpan | None = None
        report_clause: Token | None = None  # what the sentence before reports, going on here
        frame = _frame_tokens(ctx, a, b)
        cue = _best_cue(ctx, frame, a, b)
        spoken = cue is not None  # a speech verb (or an introducing colon) was found
        if cue is not None:
            _attribute(ctx, q, cue, history)
            used_cues.add(cue.i)
        else:
            spoken = _introduced(ctx, q, history)
            frame_words = [t for t in frame if t.is_alpha]
            if not spoken and frame_words:
                _postposed(ctx, q, history)
            elif not spoken:
                # a quote standing alone: the speaker of the previous quote continues, or
                # whoever the sentence before it reports ('Mr Dunn said he expected ... .
                # "We want to ..."')
                prev = _previous_speaker(ctx, history, a)
                said = _said_before(ctx, a)
                if said is not None and (prev is None or prev.outer[1] <= said.idx):
                    _attribute(ctx, q, said, history)
                    q.inherited = q.speaker is not None
                    if q.inherited:
                        report_clause = _report_of(said)
                    if not q.inherited:  # no one to credit there ("The restoration revealed")
                        q.cue = q.cue_span = q.outlet = None
                if not q.inherited and prev is not None:
                    _inherit(q, prev)
                    # ... and after a partial quote in its paragraph, goes on with it
                    report = joins.get(id(prev), prev)
                    if (
                        report.kind == "reported"
                        and "\n" not in text[prev.outer[1] : a]
                        and len(report.text.split()) >= 4  # not a title ('on "Meet the Press."')
                        # '"A," X said, adding that "...". "B."': B goes on from A
                        and not (out and out[-1].cue_span == prev.cue_span)
                    ):
                        goes_on = report
        shout = _shout_before(ctx, a)
        if shout is not None:
            # 'the crowd chanted "Lock her up!"', 'a man yelled "Stay there!"': words called
            # out are a quote of their own, however short and wherever in the sentence
            q.shouted = True
            if shout.tag_.startswith("VB"):
                _attribute(ctx, q, shout, history)
            out.append(q)
            history.append(q)
            continue
        if q.speaker is None and q.speaker_entity is None and n_words < 6:
            continue  # scare quotes, titles
        if not spoken and not q.inherited and n_words < 6:
            continue
        if _is_title(q.text):
            continue  # 'his book "All Bets Are Off."'
        if _embedded(ctx, q):
            # a partial quote is reported speech; without a speech verb it is a scare quote
            if cue is not None and _as_partial(ctx, q, cue):
                partial.append(q)
                history.append(q)
            continue
        lead = next((p for p in reversed(partial) if p.cue_span == q.cue_span), None)
        if (
            cue is not None
            and lead is not None
            and history[-1] is lead  # the quotation right before
            and lead.cue_span is not None
            and lead.outer[1] <= lead.cue_span[0] < a  # '"partial," X said. "B."'
            and reported
            and "\n" not in text[lead.outer[1] : a]
            and text[lead.outer[1] : a].rstrip().endswith(".")
        ):
            # 'Golf clubs are "just scratching out a profit," he said. "Golf is a thin
            # industry."': the quotation its speech verb shares with a partial quote before
            # it goes on with that report (reported speech, one attribution)
            q.kind = "reported"
            joins[id(q)] = lead
            _join(text, lead, q)
            history.append(q)
            continue
        if report_clause is not None and reported:
            # 'She says people should use the bathroom they prefer. "It is their life."':
            # the quotation goes on with what the sentence before reports in the writer's
            # words, one report (reported speech), as PolNeAR's annotators mark it; shown
            # as such, the quoted words in their marks
            words = [t for t in report_clause.subtree if not t.is_space]
            while len(words) > 1 and words[0].dep_ == "mark":
                words.pop(0)  # "that"
            start, end = words[0].idx, words[-1].idx + len(words[-1])
            if text[end : end + 1] in _SENTENCE_ENDS:
                end += 1  # the report's own sentence, ended, before the quotation's
            if end <= a:
                q.text = f"{_SPACE.sub(' ', text[start:end]).strip()} {_with_marks(text, q)}"
                q.segments = [(start, end), *q.segments]
                q.outer = (start, b)
                used_cues.add(report_clause.head.i)  # the report is this one, not its own
            q.kind = "reported"
            partial.append(q)
            history.append(q)
            continue
        if goes_on is not None and reported:
            # 'Many saw the Democrats as "the party of government," From said. "Our
            # challenge was: ..."': the partial quote before goes on in this one, one
            # attribution (reported speech), as PolNeAR's annotators mark it (train split:
            # of 28 such lone quotes 22 matched no annotated direct quote)
            q.kind = "reported"
            joins[id(q)] = goes_on
            _join(text, goes_on, q)
            history.append(q)
            continue
        out.append(q)
        history.append(q)
    # '"A," he said, "B."' is one quote; then fragments under four words are dropped
    out = [q for q in _merge_split(ctx, out) if _long_enough(text, q)]
    headline = _headline_quote(ctx)
    if headline is not None:
        out.insert(0, headline)
    seen = {q.outer for q in out}
    for q in partial:  # reported speech, and the partial quotes that open a report (direct)
        if (reported or q.kind == "direct") and q.outer not in seen and len(q.text.split()) >= 4:
            seen.add(q.outer)
            out.append(q)
    if reported:
        out.extend(_reported(ctx, used_cues, out))
    out.sort(key=lambda q: q.outer[0])
    transcript = transcript_start(text, body_start)
    return out if transcript is None else [q for q in out if q.outer[0] < transcript]


_TURN = re.compile(TRANSCRIPT_TURN, re.MULTILINE)
_TRANSCRIPT = re.compile(TRANSCRIPT_HEADING, re.MULTILINE | re.IGNORECASE)


def transcript_start(text: str, start: int = 0) -> int | None:
    """Where a transcript begins in `text` after `start`: its heading, else its first line
    that opens with a timestamp; None without TRANSCRIPT_MIN_TURNS such lines."""
    turns = [m.start() for m in _TURN.finditer(text, start)]
    if len(turns) < TRANSCRIPT_MIN_TURNS:
        return None
    heads = [m.start() for m in _TRANSCRIPT.finditer(text, start, turns[0])]
    return heads[-1] if heads else turns[0]


_HEADLINE_QUOTE = re.compile(r"([^:\n]{2,80}?):[^\S\n]+([‘“'\"])(?=\w)([^\n]+)")


def _headline_quote(ctx: _Ctx) -> QuoteSpan | None:
    """The headline as a quote credited to a name before a colon, a news headline convention
    ('Jane Doe: ‘We Will Win This Race’', 'Mayor Smith on the budget: ‘No New Taxes This
    Year’'): the speaker is the name opening the headline (a name the model found, or up to
    three capitalised words: 'Smith:'), a person or body the article is about; a kicker
    ('Watch:', 'Analysis:') is neither. The quote runs to the end of the headline."""
    title = ctx.text[: ctx.body_start].rstrip()
    m = _HEADLINE_QUOTE.fullmatch(title)
    if m is None:
        return None
    names = [
        x
        for x in ctx.ents.mentions
        if x.label in ("PERSON", "ORG") and x.end <= m.end(1) and not x.text[:1].islower()
    ]
    who = m.group(1)
    first = names[0] if names and names[0].start == 0 else None
    bare = len(who.split()) <= 3 and all(w[:1].isupper() for w in who.split())  # 'Reid:'
    if first is None and not bare:
        return None
    known = ctx.ents.resolve(first.text if first is not None else who)
    if known is None or known.type == "place":
        return None
    a = m.start(3)
    b = len(title.rstrip(".;"))
    b = len(ctx.text[a:b].rstrip("\"”’'.;")) + a
    if len(ctx.text[a:b].split()) < 3:
        return None
    q = QuoteSpan(segments=[(a, b)], outer=(m.start(2), len(title)))
    q.text = _SPACE.sub(" ", ctx.text[a:b]).strip()
    if first is not None:
        _name_speaker(q, first)
    else:
        q.speaker, q.speaker_span, q.speaker_entity = who, (0, len(who)), known.name
    return q


def _join(text: str, report: QuoteSpan, q: QuoteSpan) -> None:
    """Reported speech `report` goes on with the quotation `q` after it (shown with its
    quotation marks: 'saw the Democrats as "the party of government," "Our challenge ..."')."""
    report.segments = report.segments + q.segments
    report.outer = (report.outer[0], max(report.outer[1], q.outer[1]))
    report.text = f"{report.text} {_with_marks(text, q)}"


def _with_marks(text: str, q: QuoteSpan) -> str:
    """The quotation `q` as written, its quotation marks included, spaces collapsed."""
    return _SPACE.sub(" ", text[q.outer[0] : q.outer[1]]).strip()


def _shout_before(ctx: _Ctx, a: int) -> Token | None:
    """The verb or noun of shouting right before the quotation opening at `a`, across a
    comma or "of" ('chanted, "Lock her up!"', 'chants of "USA!"')."""
    i = ctx.token_at(a) - 1
    while i >= 0 and (ctx.doc[i].is_space or ctx.doc[i].text == "," or ctx.doc[i].lower_ == "of"):
        i -= 1
    if i < 0 or ctx.doc[i].idx < ctx.body_start or ctx.in_quote(ctx.doc[i].idx):
        return None
    t = ctx.doc[i]
    return t if t.lower_ in SHOUT_FORMS else None


def _long_enough(text: str, q: QuoteSpan) -> bool:
    """Four words or more; a short sentence of three with its own speech verb and speaker
    ('"We need change," the businessman said') too; and one of two words that ends in a
    full stop, a question or an exclamation mark ('"You lie!" he yelled', 'he said simply,
    "We lost."'), not a name or title in capitals ('"Tough Choices."'): in PolNeAR's train
    split such two-word sentences are mostly annotated quotes, two-word fragments ending in
    a comma are not ('"It's nonsense," Mr. Trump said by telephone')."""
    words = q.text.split()
    n = len(words)
    if n >= 4 or q.shouted:
        return True
    if q.speaker is None or q.cue_span is None or q.inherited:
        return False
    end = text[q.segments[-1][1] - 1]
    if n == 3:
        return end in ".?!,"
    if n == 2 and end in ".?!" and words[1][:1].islower():
        return True
    return _short_answer(text, q, words, end)


def _short_answer(text: str, q: QuoteSpan, words: list[str], end: str) -> bool:
    """A one- or two-word reply set off by its attribution ('"Absolutely," he said',
    'Asked again, Priebus said, "Probably."'): a sentence of its own (a capital, then a full
    stop, a question or exclamation mark or the comma before the attribution; not a name in
    capitals) with the speech verb and its speaker right beside it."""
    if end not in ".?!," or not words[0][:1].isupper() or q.cue_span is None:
        return False
    if len(words) == 2 and not words[1][:1].islower():
        return False  # '"Tough Choices."', '"GROWING PARTY,"'
    if text[q.cue_span[0] : q.cue_span[1]].lower() not in CUE_FORMS:
        return False  # 'The campaign printed a new slogan: "Forward."'
    a, b = q.outer
    gap = text[b : q.cue_span[0]] if q.cue_span[0] >= b else text[q.cue_span[1] : a]
    return "\n" not in gap and len(_GAP_WORDS.findall(gap)) <= 4


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _is_title(text: str) -> bool:
    """A title in title case ('"Coal Isn't the Villain."', a book, a headline), not a quote:
    up to 12 words, every word but the short function words capitalised."""
    words = _WORD.findall(text)
    if not 3 <= len(words) <= 12 or text.count(". ") or text.count("? "):
        return False
    rest = [w for w in words[1:] if w.lower() not in TITLE_SMALL_WORDS]
    return len(rest) >= 2 and all(w[0].isupper() for w in words[:1] + rest)


def _introduced(ctx: _Ctx, q: QuoteSpan, history: list[QuoteSpan]) -> bool:
    """A quote introduced by a colon: 'Cruz continued: / "..."', 'The headline reads: "..."'.

    The introducing clause is the one ending in the colon, in the quote's sentence or the
    previous one (the paragraph before). Its speech verb gives the speaker as usual;
    otherwise the subject of its last verb ('She then addressed the supporters again:'), or a
    bare name ('- Michael McDonald:'). False when there is no such colon or speaker.
    """
    text = ctx.text
    j = q.outer[0] - 1
    while j >= ctx.body_start and text[j].isspace():
        j -= 1
    if j < ctx.body_start or text[j] != ":":
        return False
    sent = ctx.sents[ctx.sent_index(j)]
    if ctx.sent_index(j) < ctx.sent_index(q.outer[0]) - 1:
        return False
    toks = [t for t in ctx.doc[sent.start : ctx.token_at(j)] if not ctx.in_quote(t.idx)]
    cue = _best_cue(ctx, toks, j, j)
    if cue is not None:
        _attribute(ctx, q, cue, history)
        return q.speaker is not None or q.speaker_entity is not None
    names = [m for m in ctx.ents.mentions if sent.start_char <= m.start and m.end <= j]
    names = [m for m in names if m.label in ("PERSON", "ORG") and not ctx.in_quote(m.start)]
    if names and names[-1].token_end == ctx.token_at(j):  # "... - Carl Bialik:"
        _name_speaker(q, names[-1])
        return True
    for t in reversed(toks):
        if not t.tag_.startswith("VB"):
            continue
        subj = next((c for c in t.children if c.dep_ in SUBJ_DEPS), None)
        if subj is None and t.dep_ in ("conj", "xcomp") and t.head.i < t.i:
            subj = next((c for c in t.head.children if c.dep_ in SUBJ_DEPS), None)
        if subj is None or subj.tag_ in ("WP", "WDT", "EX") or ctx.in_quote(subj.idx):
            continue
        if subj.lower_ == "you":  # 'then you start to think:' is no attribution
            return False
        if not (_can_say(ctx, subj) or subj.text[:1].isupper()):
            return False  # 'Clarified what metadata shouldn't include:' (a name the NER missed
            # speaks: 'Trump gestured …, then leaned in and boomed:')
        _attribute(ctx, q, t, history, head=subj)
        return q.speaker is not None or q.speaker_entity is not None
    return False


def _name_speaker(q: QuoteSpan, m: Mention) -> None:
    q.speaker, q.speaker_span = m.text, (m.start, m.end)
    if m.entity is not None:
        q.speaker_entity = m.entity.name


def _postposed(ctx: _Ctx, q: QuoteSpan, history: list[QuoteSpan]) -> bool:
    """'"...," Trump went on' / '"...," an angry Hollande retaliated': a subject and its verb
    right after the quote, with a verb that is not on the speech-verb list."""
    b = q.outer[1]
    dash = _DASH_NAME.match(ctx.text, b)
    if dash is not None:  # '"..." ― Christina Lastra' (a byline-style attribution)
        m = next((m for m in ctx.ents.mentions if m.start == dash.end()), None)
        if m is not None and m.label in ("PERSON", "ORG"):
            _name_speaker(q, m)
            return True
    content = ctx.text[q.segments[-1][0] : q.segments[-1][1]].rstrip().rstrip("'’\"” ")
    if not content.endswith((",", "?", "!", "…", "—", "–")):
        return False
    sj = ctx.sent_index(max(q.outer[0], b - 1))
    sent = ctx.sents[sj]
    if sent.end_char <= b + 1 and sj + 1 < len(ctx.sents):  # split after '?"'
        sent = ctx.sents[sj + 1]
    i = ctx.token_at(b)
    while i < sent.end and (ctx.doc[i].idx < b or ctx.doc[i].is_space or ctx.doc[i].is_punct):
        i += 1
    for t in ctx.doc[i : min(sent.end, i + 8)]:
        if ctx.in_quote(t.idx):
            return False
        if not t.tag_.startswith("VB"):
            continue
        subj = next((c for c in t.children if c.dep_ in SUBJ_DEPS), None)
        if subj is None or not (i <= subj.i < t.i) or subj.tag_ in ("WP", "WDT", "EX"):
            return False
        if subj.lower_ == "you":
            return False
        _attribute(ctx, q, t, history, head=subj)
        return q.speaker is not None or q.speaker_entity is not None
    return False


_DASH_NAME = re.compile(r"[^\S\n]*[―—–-][^\S\n]*")
_LAST_WORD = re.compile(r"([A-Za-z’']+)\W*$")


def _embedded(ctx: _Ctx, q: QuoteSpan) -> bool:
    """A partial quote woven into the writer's sentence: 'He vowed that "..." on Monday'.

    A quotation stands on its own when it opens its sentence or follows a colon, a comma, a
    dash or a speech verb ('said "..."'), and ends its sentence or ends with punctuation
    ('"...," she said'). Not after a naming verb ('what it calls "the biggest attack"'), and
    not when it starts in lower case after the writer's own words ('said Friday that if
    she won, "she would sign it."'), unless those words follow an earlier quotation ('"A,"
    he said, "and B."') or an attribution follows ('As for cost, "it is ...," said X').
    """
    a, b = q.outer
    sent_a = ctx.sents[ctx.sent_index(a)]
    sent_b = ctx.sents[ctx.sent_index(max(a, b - 1))]
    start = max(sent_a.start_char, ctx.body_start)
    before = ctx.text[start:a].rstrip()
    after = ctx.text[b : max(b, sent_b.end_char)].lstrip()
    # wire copy's doubled closing mark ends a quotation as '"' does: "''Meet the Press.'' ''She"
    opens = not before or before.endswith(OPENS_QUOTE) or before.endswith("''")
    if opens and before.endswith((",", ":")) and _reported_before(ctx, start, a):
        opens = False
    m = _LAST_WORD.search(before[-40:])
    last = m.group(1).lower() if m is not None else ""
    if last in NAMING_FORMS:
        return True
    if last in CUE_FORMS and not _verb_last(ctx, start, a):
        last = ""  # a noun spelled like a speech verb: 'the United States "must ..."'
    if not opens:
        opens = last in CUE_FORMS
    elif (
        before
        and ctx.text[q.segments[0][0]].islower()
        and not ctx.text[: q.segments[-1][1]].endswith(",")  # '"...," said X' follows
        # 'said "we will"' stands; 'It was, the president said, "a stone where ..."' not
        and (last not in CUE_FORMS or _interrupted(ctx, start, before))
    ):
        opens = _continues(ctx, start, a)
    # a quotation inside ends it: '... the labels of ‘criminal, super predator,’” Cyril told'
    content = ctx.text[q.segments[-1][0] : q.segments[-1][1]].rstrip().rstrip("'’\"” ")
    closes = not after or content.endswith(CLOSES_QUOTE) or after[0] in ",.;:!?)]—–-…"
    if opens and ctx.text[q.segments[0][0]].isupper() and len(q.text.split()) >= 3:
        # opening its sentence (or after its speech verb), words of the speaker's stand on
        # their own even when the writer's go on after them: '"We are thrilled" about the
        # ruling, said X'; not a term ('"Info cards" will help people ...')
        closes = True
    return not (opens and closes)


def _verb_last(ctx: _Ctx, start: int, a: int) -> bool:
    """Whether the last word of text[start:a] is a verb ('he said', not 'his remarks')."""
    words = _words_between(ctx, start, a)
    return bool(words) and words[-1].tag_.startswith("VB")


def _reported_before(ctx: _Ctx, start: int, a: int) -> bool:
    """Whether the quotation at `a` goes on with what a speech verb before it reports in the
    writer's words ('He added that American voters have two choices: "..."', 'She said that
    after the vote, "we will ..."'): the clause of the last speech verb before the quotation
    runs up to the comma or colon before it, with its own subject or a "that"."""
    words = _words_between(ctx, start, a)
    for t in reversed(words):
        if not _is_cue(t) or ctx.in_quote(t.idx):
            continue
        for c in t.children:
            if c.dep_ != "ccomp" or c.i < t.i:
                continue
            lead = [x for x in c.subtree if x.idx < a and not x.is_punct and not x.is_space]
            if (
                lead
                and lead[-1].i == words[-1].i
                and any(
                    x.dep_ in SUBJ_DEPS or (x.dep_ == "mark" and x.lower_ == "that") for x in lead
                )
            ):
                return True
        return False
    return False


def _interrupted(ctx: _Ctx, start: int, before: str) -> bool:
    """Whether the writer's words before a quotation (text[start:] is `before`, ending in a
    speech verb) are a sentence that a short attribution set off by commas interrupts ('An
    economic downturn, he said, "could be ..."', 'It was, the president said, "a stone
    ..."'): the quotation completes the writer's sentence, a partial quote. Not when those
    words are only connectives ('Still, she added, "we ..."', 'But, Mr. Ryan said,
    "democracy ..."'): that quotation stands on its own; nor after a participle ('...,
    saying, "the advice ..."') or a clause of its own ('At one point, a woman asked for a
    photo and Clinton said, "as long as ..."'). PolNeAR's annotators (train split) take the
    words before the attribution into the content in the first case and not in the others
    (the rule this replaces looked for a comma before the last three words, which missed
    'he said' and caught 'Still, she added')."""
    lead, comma, attribution = before.rstrip(",").rpartition(",")
    if not comma or not 2 <= len(attribution.split()) <= 6:
        return False
    words = _words_between(ctx, start, start + len(lead))
    return not all(t.tag_ in CONNECTIVE_TAGS for t in words)


def _words_between(ctx: _Ctx, start: int, end: int) -> list[Token]:
    """The tokens starting in text[start:end], punctuation and spaces left out."""
    return [
        t
        for t in ctx.doc[ctx.token_at(start) : ctx.token_at(end) + 1]
        if start <= t.idx < end and not t.is_punct and not t.is_space
    ]


def _continues(ctx: _Ctx, start: int, a: int) -> bool:
    """Whether the quotation at `a` goes on from one earlier in its sentence (from `start`)
    across a short attribution: '"We will win," he said, "and nothing will stop us."'."""
    ends = [y for x, y in ctx.inside if start <= x and y <= a]
    if not ends:
        return False
    end = max(ends)
    gap = ctx.text[end:a]
    words = _GAP_WORDS.findall(gap)
    # broken off at a comma, the attribution set off by commas however long: '"A," said X,
    # director of studies at the institute in London, "but B."'
    broke = ctx.text[:end].rstrip("\"”’' ").endswith(",") and gap.rstrip().endswith(",")
    return (len(words) <= 10 or broke) and any(w.lower() in CUE_FORMS for w in words)


def _as_partial(ctx: _Ctx, q: QuoteSpan, cue: Token) -> bool:
    """Turn a partial quote into reported speech: the speech verb's clause around it when
    the parse has one ('He said Bush is "like a spoiled child" because ...'), otherwise the
    quoted words. False when no speaker was found."""
    a, b = q.outer
    if q.speaker is None and q.speaker_entity is None:
        return False
    for c in cue.children:
        if c.dep_ not in ("ccomp", "xcomp", "advcl", "dobj", "prep", "oprd", "attr", "acomp"):
            continue
        toks = [t for t in c.subtree if not t.is_space]
        while toks and (
            toks[0].dep_ == "mark"
            or toks[0].is_punct
            and (not ctx.in_quote(toks[0].idx) or _stray_closer(toks[0]))
        ):
            toks.pop(0)
        while toks and _loose_punct(toks[-1]) and toks[-1].idx + len(toks[-1].text) > b:
            toks.pop()
        if not toks:
            continue
        x, y = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        covered = sum(max(0, min(y, sb) - max(x, sa)) for sa, sb in q.segments)
        if covered >= 0.8 * sum(sb - sa for sa, sb in q.segments):
            x, y = min(x, q.segments[0][0]), max(y, q.segments[-1][1])
            y = _closing_mark(ctx.text, x, y)
            x = _opening_mark(ctx.text, x, y)
            q.segments = [(x, y)]
            q.outer = (x, y)
            q.text = _SPACE.sub(" ", ctx.text[x:y]).strip()
            break
    q.kind = "direct" if _opens_report(ctx, q, cue, a) else "reported"
    return True


def _opens_report(ctx: _Ctx, q: QuoteSpan, cue: Token, a: int) -> bool:
    """Whether the quotation at `a` opens what its speech verb reports, right after the verb,
    and the writer's words go on after it ('Sanders says "the wind is at our backs" despite
    his loss'): the report starts in the speaker's own words, a direct quote with its clause
    (q's span); not after a comma or "that", nor when the quotation is the whole clause."""
    words = _words_between(ctx, cue.idx, a)
    if len(words) != 1 or "," in ctx.text[cue.idx : a] or ctx.text[q.outer[0]] not in _OPENERS:
        return False
    return ctx.text[q.outer[0] : q.outer[1]].rstrip(".,;")[-1:] not in _OPENERS.values()


_FINITE = frozenset({"VBD", "VBZ", "VBP"})  # "said", "says", "insisted"; not "claiming"
_NO_SPEAKERS = frozenset({"that", "this", "these", "those", "which", "what", "it"})


def _said_before(ctx: _Ctx, pos: int) -> Token | None:
    """The speech verb of the sentence right before the one at `pos`, in the same paragraph,
    when that sentence reports someone's words outside quotation marks ("Mr Dunn said he
    expected ..."): the quotation that follows is theirs."""
    si = ctx.sent_index(pos)
    if si == 0:
        return None
    before = ctx.sents[si - 1]
    if before.start_char < ctx.body_start or "\n" in ctx.text[before.end_char : pos]:
        return None
    if any(ctx.in_quote(t.idx) for t in before if not t.is_space):
        return None  # none of its words quoted (that quote would be its own)
    cues = [t for t in before if _is_cue(t) and t.tag_ in _FINITE]
    if len(cues) != 1:
        return None  # one report
    cue = cues[0]
    head = _subject(ctx, cue)
    if head is None or head.dep_ != "nsubj" or head.lower_ in _NO_SPEAKERS:
        return None
    return cue if head.tag_.startswith(("NN", "PRP")) else None


def _report_of(said: Token) -> Token | None:
    """What a speech verb reports in the writer's words, after it: its clause ('said he
    expected ...') or, when it is not addressed to someone ('told reporters'), its object
    ('announced a lawsuit against the state', 'tweeted a warning')."""
    deps = ("ccomp",) if said.lower_ in ADDRESSEE_FORMS else ("ccomp", "dobj")
    return next((c for c in said.children if c.dep_ in deps and c.i > said.i), None)


def _previous_speaker(ctx: _Ctx, done: list[QuoteSpan], pos: int) -> QuoteSpan | None:
    if not done:
        return None
    prev = done[-1]
    if prev.speaker is None:
        return None
    # only across a short distance: the previous or the same paragraph / two sentences
    if ctx.sent_index(pos) - ctx.sent_index(prev.outer[1] - 1) > 3:
        return None
    return prev


def _inherit(q: QuoteSpan, prev: QuoteSpan) -> None:
    q.speaker = prev.speaker
    q.speaker_span = prev.speaker_span
    q.speaker_entity = prev.speaker_entity
    q.outlet = prev.outlet
    q.cue = prev.cue
    q.inherited = True


_GAP_WORDS = re.compile(r"[\w'’-]+")


def _merge_split(ctx: _Ctx, quotes: list[QuoteSpan]) -> list[QuoteSpan]:
    """'"A," he said, "B."' -> one quote "A, B." attributed once; also '"A," said X, a
    lawyer who ... . "B."' (the quotation goes on right after the sentence that attributes it,
    in the same paragraph)."""
    text = ctx.text
    out: list[QuoteSpan] = []
    for q in quotes:
        if out:
            p = out[-1]
            gap = text[p.outer[1] : q.outer[0]]
            words_ = _GAP_WORDS.findall(gap)
            next_sentence = (
                p.cue_span is not None
                and ctx.sent_index(q.outer[0]) <= ctx.sent_index(p.cue_span[0]) + 1
            )
            split = (
                "\n" not in gap
                and (0 < len(words_) <= 10 or (words_ and next_sentence))
                and p.cue_span is not None
                and p.outer[1] <= p.cue_span[0] < q.outer[0]
                and (q.cue_span is None or q.cue_span == p.cue_span or q.inherited)
            )
            if split or _goes_on(text, p, q):
                p.segments = p.segments + q.segments
                p.outer = (p.outer[0], q.outer[1])
                p.text = _quote_text(text, p.segments)
                continue
        out.append(q)
    return out


def _goes_on(text: str, p: QuoteSpan, q: QuoteSpan) -> bool:
    """A paragraph that is nothing but a quote, right after the paragraph of an attributed
    quote, with no speaker of its own: the same quotation going on."""
    if not q.inherited or q.speaker != p.speaker or p.cue_span is None:
        return False
    gap = text[p.outer[1] : q.outer[0]]
    if gap.count("\n") != 1 and not re.fullmatch(r"[^\n]*\n\s*\n[ \t]*", gap):
        return False
    if gap.rstrip(" \t")[-1:] != "\n":  # q opens its paragraph
        return False
    end = text.find("\n", q.outer[1])
    rest = text[q.outer[1] : end if end >= 0 else len(text)]
    return not rest.strip(" \t.,;")


def _reported(ctx: _Ctx, used: set[int], direct: list[QuoteSpan]) -> list[QuoteSpan]:
    doc = ctx.doc
    out: list[QuoteSpan] = []
    history = list(direct)
    for t in doc:
        low = t.lower_
        if low != "according" and low not in REPORT_FORMS:
            continue
        if t.idx < ctx.body_start or t.i in used or ctx.in_quote(t.idx):
            continue
        if low == "according" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "to":
            q = _according(ctx, t, history)
        elif low in REPORT_FORMS and t.tag_.startswith("VB"):
            q = _say_that(ctx, t, history) or _parenthetical(ctx, t, history)
        else:
            continue
        if q is not None:
            out.append(q)
            history.append(q)
    return out


def _parenthetical(ctx: _Ctx, cue: Token, history: list[QuoteSpan]) -> QuoteSpan | None:
    """Reported speech around an attribution set off by commas, when the parse gave the
    speech verb no clause: 'Lenox was a juggernaut, Mr. Clarke said, until it went bankrupt'
    and 'The museum will endure, he said.' The content is the rest of the sentence."""
    if any(c.dep_ == "ccomp" for c in cue.children):
        return None
    if not any(c.dep_ in SUBJ_DEPS and c.i < cue.i for c in cue.children):
        return None
    doc, sent = ctx.doc, cue.sent
    core = [t.i for t in cue.subtree if not t.is_punct]  # 'Mr. Clarke said (Tuesday)'
    left, right = min(core), max(core) + 1
    if right - left > 12:
        return None
    if left - 1 < sent.start or doc[left - 1].text != ",":
        return None
    after = doc[right] if right < sent.end else None
    if after is not None and after.text != "," and not (after.is_punct and after.i == sent.end - 1):
        return None
    gap = set(range(left - 1, right + (1 if after is not None and after.text == "," else 0)))
    toks = [t for t in sent if t.i not in gap and not t.is_space]
    while toks and toks[0].is_punct:
        toks.pop(0)
    while toks and _loose_punct(toks[-1], toks):
        toks.pop()
    if not toks or not _content_ok(ctx, toks) or toks[0].idx < ctx.body_start:
        return None
    before = [t for t in toks if t.i < left]
    behind = [t for t in toks if t.i >= right]
    segments = [
        (part[0].idx, part[-1].idx + len(part[-1].text)) for part in (before, behind) if part
    ]
    q = QuoteSpan(segments=segments, outer=(toks[0].idx, segments[-1][1]), kind="reported")
    q.text = " ".join(_SPACE.sub(" ", ctx.text[x:y]).strip() for x, y in segments)
    _attribute(ctx, q, cue, history)
    if q.speaker is None and q.speaker_entity is None:
        return None
    return q


_OPENERS = {"“": "”", "‘": "’", '"': '"', "'": "'", "«": "»"}


def _closing_mark(text: str, a: int, b: int) -> int:
    """The end of the span text[a:b] taken to the closing quotation mark of a quotation that
    opens inside it: "would be a 'danger to Israel" -> "... 'danger to Israel'" (a final
    period between the words and the mark comes along: "... the rules.'")."""
    span = text[a:b]
    for opener, closer in _OPENERS.items():
        opens = [
            i for i, ch in enumerate(span) if ch == opener and (i == 0 or not span[i - 1].isalnum())
        ]
        if not opens:
            continue
        last = opens[-1]
        if closer in span[last + 1 :] and (opener != closer or span.count(opener) % 2 == 0):
            continue  # closed inside the span
        m = re.match(r"[.?!,]?" + re.escape(closer), text[b : b + 3])
        if m is not None:
            return b + m.end()
    return b


def _stray_closer(t: Token) -> bool:
    """A closing quotation mark a clause starts with ('was "astounded" he had never won ...':
    the clause the parse hangs on "said" starts at the mark after "astounded"); an opening
    mark is never followed by a space."""
    return t.text in _OPENERS.values() and bool(t.whitespace_)


def _opening_mark(text: str, a: int, b: int) -> int:
    """The start of the span text[a:b] taken back to the opening quotation mark of a quotation
    that closes inside it: 'it is more likely than not" that ...' -> '"it is more likely than
    not" that ...'."""
    j = a - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    if j < 0 or text[j] not in _OPENERS or (j > 0 and text[j - 1].isalnum()):
        return a
    opener, closer = text[j], _OPENERS[text[j]]
    span = text[a:b]
    if opener == closer:
        unclosed = span.count(closer) % 2 == 1
    else:
        first = span.find(closer)
        unclosed = first >= 0 and opener not in span[:first]
    return j if unclosed else a


def _content_ok(ctx: _Ctx, toks: list[Token]) -> bool:
    words_ = [t for t in toks if t.is_alpha]
    if len(words_) < 4:
        return False
    inside = sum(1 for t in toks if ctx.in_quote(t.idx))
    return inside < len(toks) / 2


def _loose_punct(t: Token, toks: Sequence[Token] = ()) -> bool:
    """Punctuation a clause may lose at its end; not the "%" of "beyond 49%", nor the ")"
    closing a bracket the clause opened ("$368bn (£197bn)")."""
    if t.text == ")":  # toks holds it: the clause opened at least as many as it closes
        opened, closed = (sum(x.text == b for x in toks) for b in "()")
        if opened >= closed:
            return False
    return t.is_punct and t.text != "%"


_SAID_ADJUNCTS = frozenset({"npadvmod", "advmod", "prep", "tmod", "punct"})


def _up_to_speaker(ctx: _Ctx, cue: Token, toks: list[Token]) -> list[Token]:
    """The words the parse hung on the speech verb between what was said and who said it:
    "… to hit $368bn (£197bn) this year, officials said": "this year" is part of what was
    said. Nothing when the speech comes after the verb or another verb of speech is there."""
    subject = [c for c in cue.children if c.dep_ in SUBJ_DEPS]
    if not toks or not subject or toks[-1].i >= cue.i:
        return []
    left = min(t.i for t in subject[0].subtree)
    if left <= toks[-1].i or left - toks[-1].i > 8:
        return []
    gap = list(ctx.doc[toks[-1].i + 1 : left])
    if any(_is_cue(t) or ctx.in_quote(t.idx) for t in gap):
        return []
    # only when and how it was said ("this year", "in 2005"), not what: "…, something
    # Sullivan denies" (the verb's object)
    adjuncts = {
        t.i for c in cue.children if c.dep_ in _SAID_ADJUNCTS and c.i < left for t in c.subtree
    }
    if any(t.i not in adjuncts and not t.is_punct for t in gap):
        return []
    return [t for t in gap if not t.is_space]


def _unsaid(cue: Token) -> bool:
    """'It did not say which facilities would be affected', 'declined to say who': no speech;
    nor 'adding to honours it has already picked up' ("add to": make more)."""
    if any(c.dep_ == "neg" for c in cue.children):
        return True
    if cue.head.lower_ == "let" and cue.head.i < cue.i:
        return True  # "Let's say you want ...": a supposition, nobody speaks
    doc = cue.doc
    if (
        cue.lower_ == "said"
        and 0 < cue.i < len(doc) - 1
        and doc[cue.i - 1].lower_ in ("that", "this")
        and sentence_initial(doc, cue.i - 1)
        and doc[cue.i + 1].text == ","
    ):
        return True  # "That said, WKWebView is not designed to …": "however"
    if cue.lower_ in _ADD_FORMS and any(
        c.dep_ == "prep" and c.lower_ == "to" for c in cue.children
    ):
        return True
    return cue.dep_ == "xcomp" and cue.head.lower_ in _WITHHELD


_WITHHELD = {"declined", "declines", "decline", "refused", "refuses", "refuse"}
_ADD_FORMS = frozenset(SAY_LEMMAS["add"].split())


def _say_that(ctx: _Ctx, cue: Token, history: list[QuoteSpan]) -> QuoteSpan | None:
    comp = [c for c in cue.children if c.dep_ == "ccomp"]
    if not comp or _unsaid(cue):
        return None
    c = comp[0]
    # 'said assessments are ongoing, adding that ...': the second speech verb's clause is
    # reported speech of its own, not part of the first
    nested = {
        t.i
        for d in c.subtree
        if d.i != c.i and d.dep_ in ("advcl", "conj") and _is_cue(d)
        if any(x.dep_ == "ccomp" for x in d.children)
        for t in d.subtree
    }
    toks = [t for t in c.subtree if not t.is_space and t.i not in nested]
    toks += _up_to_speaker(ctx, cue, toks)
    # what was said ends with its sentence: 'Edu added that he had been encouraged by
    # Wenger's support for him. "I still have ..."' (the parse ran on into the next one)
    ends = [
        j
        for j, t in enumerate(toks[:-1])
        if t.text in _SENTENCE_ENDS and not toks[j + 1].text[:1].islower()  # "Kerrang! poll"
    ]
    if ends:
        toks = toks[: ends[0] + 1]
    while toks and (toks[0].dep_ == "mark" or toks[0].is_punct):
        toks.pop(0)
    while toks and (_loose_punct(toks[-1], toks) or toks[-1].dep_ == "cc"):
        toks.pop()
    medium = _addressee(ctx, cue, toks)
    if medium is not None:
        toks = [t for t in toks if t.i >= medium.token_end]
    if not toks or not _content_ok(ctx, toks):
        return None
    a, b = toks[0].idx, _closing_mark(ctx.text, toks[0].idx, toks[-1].idx + len(toks[-1].text))
    a = _opening_mark(ctx.text, a, b)
    q = QuoteSpan(segments=[(a, b)], outer=(a, b), kind="reported")
    q.text = _SPACE.sub(" ", ctx.text[a:b]).strip()
    _attribute(ctx, q, cue, history)
    if medium is not None and q.outlet is None:
        q.outlet = medium.entity.name if medium.entity is not None else medium.text
    if q.speaker is None and q.speaker_entity is None:
        return None
    return q


_SUBJECT_OPENERS = frozenset({"PRP", "NNS", "NNP", "NNPS", "DT", "PRP$"})
_SENTENCE_ENDS = frozenset({".", "!", "?"})


def _addressee(ctx: _Ctx, cue: Token, toks: list[Token]) -> Mention | None:
    """The outlet a speaker "told", which the parse took into what was told: "told the BBC
    Michael Howard has always been in favour ...", "told BBC News people's lives revolved
    ...": a news outlet's name opening the clause, right before the clause's own subject."""
    if cue.lower_ not in TELL_FORMS or any(
        c.dep_ in ("dobj", "dative", "iobj") for c in cue.children
    ):
        return None
    i = 1 if toks and toks[0].lower_ == "the" else 0
    m = ctx.by_token.get(toks[i].i) if len(toks) > i else None
    if m is None or m.token_start != toks[i].i or m.token_end >= len(ctx.doc):
        return None
    name = re.sub(r"['’]s$", "", m.text.lower())
    if name not in NEWS_OUTLETS and not any(name.startswith(f"{o} ") for o in NEWS_OUTLETS):
        return None
    after = ctx.doc[m.token_end]
    return m if after.tag_ in _SUBJECT_OPENERS and after.lower_ not in ("'s", "’s") else None


def _according(ctx: _Ctx, cue: Token, history: list[QuoteSpan]) -> QuoteSpan | None:
    sent = cue.sent
    phrase = {t.i for t in cue.subtree}
    toks = [t for t in sent if t.i not in phrase and not t.is_space]
    # drop the commas that set the phrase off
    while toks and (toks[0].is_punct or toks[0].lower_ in {"and", "but"}):
        toks.pop(0)
    while toks and _loose_punct(toks[-1], toks):
        toks.pop()
    if not toks or not _content_ok(ctx, toks):
        return None
    a, b = toks[0].idx, toks[-1].idx + len(toks[-1].text)
    gap_a, gap_b = min(phrase), max(phrase)
    segments: list[tuple[int, int]] = []
    before = [t for t in toks if t.i < gap_a]
    after = [t for t in toks if t.i > gap_b]
    for part in (before, after):
        while part and part[-1].is_punct:
            part.pop()
        while part and part[0].is_punct:
            part.pop(0)
        if part:
            segments.append((part[0].idx, part[-1].idx + len(part[-1].text)))
    q = QuoteSpan(segments=segments or [(a, b)], outer=(a, b), kind="reported")
    q.text = " ".join(_SPACE.sub(" ", ctx.text[x:y]).strip() for x, y in q.segments)
    _attribute(ctx, q, cue, history)
    if q.speaker is None:
        return None
    return q


# --- ranking an article's quotes for its page -------------------------------------------


@dataclass
class RankItem:
    """What the page ranking knows of one stored quote (newsdesk.web.slots)."""

    text: str
    speaker: str | None = None
    kind: str = "direct"
    tagged: bool = False  # the speaker is a known entity (has a tag page)
    outlet: str | None = None


_STAKES = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(STAKES_WORDS)) + r")\b", re.I)
_RANK_WORD = re.compile(r"[^\W_][\w'’-]*")
_DETERMINERS = {"a", "an", "the", "one", "some", "two", "three", "several", "many"}


def _content_words(text: str) -> set[str]:
    words = (w.lower().replace("’", "'") for w in _RANK_WORD.findall(text))
    return {w for w in words if len(w) > 3 and w not in RANK_STOP_WORDS}


def _folded_text(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _prominence(item: RankItem, article_text: str) -> float:
    """Who speaks: a known entity 2.5, another name 2, an anonymous source 1, nobody 0; plus
    up to 1 for how often the article names the speaker."""
    speaker = " ".join((item.speaker or "").split())
    words = speaker.split()
    if not words or speaker.lower() in PRONOUNS:
        return 0.0
    lowered = {w.lower().strip(",.'’") for w in words}
    rest = words[1:] if words[0].lower() in _DETERMINERS else words
    named = any(w[:1].isupper() for w in rest) and not lowered & ANONYMOUS_SPEAKER_WORDS
    score = 2.5 if item.tagged else 2.0 if named else 1.0
    if named or item.tagged:
        caps = [w for w in words if w[:1].isupper()]
        key = re.sub(r"['’]s$", "", caps[-1]) if caps else ""
        if len(key) > 2:
            score += min(1.0, 0.2 * _mentions(article_text, key))
    return score


_WORDY = re.compile(r"\w+")


def _mentions(text: str, key: str) -> int:
    """How often `key` stands in `text` as a whole word (as the pattern \\bkey\\b matches;
    for a key of word characters no pattern is compiled: a page ranks many speakers)."""
    if not _WORDY.fullmatch(key):
        return len(re.findall(rf"\b{re.escape(key)}\b", text))
    count, at = 0, text.find(key)
    while at >= 0:
        end = at + len(key)
        before = text[at - 1] if at else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            count += 1
        at = text.find(key, at + 1)
    return count


def _content_score(item: RankItem, topic: set[str]) -> float:
    """What the quote says: its own words over the writer's (direct +1, a reported one with
    verbatim words +0.5), a length that says something (8-60 words), names and figures, and
    the article's subject (words of the headline)."""
    text = item.text
    n = len(text.split())
    score = 1.0 if item.kind == "direct" else 0.0
    if item.kind != "direct" and re.search(r"(^|\s)['‘“\"]\w", text):
        score += 0.5
    if 8 <= n <= 60:
        score += min(1.0, n / 15)
    elif 5 <= n <= 100:
        score += 0.4
    if re.search(r"\d", text):
        score += 0.3
    inner = [w for w in _RANK_WORD.findall(text)[1:] if w[:1].isupper() and w != "I"]
    if inner:
        score += 0.3
    if topic:
        score += min(1.0, 0.5 * len(_content_words(text) & topic))
    if _STAKES.search(text):  # a warning, a threat, a commitment: "is a red line"
        score += 0.5
    return score


def quote_score(item: RankItem, article_text: str = "", title: str = "") -> float:
    """The importance of a quote on its article's page: speaker prominence + content."""
    topic = _content_words(title)
    return _prominence(item, article_text) + _content_score(item, topic)


def rank_quotes(
    items: list[RankItem], article_text: str = "", title: str = "", shown: int = 8
) -> tuple[list[int], list[int]]:
    """The quotes of one article (in text order) for its page: (top, rest) as indices.

    `top`: up to `shown` quotes, most important first (quote_score); a quote whose words are
    contained in a higher-ranked one is dropped (the reader sees them there), and one that
    shares half its content words with a higher-ranked one (a paraphrase, the same words
    reported again) is not shown on top. `rest`: every other quote kept, in text order.
    """
    scores = [quote_score(it, article_text, title) for it in items]
    folded = [_folded_text(it.text) for it in items]
    words = [_content_words(it.text) for it in items]
    speakers = [_speaker_key(it.speaker) for it in items]
    kept: list[int] = []
    for i in sorted(range(len(items)), key=lambda i: (-scores[i], i)):
        if folded[i] and not any(folded[i] in folded[k] for k in kept):
            kept.append(i)
    top: list[int] = []
    candidates = list(kept)
    while candidates and len(top) < shown:
        # another quote of a speaker already on top counts less: voices, not one voice
        def gain(i: int) -> tuple[float, int]:
            same = sum(1 for k in top if speakers[k] and speakers[k] == speakers[i])
            return scores[i] - SAME_SPEAKER_PENALTY * same, -i

        best = max(candidates, key=gain)
        candidates.remove(best)
        if words[best] and any(len(words[best] & words[k]) >= 0.5 * len(words[best]) for k in top):
            continue  # a paraphrase of one on top: behind "Show all"
        top.append(best)
    rest = sorted(set(kept) - set(top))
    return top, rest


SAME_SPEAKER_PENALTY = 0.75


def _speaker_key(speaker: str | None) -> str:
    """'Amir Saeid Iravani' and 'Iravani' are one speaker: the last capitalised word."""
    caps = [w for w in (speaker or "").split() if w[:1].isupper()]
    return re.sub(r"['’]s$", "", caps[-1]).lower() if caps else ""
