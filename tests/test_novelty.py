"""cnnviz.digits.novelty and shape_measures: MNIST's digits pass, generated non-digits are flagged,
the verdict reads as a sentence, bad input is refused with one, the committed rule is what MNIST
rebuilds, and the region counting agrees with a plain flood fill (the oracle)."""

from __future__ import annotations

import functools
from collections import deque

import numpy as np
import pytest
from non_digits import KINDS, corpus, drawn_digit, prepare
from support import heavy_imports, photo_like

from cnnviz.digits import images, novelty, shape_measures
from cnnviz.digits.image_files import ImageError

NOT_A_DIGIT = "This does not look like a handwritten digit"


@pytest.fixture(scope="module")
def rule():
    return novelty.load_rule()


@functools.lru_cache(maxsize=1)
def small_corpus():
    return corpus(per_kind=10, seed=7)


# ------------------------------------------------------------------ digits pass, non-digits do not


def test_most_mnist_test_digits_pass(mnist, rule):
    (_, _), (x_test, _) = mnist
    digits = x_test[np.random.default_rng(3).choice(len(x_test), 400, replace=False)] / 255.0
    passing = novelty.looks_like_digits(digits, rule)
    assert passing.mean() >= 0.95, passing.mean()
    # the batch answer is assess's answer, digit by digit
    for digit, batch_answer in zip(digits[:40], passing[:40]):
        verdict = novelty.assess(digit, rule)
        assert verdict.looks_like_a_digit == batch_answer
        assert verdict.looks_like_a_digit == (verdict.score < verdict.threshold)


def test_uploaded_mnist_digits_mostly_pass(mnist, rule):
    (_, _), (x_test, _) = mnist
    from digit_photos import dark_on_light, png_bytes

    uploads = [images.to_mnist(png_bytes(dark_on_light(digit).resize((112, 112)))) for digit in x_test[:60]]
    assert novelty.looks_like_digits(np.stack(uploads), rule).mean() >= 0.9


def test_digits_drawn_on_the_canvas_with_an_ordinary_pen_pass(mnist, rule):
    (_, _), (x_test, _) = mnist
    drawn = np.stack([prepare(drawn_digit(digit, height=200)) for digit in x_test[:60]])
    assert novelty.looks_like_digits(drawn, rule).mean() >= 0.9


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_of_non_digit_is_caught(kind, rule):
    items = [item for item in small_corpus() if item.kind == kind]
    caught = 0
    for item in items:
        try:
            digit = prepare(item.raw)
        except ImageError:  # the page already says so (a blank canvas)
            caught += 1
            continue
        verdict = novelty.assess(digit, rule)
        caught += not verdict.looks_like_a_digit
        if not verdict.looks_like_a_digit:
            assert verdict.reason.startswith(NOT_A_DIGIT), verdict.reason
    # scribbles are the hard kind: a random stroke can be a fair 4 or 7
    assert caught / len(items) >= (0.5 if kind == "scribble" else 0.8), (kind, caught)


def test_a_photo_of_a_puppy_like_scene_is_flagged(rule):
    verdict = novelty.assess(images.to_mnist(photo_like()), rule)
    assert not verdict.looks_like_a_digit
    assert verdict.score >= verdict.threshold


def test_a_blank_square_has_no_ink(rule):
    verdict = novelty.assess(np.zeros((28, 28), dtype=np.float32), rule)
    assert not verdict.looks_like_a_digit
    assert verdict.reason == f"{NOT_A_DIGIT}: it has no clear ink at all."


# ------------------------------------------------------------------ the sentence


def is_one_sentence(text: str) -> bool:
    return text[0].isupper() and text.endswith(".") and ". " not in text[:-1] and "  " not in text


def test_verdicts_read_as_one_sentence_with_their_numbers(mnist, rule):
    (_, _), (x_test, _) = mnist
    digit = novelty.assess(x_test[1] / 255.0, rule)
    assert digit.looks_like_a_digit and digit.reason.startswith("This looks like a handwritten digit")
    assert is_one_sentence(digit.reason)

    word = novelty.assess(prepare(corpus(per_kind=1, seed=1)[4].raw), rule)  # "printed word" comes fifth
    assert not word.looks_like_a_digit
    assert is_one_sentence(word.reason), word.reason
    assert "MNIST's digits" in word.reason and "%" in word.reason
    unusual = [item for item in word.measures if item.points]
    assert len(word.measures) == len(shape_measures.NAMES) and unusual
    assert unusual[0].clause in word.reason
    assert 0 <= word.closest_digit <= 9


def test_numbers_in_a_clause_are_never_written_the_same():
    value, limit = novelty._written(0.5341, 0.5290, "share")
    assert (value, limit) == ("53.4%", "52.9%")
    assert novelty._written(0.43, 0.39, "share") == ("43%", "39%")
    assert novelty._written(2.5, 1.818, "times") == ("2.5", "1.8")


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("bad, words", [
    (np.zeros((28, 27)), "28 x 28"),
    (np.zeros((1, 28, 28)), "28 x 28"),
    (np.full((28, 28), np.nan), "NaN"),
    (np.full((28, 28), np.inf), "infinite"),
    (np.full((28, 28), 255.0), "between 0 and 1"),
    (-np.ones((28, 28)), "between 0 and 1"),
])
def test_bad_input_is_refused_with_a_sentence(bad, words, rule):
    with pytest.raises(ValueError) as caught:
        novelty.assess(bad, rule)
    message = str(caught.value)
    assert words in message and message[0].isupper() and message.endswith(".")


