#!/usr/bin/env python3
"""Writes knowledge/questions.tsv: the tune split of the real-question corpus as
examples of the entries they are labelled with (the first accepted id), and
its near-miss rows (`-`) as the pack's own negatives.

The blind split never enters: a row goes in only when `eval::is_blind` would
say no (same rule: SHA-256 of the NFKC, lower-cased, space-collapsed question,
first byte >= 0x56). Rows that are dev or paraphrase questions, `*` rows and
questions the pack already has as examples are left out. Run after editing the
corpus, then `stackpick train` (see knowledge/FORMAT.md).
"""
import glob, hashlib, re, sys, tomllib, unicodedata

def key(q):
    return " ".join(unicodedata.normalize("NFKC", q).lower().split())

def blind(q):
    return hashlib.sha256(key(q).encode()).digest()[0] < 0x56

def rows(path):
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        yield line.rstrip("\n").split("\t")

root = sys.argv[1] if len(sys.argv) > 1 else "."
forbidden = {key(c[0]) for f in ("dev.tsv", "paraphrases.tsv") for c in rows(f"{root}/tests/data/{f}")}
pack = {}
for f, kind in (("topics.toml", "topic"), ("use_cases.toml", "use_case")):
    for e in tomllib.load(open(f"{root}/knowledge/{f}", "rb"))[kind]:
        for x in e.get("examples", []):
            forbidden.add(key(x))
out = ["# Tune-split questions of tests/data/real/*.tsv as examples (written by scripts/questions-from-tune.py;",
       "# do not edit by hand: edit the corpus and run the script again).",
       "# Columns: question <TAB> entry id (or - for a near-miss the pack must not answer) <TAB> source address"]
seen = set()
for path in sorted(glob.glob(f"{root}/tests/data/real/*.tsv")):
    for c in rows(path):
        q, label = c[0].strip(), c[1].strip()
        k = key(q)
        if blind(q) or label == "*" or k in forbidden or k in seen:
            continue
        seen.add(k)
        entry = label.split("|")[0]
        out.append("\t".join([q, entry] + ([c[3]] if len(c) > 3 and c[3] else [])))
open(f"{root}/knowledge/questions.tsv", "w", encoding="utf-8").write("\n".join(out) + "\n")
print(f"{len(out) - 3} questions")
