"""The explorer's Python wrapper (cnnviz.ui.explorer) without a browser: the payload stays small,
``printed`` is the JavaScript formatter's mirror, bad arguments raise a sentence. With node on the
machine, the browser-side engine (engine.js) is also checked against the numpy engine on many
seeded configurations, refusals included, in about a second."""

import json
import shutil
import subprocess

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.lesson import kernels, ops
from cnnviz.ui import explorer
from explorer_cases import expected, oracle_cases

SEED_IMAGE = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
SEED_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
PAYLOAD_LIMIT = 20_000  # bytes of JSON, as Streamlit sends the data


def size_of(payload: dict) -> int:
    return len(json.dumps(payload))


def test_payload_of_a_digit_stays_small(mnist):
    (x_train, _), _ = mnist
    digit = x_train[0] / 255.0
    sizes = {
        "example": size_of(explorer.convolution_payload(SEED_IMAGE, SEED_KERNEL, decimals=0)),
        "digit": size_of(explorer.convolution_payload(digit, kernels.preset_weights("vertical edges"))),
        "pooling": size_of(explorer.pooling_payload(ops.relu(ops.conv2d(digit, kernels.preset_weights("outline")))[7:19, 7:19])),
        "matrix": size_of(explorer.matrix_payload(x_train[0])),
        "dense": size_of(explorer.convolution_payload(np.random.default_rng(0).uniform(-1, 1, (28, 28)), np.ones((5, 5)))),
    }
    assert sizes["example"] < 600 and sizes["digit"] < 5_000, sizes
    assert max(sizes.values()) < PAYLOAD_LIMIT, sizes


def test_payload_holds_the_numbers_as_sent():
    image = np.array([[0.123456, 1.0], [-0.00004, 2 / 3]])
    payload = explorer.convolution_payload(image, [[1 / 9]], padding=1)
    assert payload["input"] == [[0.1235, 1], [0, 0.6667]]
    assert payload["kernel"] == [[0.1111]]
    np.testing.assert_array_equal(explorer.as_sent(image), np.array(payload["input"], dtype=float))
    assert isinstance(payload["input"][0][1], int)  # whole numbers travel as "1", not "1.0"
    assert payload["padding"] == 1 and payload["stride"] == 1 and payload["dilation"] == 1


@pytest.mark.parametrize("value, decimals, text", [
    (0.125, 2, "0.13"), (-0.125, 2, "-0.13"), (0.375, 2, "0.38"), (2.5, 0, "3"), (-2.5, 0, "-3"),
    (1.005, 2, "1"),  # 1.005 is 1.00499999... in binary: rounds down, as toFixed does
    (2.0, 2, "2"), (0.1 + 0.2, 2, "0.3"), (-0.001, 2, "0"), (-0.0, 0, "0"), (1234.5678, 1, "1234.6"),
    (0.5, 0, "1"), (1e-7, 3, "0"), (-3.14159, 3, "-3.142"), (100, 0, "100"), (7, 6, "7"),
])
def test_printed_mirrors_javascript_tofixed(value, decimals, text):
    assert explorer.printed(value, decimals) == text


@pytest.mark.parametrize("value, decimals", [(float("nan"), 2), (float("inf"), 2), (1e21, 0), (1.0, 7),
                                             (1.0, -1), (1.0, True), (1.0, 2.0)])
def test_printed_refuses_what_it_cannot_mirror(value, decimals):
    with pytest.raises(ValueError, match=r"\.$"):
        explorer.printed(value, decimals)


GOOD_IMAGE = np.zeros((6, 6))


@pytest.mark.parametrize("call, words", [
    (lambda: explorer.convolution_payload(np.zeros((6, 6, 3)), SEED_KERNEL), "2-D array"),
    (lambda: explorer.convolution_payload(np.zeros((0, 6)), SEED_KERNEL), "non-empty"),
    (lambda: explorer.convolution_payload([["a", "b"]], SEED_KERNEL), "real numbers"),
    (lambda: explorer.convolution_payload(np.array([[1, np.nan]]), SEED_KERNEL), "finite"),
    (lambda: explorer.convolution_payload(np.zeros((65, 65)), SEED_KERNEL), "at most 64 x 64"),
    (lambda: explorer.convolution_payload(GOOD_IMAGE, np.ones((16, 16))), "at most 15 x 15"),
    (lambda: explorer.convolution_payload(GOOD_IMAGE, SEED_KERNEL, stride=1.5), "stride must be a whole number"),
    (lambda: explorer.convolution_payload(GOOD_IMAGE, SEED_KERNEL, stride=True), "stride must be a whole number"),
    (lambda: explorer.convolution_payload(GOOD_IMAGE, SEED_KERNEL, padding=None), "padding must be"),
    (lambda: explorer.convolution_payload(GOOD_IMAGE, SEED_KERNEL, decimals=9), "decimals must be"),
    (lambda: explorer.convolution_payload(GOOD_IMAGE, SEED_KERNEL, presenter="yes"), "presenter must be"),
    (lambda: explorer.convolution_payload(GOOD_IMAGE, SEED_KERNEL, max_height_px=50), "max_height_px must be"),
    (lambda: explorer.convolution_payload(GOOD_IMAGE, SEED_KERNEL, input_range=(1, 0)), "low < high"),
    (lambda: explorer.convolution_payload(GOOD_IMAGE, SEED_KERNEL, input_title=7), "input_title must be"),
    (lambda: explorer.pooling_payload(GOOD_IMAGE, mode=2), "mode must be"),
    (lambda: explorer.pooling_payload(GOOD_IMAGE, colours="blue"), "colours must be one of"),
    (lambda: explorer.pooling_payload(GOOD_IMAGE, origin=(1,)), "origin must be"),
    (lambda: explorer.matrix_payload(np.zeros((3, 3), dtype=bool)), "real numbers"),
])
def test_bad_arguments_raise_a_sentence(call, words):
    with pytest.raises(ValueError) as caught:
        call()
    message = str(caught.value)
    assert words in message and message.endswith("."), message


