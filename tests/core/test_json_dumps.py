"""The JSON report's encoder writes exactly what ``json.dumps(doc, indent=2, default=str)`` writes."""

import enum
import json
import random
from pathlib import Path

import pytest

from golayer.report.json_ import dumps


class Level(enum.IntEnum):
    HIGH = 3


class Name(str):
    pass


ODD = {
    "values": [1, -7, 10**30, 2.5, -0.0, 1e300, 5e-324, float("nan"), float("inf"), -float("inf"), True, False,
               None, (), [], {}, Level.HIGH, Name("x"), Path("/p/q")],
    "text": ["", "é", "\u2028", "\x00", '"', "\\", "\ud800", "日本", "\x7f\n\t"],
    1: {2.0: "float key", True: 1, False: 0, None: [[]], Level.HIGH: {"n": {}}},
    "tuples": (1, (2, [3, {"d": (4,)}])),
}


@pytest.mark.parametrize("obj", [ODD, [], {}, "s", 1, None, [[[]]], {"k": [{}]}, 3.14, Path("x"), (1,)])
def test_same_text_as_the_standard_library(obj):
    assert dumps(obj) == json.dumps(obj, indent=2, default=str)


def test_same_text_for_random_nested_documents():
    rng = random.Random(12)

    def gen(depth):
        k = rng.randrange(9 if depth < 5 else 5)
        return [lambda: rng.choice(["a", "ü\n", ""]), lambda: rng.randrange(-5, 5), lambda: rng.random() * 1e6,
                lambda: rng.choice([None, True, False]), lambda: Path("/x") / str(rng.randrange(9)),
                lambda: [gen(depth + 1) for _ in range(rng.randrange(4))],
                lambda: tuple(gen(depth + 1) for _ in range(rng.randrange(3))),
                lambda: {rng.choice(["k", "é", 1, 2.5, None, True]): gen(depth + 1) for _ in range(rng.randrange(4))},
                lambda: {str(i): gen(depth + 1) for i in range(rng.randrange(5))}][k]()

    for _ in range(300):
        doc = gen(0)
        assert dumps(doc) == json.dumps(doc, indent=2, default=str)


def test_keys_json_cannot_encode_are_refused_as_the_standard_library_does():
    with pytest.raises(TypeError):
        json.dumps({(1,): 1}, indent=2, default=str)
    with pytest.raises(TypeError):
        dumps({(1,): 1})
