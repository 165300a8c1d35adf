"""Tag identity: a name's slug and alias key, and ``TagResolver``, which finds or plans the
tag for a name within a batch."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from newsdesk.nlp.text import fold_plural
from newsdesk.nlp.types import Analysis
from newsdesk.store.bulk import in_chunks, insert_ignore
from newsdesk.store.models_ai import Tag, TagAlias

ENTITY_KINDS = {"person", "organization", "place"}
TAG_KINDS = ENTITY_KINDS | {"topic"}


def _slug(label: str) -> str:
    try:
        from newsdesk.nlp.keyphrases import hashtag_slug
    except ImportError:  # pragma: no cover
        return "".join(p[:1].upper() + p[1:] for p in label.split() if p)
    return hashtag_slug(label)


def _key(name: str, kind: str | None = None) -> str:
    """A name's alias key (nlp.entities.tag_key; a topic's last word in the singular: they
    were 20 of 381 topic tags with a plural twin on 154 BBC and seed-page articles)."""
    from newsdesk.nlp.entities import tag_key

    return tag_key(name, kind)


Ref = int | str  # an existing tag's id, or the lower-cased slug of a tag this batch creates
_NOT_PLACES = ("person", "organization")  # kinds a place is not found by one word of


def _initials_of(short: str, name: str) -> bool:
    """ "GCD" of "Grand Central Dispatch", "ONS" of "Office for National Statistics"."""
    words = [w for w in name.split() if w[:1].isupper()]  # not "for", "of", "and"
    return short.isupper() and short == "".join(w[0] for w in words)


class TagResolver:
    """Finds or plans the tag for a name: by alias key, then by slug (case-insensitively).

    Resolution happens in memory (after one `prefetch` per batch); tags and aliases the batch
    needs are then written in bulk by `flush`, which returns the ids. Inserts skip rows another
    writer created meanwhile (ON CONFLICT DO NOTHING) and read the winners' ids back.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._alias: dict[str, Ref] = {}
        self._slug: dict[str, Ref] = {}
        self._missing: set[str] = set()  # alias keys known not to exist (until planned)
        self._missing_slugs: set[str] = set()
        self._new: dict[str, list[str]] = {}  # lower slug -> [slug, label, kind]
        self._new_alias: dict[str, Ref] = {}
        self._ids: dict[str, int] = {}
        self._recased: dict[int, tuple[str, str]] = {}  # stored tag -> its name as written
        self._stored: dict[int, tuple[str, str]] = {}  # stored tag -> (label, kind), as read

    def prefetch(self, analyses: Sequence[Analysis]) -> None:
        """Load the aliases and slugs a batch may need in a few queries instead of one each."""
        keys: set[str] = set()
        slugs: set[str] = set()
        for a in analyses:
            for ent in a.entities:
                kind = ent.type if ent.type in ENTITY_KINDS else None
                keys.update(_key(n, kind)[:255] for n in (ent.text, *ent.aliases))
                slugs.add(_slug(ent.text)[:255].lower())
            for tag in a.hashtags:
                kind = tag.kind if tag.kind in ENTITY_KINDS else None
                keys.add(_key(tag.label or tag.tag, kind)[:255])
                slugs.add(_slug(tag.label or tag.tag)[:255].lower())
        keys.discard("")
        for chunk in in_chunks(sorted(keys)):
            found = dict(
                self.session.execute(
                    select(TagAlias.alias_key, TagAlias.tag_id).where(TagAlias.alias_key.in_(chunk))
                ).all()
            )
            self._alias.update(found)
            self._missing.update(k for k in chunk if k not in found)
        for chunk in in_chunks(sorted(s for s in slugs if s)):
            for tag_id, slug in self.session.execute(
                select(Tag.id, Tag.slug).where(func.lower(Tag.slug).in_(chunk)).order_by(Tag.id)
            ):
                self._slug.setdefault(slug.lower(), tag_id)
            self._missing_slugs.update(s for s in chunk if s not in self._slug)

    def lookup(self, name: str, kind: str | None = None) -> Ref | None:
        key = _key(name, kind)[:255]
        return self._lookup_key(key) if key else None

    def _lookup_key(self, key: str) -> Ref | None:
        if key in self._alias:
            return self._alias[key]
        if key in self._missing:
            return None
        tag_id = self.session.scalar(select(TagAlias.tag_id).where(TagAlias.alias_key == key))
        if tag_id is None:
            self._missing.add(key)
        else:
            self._alias[key] = tag_id
        return tag_id

    def resolve(self, label: str, kind: str, aliases: Sequence[str] = ()) -> Ref | None:
        kind = kind if kind in TAG_KINDS else "topic"
        alias_kind = kind if kind in ENTITY_KINDS else None
        slug = _slug(label)[:255]
        if not slug:
            return None
        named = {_key(n, alias_kind)[:255]: n for n in (label, *aliases)}  # alias key -> name
        keys = [k for k in named if k]
        ref: Ref | None = None
        refused = False
        for key in keys:
            ref = self._lookup_key(key)
            if (
                ref is not None
                and " " not in key
                and self._not_by_one_word(ref, key, label, kind, named)
            ):
                ref, refused = None, True
            if ref is not None:
                break
        if ref is None:
            ref = self._by_slug(slug)
        if ref is None and refused and alias_kind is None and " " not in label.strip():
            # a topic whose key is another's (refused above): its twin's tag, singular or
            # plural ("apps" and "app", whose key "app" a longer name took first)
            singular = fold_plural(label.strip())
            for form in (singular, f"{singular}s", f"{singular}es"):
                ref = self._by_slug(_slug(form)[:255])
                if ref is not None:
                    break
        if ref is None:
            ref = slug.lower()
            self._new[ref] = [slug, label[:512], kind]
            self._slug[ref] = ref
        elif isinstance(ref, str) and kind in ENTITY_KINDS and self._new[ref][2] == "topic":
            self._new[ref][2] = kind  # a name's kind before "topic"; stored tags are voted on
        elif isinstance(ref, int) and " " in label.strip() and not label.isupper():
            self._recased.setdefault(ref, (slug, label[:512]))  # see flush
        for key in keys:
            if self._lookup_key(key) is None:
                self._alias[key] = ref
                self._missing.discard(key)
                self._new_alias[key] = ref
        return ref

    def _not_by_one_word(
        self, ref: Ref, key: str, label: str, kind: str, named: dict[str, str]
    ) -> bool:
        """Whether the tag `ref`, found by the one-word alias `key` of a name of this `kind`
        (`named`: its names by alias key), is another's.

        A person named in full is not found by one word of another full name: "brown" is the
        key of whoever was called Brown first, and "Dan Brown" is not Steve Brown. A tag of the
        one word alone ("Blair", from an article that gave no first name) still is. Nor is a
        place found by one word of a longer name of another kind: Milan is not Milan Kundera,
        nor Baghdad the "Baghdad Blogger". (Between people and organisations the model's types
        vary too much from one article to the next: "a tearful Claxton" was an organisation,
        and still is Sarah Claxton.) Nor is a thing or a topic named by one word found by a
        word of a longer name of a thing its article never writes: "Xcode" is not "Xcode Quick
        Help Documentation" (a heading the model took for a name), whether the model reads it
        as a name or keyphrases take it as a topic; its initials still find it ("GCD", "Grand
        Central Dispatch"). A person is found by a one-word name of another type only by the
        surname ("a tearful Claxton", an organisation, is Sarah Claxton), not by a first word:
        "Xcode" is not the "person" "Xcode Quick Help Documentation"."""
        found, other = self._label_kind(ref)
        if " " not in found:
            return False
        if kind == "person":
            return " " in label.strip()
        if kind == "place" and other in _NOT_PLACES:
            return True
        found_key = _key(found, kind if kind in ENTITY_KINDS else None)[:255]
        if other == "person":
            return key != found_key.split(" ")[-1]
        return found_key not in named and not _initials_of(named.get(key, ""), found)

    def _label_kind(self, ref: Ref) -> tuple[str, str]:
        """The label and kind of a tag found or planned (a stored one read once)."""
        if isinstance(ref, str):
            _slug, label, kind = self._new[ref]
            return label, kind
        if ref not in self._stored:
            row = self.session.execute(select(Tag.label, Tag.kind).where(Tag.id == ref)).first()
            self._stored[ref] = (row[0] or "", row[1] or "") if row is not None else ("", "")
        return self._stored[ref]

    def _by_slug(self, slug: str) -> Ref | None:
        low = slug.lower()
        if low in self._slug:
            return self._slug[low]
        if low in self._missing_slugs:
            return None
        tag_id = self.session.scalar(
            select(Tag.id).where(func.lower(Tag.slug) == low).order_by(Tag.id).limit(1)
        )
        if tag_id is None:
            self._missing_slugs.add(low)
        else:
            self._slug[low] = tag_id
        return tag_id

    def flush(self) -> None:
        """Write the planned tags and aliases; ids become available via `id`."""
        if self._new:
            insert_ignore(
                self.session,
                Tag,
                [
                    {"slug": s, "label": lab, "kind": k, "article_count": 0}
                    for s, lab, k in self._new.values()
                ],
                ["slug"],
            )
            lows = sorted(self._new)
            for chunk in in_chunks(lows):
                for tag_id, slug in self.session.execute(
                    select(Tag.id, Tag.slug).where(func.lower(Tag.slug).in_(chunk)).order_by(Tag.id)
                ):
                    self._ids.setdefault(slug.lower(), tag_id)
            for low in lows:
                self._slug[low] = self._ids[low]
            self._new.clear()
        if self._new_alias:
            rows = [{"alias_key": k, "tag_id": self.id(r)} for k, r in self._new_alias.items()]
            insert_ignore(self.session, TagAlias, rows, ["alias_key"])
            self._new_alias.clear()
        if self._recased:
            self._recase()

    def _recase(self) -> None:
        """A tag named in capitals by its first article ("NEW YORK", a dateline) takes the
        name as another article writes it: its label, and its slug's case (tag pages are
        looked up case-insensitively, so its address stays). A name of one word in capitals
        may be an acronym ("NATO"): kept."""
        ids = sorted(self._recased)
        for chunk in in_chunks(ids):
            shouted = self.session.execute(
                select(Tag.id, Tag.slug, Tag.label).where(Tag.id.in_(chunk))
            ).all()
            for tag_id, old_slug, old_label in shouted:
                slug, label = self._recased[tag_id]
                if " " not in old_label or not old_label.isupper():
                    continue
                if slug.lower() != old_slug.lower() or self.session.scalar(
                    select(Tag.id).where(Tag.slug == slug, Tag.id != tag_id)
                ):
                    continue  # another name of it, or another tag holds that case of it
                self.session.execute(
                    update(Tag).where(Tag.id == tag_id).values(slug=slug, label=label)
                )
        self._recased.clear()

    def id(self, ref: Ref) -> int:
        return ref if isinstance(ref, int) else self._ids[ref]