def test_settings_the_engine_refuses_are_sent_for_the_browser_to_explain():
    """stride 0 or a too-large kernel are a student's settings, not a programming error."""
    payload = explorer.convolution_payload(np.zeros((3, 3)), np.ones((5, 5)), stride=0, padding=-1)
    assert (payload["stride"], payload["padding"]) == (0, -1)
    payload = explorer.pooling_payload(np.zeros((3, 3)), size=4, mode="min", padding="full")
    assert (payload["size"], payload["stride"], payload["mode"], payload["padding"]) == (4, None, "min", "full")


def test_component_sources_form_one_module():
    script = "\n".join(explorer._compact((explorer.FOLDER / name).read_text()) for name in explorer.SCRIPTS)
    assert script.count("export default") == 1
    assert "http" not in script  # nothing is fetched: it works offline
    css = explorer._compact((explorer.FOLDER / "explorer.css").read_text())
    assert "@import" not in css and "url(" not in css


def test_the_loader_fetches_this_checkouts_files_relative_to_the_page():
    """Served from the app's static/ folder (see served()): relative URLs, as Streamlit's own assets,
    so a server.baseUrlPath or a proxy's prefix is kept; a hash of the files in each URL, so a
    browser's cached copy is never used for other code."""
    assert explorer.FOLDER.parent.name == "static" and (explorer.FOLDER.parent.parent / "app.py").is_file()
    loader = explorer.loader_js()
    assert loader.count("export default") == 1 and "http" not in loader and '"/' not in loader
    for name in explorer.SCRIPTS:
        assert f'"{explorer.STATIC_URL}{name}?v=' in loader
    assert len(loader) < 2000 < len(explorer.inline_js()) / 10


def explorer_page():
    import numpy as np

    from cnnviz.ui import explorer

    explorer.convolution(np.eye(5), np.ones((3, 3)), stride=2, key="conv")
    explorer.pooling(np.eye(6), size=4, mode="average", key="pool")
    explorer.matrix(np.arange(9).reshape(3, 3), key="matrix")
    explorer.convolution(np.eye(3), np.ones((5, 5)), key="refused")


def test_mounts_in_a_streamlit_run_without_exception():
    app = AppTest.from_function(explorer_page, default_timeout=60).run()
    assert not app.exception


# engine.js in node, on the same cases as the numpy engine.
NODE_HARNESS = """
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const results = cases.map((c) => {
  try {
    const model = c.kind === "convolution" ? convolve(c.input, c.kernel, c.stride, c.padding, c.dilation)
      : pool(c.input, c.size, c.stride, c.mode, c.padding);
    return { shape: [model.rows.output, model.cols.output],
             printed: Array.from(model.output, (value) => printed(value, c.decimals)) };
  } catch (error) {
    if (error instanceof EngineError) return { error: error.message };
    throw error;
  }
});
process.stdout.write(JSON.stringify(results));
"""


def run_engine_in_node(cases: list[dict], tmp_path) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the browser test checks engine.js instead")
    script = tmp_path / "engine_check.js"
    script.write_text((explorer.FOLDER / "engine.js").read_text() + NODE_HARNESS)
    run = subprocess.run([node, str(script)], input=json.dumps(cases), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_engine_js_matches_the_numpy_engine(tmp_path):
    cases = oracle_cases(count=1500, seed=2026)
    for case in cases:  # send exactly what the wrapper would
        case["input"] = explorer.as_sent(case["input"]).tolist()
        if "kernel" in case:
            case["kernel"] = explorer.as_sent(case["kernel"]).tolist()
    results = run_engine_in_node(cases, tmp_path)
    refused = 0
    for number, (case, result) in enumerate(zip(cases, results)):
        want = expected(case)
        if "error" in want:
            refused += 1
            assert result == {"error": want["error"]}, (number, case)
        else:
            assert tuple(result["shape"]) == want["shape"] and result["printed"] == want["printed"], (number, case)
    assert 50 < refused < len(cases) // 2  # both kinds of answer were checked


def test_engine_js_prints_like_python(tmp_path):
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.integers(-4000, 4000, 3000) / 8, rng.uniform(-5, 5, 3000), [0.0, -0.0, 1e-9]])
    cases = [{"kind": "pooling", "input": [[float(v)]], "size": 1, "stride": 1, "mode": "max", "padding": "valid",
              "decimals": decimals} for v in values for decimals in (0, 2)]
    results = run_engine_in_node(cases, tmp_path)
    for case, result in zip(cases, results):
        assert result["printed"] == [explorer.printed(case["input"][0][0], case["decimals"])], case
