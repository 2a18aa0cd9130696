"""The protocol load test works: five sessions on a fresh ``streamlit run app.py`` open every page
and move one widget on each, with no exception, failed run, timeout or disconnect; and its client
handles the browser's message cache and widget changes like the frontend does.

Timings are never asserted: they depend on the machine. Needs no browser; about 25 s on 2 cores.
"""

import importlib.util
import sys
from pathlib import Path

from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput

REPO_ROOT = Path(__file__).resolve().parents[1]


def load_benchmark():
    """benchmarks/load.py as a module (benchmarks/ is not a package); it imports streamlit_client."""
    spec = importlib.util.spec_from_file_location("cnnviz_load_benchmark", REPO_ROOT / "benchmarks" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


load = load_benchmark()
client = sys.modules["streamlit_client"]


def widget(element_type: str, **fields) -> "client.Widget":
    element = Element()
    proto = getattr(element, element_type)
    proto.id = f"$$ID-0123-{element_type}_key"
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(proto, name).extend(value)
        else:
            setattr(proto, name, value)
    return client.Widget(f"{element_type}_key", element_type, proto)


def test_a_student_moves_each_kind_of_widget_one_step():
    assert client.changed_state(widget("selectbox", options=["a", "b"], default=0)).string_value == "b"
    assert client.changed_state(widget("radio", options=["a", "b"], default=1)).string_value == "a"
    assert client.changed_state(widget("slider", default=[24.0], step=1, max=40)).double_array_value.data == [25.0]
    assert client.changed_state(widget("slider", default=[40.0], step=1, max=40)).double_array_value.data == [39.0]
    number = widget("number_input", default=0, step=1, data_type=NumberInput.INT)
    assert client.changed_state(number).int_value == 1
    modes = widget("button_group", default=[0])
    modes.element.options.add(content="max")
    modes.element.options.add(content="average")
    assert client.changed_state(modes).string_array_value.data == ["average"]


def test_cache_answers_references_and_forgets_messages_unused_for_two_runs():
    cache = client.MessageCache()
    big = ForwardMsg(hash="abc")
    big.metadata.cacheable = True
    big.delta.new_element.markdown.body = "a big figure"
    cache.resolve(big, big.SerializeToString())
    reference = ForwardMsg(ref_hash="abc")
    reference.metadata.delta_path.extend([0, 3])
    full = cache.resolve(reference, reference.SerializeToString())
    assert full.delta.new_element.markdown.body == "a big figure"
    assert list(full.metadata.delta_path) == [0, 3]  # placed where the reference says
    for _ in range(3):
        cache.finish_run(max_age=2)
    assert cache.hashes() == []
    assert cache.resolve(reference, reference.SerializeToString()) is None


def test_an_exception_element_is_an_error_and_widgets_are_found_by_key():
    session = client.StreamlitSession("http://127.0.0.1:1")
    result = client.RunResult()
    elements = (("exception", {"type": "ValueError"}), ("slider", {"id": "$$ID-ab12-matrix_zoom"}))
    for element_type, proto_fields in elements:
        message = ForwardMsg()
        for name, value in proto_fields.items():
            setattr(getattr(message.delta.new_element, element_type), name, value)
        assert not session._handle(message, result)
    assert result.status == "exception" and result.errors == ["ValueError: "]
    assert list(result.widgets) == ["matrix_zoom"]
    assert session._handle(ForwardMsg(script_finished=ForwardMsg.FINISHED_SUCCESSFULLY), result)


def test_five_sessions_visit_every_page_and_change_a_widget_without_errors():
    # In a thread of its own: the browser tests' Playwright keeps an event loop running in this one,
    # and run_load starts asyncio loops.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as worker:
        results = worker.submit(load.run_load, 5, mode="warm", timeout_s=120).result()

    assert results["warmup_errors"] == []
    assert results["errors"] == 0, results["error_messages"]
    every_page_five_times = {page: 5 for page in load.PAGES}
    assert results["visited"] == every_page_five_times
    assert results["changed"] == every_page_five_times
    changes = [row for row in results["rows"] if row["action"] == "change"]
    assert all(row["widget"] for row in changes), changes  # each change names the widget it moved
    assert all(row["mean_kb"] > 0 for row in results["rows"])  # every run sent its page down
    assert results["peak_rss_mb"] > 0
