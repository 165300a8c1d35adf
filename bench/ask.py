"""Calibration of ask()'s "does the coverage answer this?" threshold on ECB+ news.

Imports and enriches the ECB+ documents (or reuses --data-dir if already built there), then asks
20 questions that the corpus answers (each with words the right sentence must contain), 10 of
the same facts asked in other words than the texts use, and 25 that it does not (20 on other subjects, 5 on the same subjects asking for facts the texts
don't hold).
Prints each question's best-sentence score, the separation between the two sets, and at the
configured ANSWER_THRESHOLD: answerable questions answered with a correct cited sentence, and
unanswerable questions refused.

    python bench/ask.py [--data-dir DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import write_json

os.environ.setdefault("HF_HUB_OFFLINE", "1")


ANSWERABLE = [
    ("Which rehab center did Tara Reid check into?", ["promises"]),
    ("Where did Lindsay Lohan move after leaving the Betty Ford Center?", ["cliffside", "malibu"]),
    ("Who will host the 81st Academy Awards?", ["jackman"]),
    ("Who is hosting the Oscars for the second time?", ["degeneres"]),
    ("How old was Bettie Page when she died?", ["85"]),
    ("Who replaced Maurice Cheeks as 76ers coach?", ["dileo"]),
    ("Who will direct New Moon, the Twilight sequel?", ["weitz"]),
    ("In which round did Klitschko stop Tony Thompson?", ["sixth"]),
    ("How many pirates did the Indian Navy capture in the Gulf of Aden?", ["23", "26"]),
    ("How many people died in the firebomb attack on a Greek bank?", ["three"]),
    ("What magnitude was the earthquake off southern Iran?", ["magnitude", "5."]),
    ("Who was charged with murdering two women at a Staunton ice cream store?", ["smith"]),
    ("How much were the diamonds stolen from Harry Winston in Paris worth?", ["million"]),
    ("Which running back did the Saints place on injured reserve?", ["bush", "thomas"]),
    ("Who was found hanged in prison after the Sicilian Mafia arrests?", ["lo presti"]),
    ("What did Microsoft release to fix the Internet Explorer flaw?", ["update", "patch", "fix"]),
    ("Who was nominated for Surgeon General by President Obama?", ["benjamin", "gupta"]),
    (
        "Which Chargers player was arrested on suspicion of drunken driving?",
        ["jackson", "williams"],
    ),
    ("What broke the phone and internet lines between Europe and Asia?", ["cable"]),
    ("Who became North Carolina's all-time leading scorer?", ["hansbrough"]),
]

# The same facts asked in other words than the texts use ("seize" for "captured", "present"
# for "host"): the coverage check must not refuse them for lack of the question's own words.
PARAPHRASED = [
    ("How many pirates did the Indian Navy seize in the Gulf of Aden?", ["23", "26"]),
    ("How many people were killed in the firebomb attack on a Greek bank?", ["three"]),
    ("Who took over from Maurice Cheeks as 76ers coach?", ["dileo"]),
    ("Who was picked to present the 81st Academy Awards?", ["jackman"]),
    ("Which Chargers player was detained on suspicion of drunken driving?", ["jackson"]),
    ("Who was chosen as Surgeon General by President Obama?", ["benjamin", "gupta"]),
    ("What severed the phone and internet links between Europe and Asia?", ["cable"]),
    ("How much was the haul from the Harry Winston robbery in Paris?", ["million"]),
    ("Which rehab clinic did Tara Reid enter?", ["promises"]),
    ("When did Bettie Page pass away, and how old was she?", ["85"]),
]

UNANSWERABLE = [
    "What is a good recipe for sourdough bread?",
    "How do I reset my wifi router password?",
    "What is the distance from the Earth to Mars?",
    "Who won the 2018 FIFA World Cup final?",
    "What are the symptoms of vitamin D deficiency?",
    "How do I install Python packages with pip?",
    "What is the capital of Australia?",
    "Which smartphone has the best camera this year?",
    "How many calories are in a banana?",
    "What time does the Louvre museum open on Sundays?",
    "What is the exchange rate of the Swiss franc today?",
    "Who painted the Mona Lisa?",
    "How do tides work?",
    "What is the plot of Pride and Prejudice?",
    "When is the next solar eclipse visible in Europe?",
    "How do I train a puppy to sit?",
    "What is the best way to learn the guitar?",
    "Which planet has the most moons?",
    "How long should I boil an egg?",
    "What are the rules of cricket?",
    # The same subjects as the coverage, asking for facts it does not hold (the hard case):
    "What is Lindsay Lohan's favourite food?",
    "How much did the Waitrose fire cost its insurers?",
    "What did Wladimir Klitschko eat before the fight?",
    "Who will host the Oscars in 2030?",
    "What is the name of the Indian Navy admiral's dog?",
]


def build(data_dir: Path) -> None:
    from newsdesk.config import Settings
    from newsdesk.enrich import enrich
    from newsdesk.ingest import candidate_from_record, store_candidate
    from newsdesk.store import connect, session_scope

    sys.path.insert(0, str(Path(__file__).parent))
    from stories import ecbplus_records

    settings = Settings(data_dir=data_dir)
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        for record, _gold in ecbplus_records():
            store_candidate(session, candidate_from_record(record), None)
    enrich(engine, settings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from newsdesk import ask as ask_mod
    from newsdesk.config import Settings
    from newsdesk.store import connect

    tmp = None
    data_dir = args.data_dir
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory()
        data_dir = Path(tmp.name)
    if not (data_dir / "newsdesk.db").exists():
        t0 = time.perf_counter()
        build(data_dir)
        print(f"built ECB+ database in {time.perf_counter() - t0:.0f} s")
    settings = Settings(data_dir=data_dir)
    engine = connect(settings.db_url)
    rows = []
    for question, needles in ANSWERABLE + PARAPHRASED:
        t0 = time.perf_counter()
        ans = ask_mod.ask(engine, settings, question)
        ms = (time.perf_counter() - t0) * 1000
        cited = [c["sentence"].lower() for c in ans.citations]
        correct = bool(cited) and any(n in cited[0] for n in needles)
        among = any(n in c for c in cited for n in needles)
        rows.append(
            {
                "q": question,
                "answerable": True,
                "paraphrased": (question, needles) in PARAPHRASED,
                "score": ans.score,
                "answered": ans.answered,
                "correct": correct,
                "among": among,
                "ms": ms,
                "cited": cited[:1],
            }
        )
    for question in UNANSWERABLE:
        t0 = time.perf_counter()
        ans = ask_mod.ask(engine, settings, question)
        ms = (time.perf_counter() - t0) * 1000
        rows.append(
            {
                "q": question,
                "answerable": False,
                "score": ans.score,
                "answered": ans.answered,
                "correct": not ans.answered,
                "ms": ms,
            }
        )
    for r in rows:
        flag = "ok " if r["correct"] and (r["answered"] or not r["answerable"]) else "-- "
        print(f"{flag} {r['score']:.3f} {'A' if r['answerable'] else 'U'} {r['q']}")
    pos = sorted(r["score"] for r in rows if r["answerable"] and not r.get("paraphrased"))
    neg = sorted(r["score"] for r in rows if not r["answerable"])
    th = ask_mod.ANSWER_THRESHOLD
    direct = [r for r in rows if r["answerable"] and not r.get("paraphrased")]
    ans_ok = sum(1 for r in direct if r["answered"] and r["correct"])
    refused = sum(1 for r in rows if not r["answerable"] and not r["answered"])
    among = sum(1 for r in direct if r["answered"] and r.get("among"))
    para = [r for r in rows if r.get("paraphrased")]
    para_ok = sum(1 for r in para if r["answered"] and r["correct"])
    para_among = sum(1 for r in para if r["answered"] and r.get("among"))
    summary = {
        "threshold": th,
        "paraphrased": len(para),
        "paraphrased_answered_correctly": para_ok,
        "paraphrased_right_sentence_among_citations": para_among,
        "answerable": len(pos),
        "answered_correctly": ans_ok,
        "right_sentence_among_citations": among,
        "unanswerable": len(neg),
        "refused": refused,
        "answerable_min_score": pos[0],
        "unanswerable_max_score": neg[-1],
        "median_ms": sorted(r["ms"] for r in rows)[len(rows) // 2],
    }
    print(
        f"threshold {th}: {ans_ok}/{len(pos)} answerable questions answered with a right first"
        f" citation ({among}/{len(pos)} with a right sentence among the <= 3 cited),"
        f" {refused}/{len(neg)} unanswerable refused; paraphrased: {para_ok}/{len(para)}"
        f" ({para_among}/{len(para)} among the cited);"
        " answerable scores"
        f" {pos[0]:.3f}..{pos[-1]:.3f}, unanswerable {neg[0]:.3f}..{neg[-1]:.3f};"
        f" median {summary['median_ms']:.0f} ms per question"
    )
    if args.json:
        write_json(args.json, {"summary": summary, "questions": rows})
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
