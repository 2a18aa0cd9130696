"""A protocol-level student or teacher of a cnnviz class: ``streamlit_client.StreamlitSession`` that
also finds buttons and the drawing canvas, presses them, draws a digit and reads what a run drew.

    session = ClassSession("http://127.0.0.1:8501")
    await session.connect()
    await session.open("convolution", class_code="7K3Q9D")
    await session.press("class_choice_1")                 # answer the page's question
    await session.open("draw-for-the-class", class_code="7K3Q9D")
    await session.draw_and_press("class_draw_send", png_bytes)   # send a drawn digit

Used by ``benchmarks/class_load.py`` and the class tests (``tests/test_classroom_servers.py``).
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
from pathlib import Path

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parent))
from streamlit_client import RunResult, StreamlitSession, Widget  # noqa: E402

CANVAS_KEY_PREFIX = "class_canvas_"
FINISHED_EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


class ClassSession(StreamlitSession):
    """One browser tab at the protocol level, with the class's buttons and canvas.

    Args:
        base_url: the server (or HAProxy) address.
        cookies: extra cookies this "browser" sends, e.g. ``{"cnnviz_student": id}``.
    """

    def __init__(self, base_url: str, timeout_s: float = 120, cookies: dict[str, str] | None = None) -> None:
        super().__init__(base_url, timeout_s)
        self.cookies = dict(cookies or {})
        self.elements: dict[str, Widget] = {}  # every keyed widget of the last run, by user key
        self.texts: list[str] = []  # markdown, HTML, alerts and metrics of the last run
        self.affinity = ""  # HAProxy's sticky cookie, when there is one

    def _xsrf_cookie(self) -> str:
        """The cookies for the websocket: the XSRF cookie and HAProxy's sticky cookie that the health
        check sets, and :attr:`cookies` (sent with the health check too, so a pinned replica answers)."""
        extra = [f"{name}={value}" for name, value in self.cookies.items()]
        request = urllib.request.Request(f"{self.base_url}/_stcore/health",
                                         headers={"Cookie": "; ".join(extra)} if extra else {})
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            set_cookies = response.headers.get_all("set-cookie") or []
        found = [cookie.split(";")[0] for cookie in set_cookies]
        xsrf = next((cookie for cookie in found if cookie.startswith("_streamlit_xsrf=")), "")
        self.affinity = next((cookie for cookie in found if not cookie.startswith("_streamlit_xsrf=")),
                             next((part for part in extra if part.startswith("CNNVIZ_REPLICA=")), ""))
        if self.affinity.split("=")[0] in self.cookies:
            extra_and_affinity = extra
        else:
            extra_and_affinity = [*extra, self.affinity]
        return "; ".join(part for part in [xsrf, *extra_and_affinity] if part)

    async def connect(self) -> None:
        """Open the websocket, sending the XSRF cookie, HAProxy's cookie and :attr:`cookies`."""
        import websockets

        cookie = await asyncio.to_thread(self._xsrf_cookie)
        xsrf = next((part.split("=", 1)[1] for part in cookie.split("; ") if part.startswith("_streamlit_xsrf=")),
                    "PLACEHOLDER_AUTH_TOKEN")
        stream_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self.websocket = await websockets.connect(stream_url, subprotocols=["streamlit", xsrf], origin=self.base_url,
                                                  additional_headers={"Cookie": cookie} if cookie else {},
                                                  max_size=None, open_timeout=self.timeout_s, ping_timeout=None)

    async def open(self, url_path: str, class_code: str | None = None, **query: str) -> RunResult:
        """Open a page by its address, as a typed or scanned link does (``?class=...`` and more)."""
        parameters = {**query, **({"class": class_code} if class_code else {})}
        self.query_string = "&".join(f"{name}={value}" for name, value in parameters.items())
        return await self._run(page_name=url_path)

    async def press(self, key: str, *extra: WidgetState) -> RunResult:
        """Press the button ``key`` of the last run (with more widget states, as a browser sends)."""
        widget = self.elements.get(key)
        if widget is None:
            raise KeyError(f"no button {key!r} on the page; it has {sorted(self.elements)}")
        return await self._run(page_script_hash=self.page_hash,
                               widget_states=[WidgetState(id=widget.element.id, trigger_value=True), *extra])

    async def send_state(self, *states: WidgetState) -> RunResult:
        """Rerun with these widget states, whatever this page drew (a replayed or forged message)."""
        return await self._run(page_script_hash=self.page_hash, widget_states=list(states))

    def canvas_state(self, data_url: str) -> WidgetState:
        """The drawing canvas' state after a stroke: the picture as a PNG data URL."""
        canvas = next(widget for key, widget in self.elements.items() if key.startswith(CANVAS_KEY_PREFIX))
        drawing = {"drawing": {"raw": {"objects": [], "background": "#000000"}, "data": data_url}}
        return WidgetState(id=canvas.element.id, json_value=json.dumps(drawing))

    async def draw_and_press(self, button_key: str, data_url: str) -> RunResult:
        """Draw (the canvas sends its picture) and press ``button_key`` in the same rerun."""
        return await self.press(button_key, self.canvas_state(data_url))

    def text(self) -> str:
        return "\n".join(self.texts)

    async def _run(self, **arguments) -> RunResult:
        self.elements, self.texts = {}, []
        return await self.rerun(**arguments)

    def _handle(self, message, result: RunResult) -> bool:
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self._note_class_element(message.delta.new_element)
        finished = super()._handle(message, result)
        if kind == "script_finished" and message.script_finished == FINISHED_EARLY_FOR_RERUN:
            self.elements, self.texts = {}, []  # st.rerun(): only the next run's page counts
        if kind == "navigation" and message.navigation.page_script_hash:
            self.page_hash = message.navigation.page_script_hash  # the page now shown (st.navigation)
        return finished

    def _note_class_element(self, element) -> None:
        element_type = element.WhichOneof("type")
        if element_type in ("button", "bidi_component"):
            widget = getattr(element, element_type)
            key = widget.id.split("-", 2)[-1] if widget.id.startswith("$$ID-") else widget.id
            self.elements[key] = Widget(key, element_type, widget)
        elif element_type == "markdown":
            self.texts.append(element.markdown.body)
        elif element_type == "html":
            self.texts.append(element.html.body)
        elif element_type == "alert":
            self.texts.append(element.alert.body)
        elif element_type == "metric":
            self.texts.append(f"{element.metric.label}: {element.metric.body}")