def test_a_missing_rule_file_names_the_rebuild_command(tmp_path):
    with pytest.raises(novelty.RuleUnavailable, match="python -m cnnviz.digits.novelty"):
        novelty.load_rule(tmp_path / "missing.npz")


def test_the_rule_needs_neither_keras_nor_streamlit():
    heavy, printed = heavy_imports("import sys, numpy as np\nfrom cnnviz.digits import novelty\n"
                                   "novelty.assess(np.zeros((28, 28)))\nprint('streamlit' in sys.modules)")
    assert heavy == [] and printed.strip() == "False"


# ------------------------------------------------------------------ the committed file


def test_the_committed_rule_is_what_mnist_rebuilds(mnist, rule):
    (x_train, y_train), (x_test, _) = mnist
    rebuilt = novelty.fit(x_train, y_train)
    assert novelty.RULE_PATH.stat().st_size < 600_000
    np.testing.assert_allclose(rebuilt.means, rule.means, atol=1e-5)
    # eigenvectors may flip sign between machines: compare what they rebuild, not their entries
    sample = x_test[:300] / 255.0
    for fitted in (rebuilt, rule):
        assert np.allclose(fitted.bases.transpose(0, 2, 1) @ fitted.bases, np.eye(fitted.bases.shape[2]), atol=1e-5)
    np.testing.assert_allclose(shape_measures.rebuild_error(sample, rebuilt.means, rebuilt.bases)[0],
                               shape_measures.rebuild_error(sample, rule.means, rule.bases)[0], atol=2e-3)
    np.testing.assert_allclose(rebuilt.usual_limits, rule.usual_limits, rtol=5e-3)
    np.testing.assert_allclose(rebuilt.rare_limits, rule.rare_limits, rtol=5e-3)
    np.testing.assert_allclose(rebuilt.usual_shares, rule.usual_shares, atol=1e-3)
    assert abs(rebuilt.training_pass - rule.training_pass) < 1e-3
    assert rule.training_pass >= novelty.TARGET_PASS


# ------------------------------------------------------------------ counting regions, against a flood fill


def flood_fill_count(mask: np.ndarray, connectivity: int, outside: bool) -> int:
    """Regions of at least two True pixels, one image at a time, the slow obvious way."""
    padded = np.pad(mask, 1, constant_values=outside)
    steps = [(0, 1), (0, -1), (1, 0), (-1, 0)] + ([(1, 1), (1, -1), (-1, 1), (-1, -1)] if connectivity == 8 else [])
    seen = np.zeros_like(padded)
    regions = 0
    for start in zip(*np.nonzero(padded)):
        if seen[start]:
            continue
        seen[start], queue, size, touches_border = True, deque([start]), 0, False
        while queue:
            row, col = queue.popleft()
            size += 1
            touches_border |= row in (0, padded.shape[0] - 1) or col in (0, padded.shape[1] - 1)
            for step_row, step_col in steps:
                near = row + step_row, col + step_col
                inside = 0 <= near[0] < padded.shape[0] and 0 <= near[1] < padded.shape[1]
                if inside and padded[near] and not seen[near]:
                    seen[near] = True
                    queue.append(near)
        regions += size >= shape_measures.SMALLEST_REGION and not (outside and touches_border)
    return regions


def test_counting_regions_agrees_with_a_flood_fill(mnist):
    (_, _), (x_test, _) = mnist
    rng = np.random.default_rng(11)
    masks = np.concatenate([rng.random((40, 28, 28)) < 0.45, x_test[:40] > 127])
    pieces = [flood_fill_count(mask, 8, outside=False) for mask in masks]
    loops = [flood_fill_count(~mask, 4, outside=True) for mask in masks]
    assert shape_measures.count_regions(masks, 8, outside=False).tolist() == pieces
    assert shape_measures.count_regions(~masks, 4, outside=True).tolist() == loops
    fast_pieces, fast_loops = shape_measures.pieces_and_loops(masks)  # loops from Euler's count
    assert fast_pieces.tolist() == pieces and fast_loops.tolist() == loops


def test_known_shapes_have_the_pieces_and_loops_we_can_count():
    eight = np.zeros((28, 28), dtype=np.float32)
    eight[4:24, 9:19] = 1.0
    eight[6:12, 11:17] = 0.0  # upper loop
    eight[15:22, 11:17] = 0.0  # lower loop
    three_dots = np.zeros((28, 28), dtype=np.float32)
    for left in (3, 12, 21):
        three_dots[12:16, left:left + 4] = 1.0
    measures = shape_measures.ink_measures(np.stack([eight, three_dots]))
    assert measures["loops"].tolist() == [2, 0]
    assert measures["pieces"].tolist() == [1, 3]
    assert measures["width"][1] == pytest.approx(22 / 4)
