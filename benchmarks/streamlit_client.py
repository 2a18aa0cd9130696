"""A minimal Streamlit client that speaks the browser's own websocket protocol (Streamlit 1.67).

It does what the real frontend does, without drawing anything:

- ``GET /_stcore/health`` first: the answer sets the ``_streamlit_xsrf`` cookie, which the browser
  then sends back on the websocket, both as a cookie and as the second ``Sec-WebSocket-Protocol``
  entry (``["streamlit", <xsrf token>]``; the server only checks it before reading auth cookies).
- ``/_stcore/stream`` carries protobufs: ``BackMsg.rerun_script`` (a ``ClientState``) goes up, a run's
  ``ForwardMsg``s come down (``new_session``, ``navigation``, ``delta``s, ..., ``script_finished``).
- The ForwardMsg cache lives in the client since Streamlit 1.4x: big ``new_element`` deltas arrive
  with ``metadata.cacheable``; the client keeps them, lists their hashes in the next
  ``rerun_script.cached_message_hashes``, and the server then sends a small ``ref_hash`` message
  instead of the element. Entries expire after ``max_cached_message_age`` finished runs (from
  ``new_session.config``), as in the frontend's ``ForwardMsgCache``.

Only the widgets a session changes are sent in ``widget_states``; the server keeps the others'
values from earlier runs, so the script computes the same as for a browser.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState

# Widget types this client knows how to change, in the order a fallback picks them.
CHANGEABLE_TYPES = ("slider", "selectbox", "number_input", "radio", "button_group")
FINISHED = ForwardMsg.ScriptFinishedStatus


@dataclass
class Widget:
    """A widget found in a run's deltas: ``key`` is the user key embedded in its element id."""

    key: str
    element_type: str
    element: object  # the element's protobuf (e.g. a Selectbox message)


@dataclass
class RunResult:
    """One script run as the client saw it, from sending the BackMsg to ``script_finished``."""

    seconds: float = 0.0
    bytes_received: int = 0
    cache_hits: int = 0
    status: str = "ok"  # ok, exception, compile_error, page_not_found, timeout, disconnected, cache_miss
    errors: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)  # st.error boxes: the app's own, not counted
    widgets: dict[str, Widget] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """True when the session cannot go on (no finished run to build on)."""
        return self.status in ("timeout", "disconnected", "compile_error", "cache_miss")


class MessageCache:
    """The browser's ForwardMsg cache: raw bytes of cacheable messages, aged in script runs."""

    def __init__(self) -> None:
        self.entries: dict[str, list] = {}  # hash -> [raw bytes, run count when last used]
        self.run_count = 0

    def hashes(self) -> list[str]:
        """What the next rerun_script lists as ``cached_message_hashes``."""
        return list(self.entries)

    def resolve(self, message: ForwardMsg, raw: bytes) -> ForwardMsg | None:
        """The full message for ``message``: itself, or the cached one a ``ref_hash`` points to."""
        if message.WhichOneof("type") != "ref_hash":
            if message.metadata.cacheable and message.hash:
                self.entries.setdefault(message.hash, [raw, self.run_count])[1] = self.run_count
            return message
        entry = self.entries.get(message.ref_hash)
        if entry is None:
            return None
        entry[1] = self.run_count
        full = ForwardMsg()
        full.ParseFromString(entry[0])
        full.metadata.CopyFrom(message.metadata)  # the reference carries the new delta path
        return full

    def finish_run(self, max_age: int) -> None:
        """Count one finished run and forget what was not used in the last ``max_age`` runs."""
        self.run_count += 1
        for message_hash in [h for h, (_, used) in self.entries.items() if self.run_count - used > max_age]:
            del self.entries[message_hash]


def find_widget(widgets: dict[str, Widget], preferred_keys: list[str]) -> tuple[Widget | None, bool]:
    """The first preferred widget present, else the first changeable one; and whether it fell back."""
    for key in preferred_keys:
        if key in widgets:
            return widgets[key], False
    for element_type in CHANGEABLE_TYPES:
        for widget in widgets.values():
            if widget.element_type == element_type and not getattr(widget.element, "disabled", False):
                return widget, True
    return None, True


def changed_state(widget: Widget) -> WidgetState:
    """The WidgetState a student produces by moving ``widget`` one step (the next option)."""
    element = widget.element
    state = WidgetState(id=element.id)
    if widget.element_type in ("selectbox", "radio"):
        options = list(element.options)
        current = options.index(element.raw_value) if element.HasField("raw_value") else element.default
        state.string_value = options[(current + 1) % len(options)]
    elif widget.element_type == "button_group":
        options = [option.content for option in element.options]
        current = options.index(element.raw_values[0]) if element.raw_values else next(iter(element.default), -1)
        state.string_array_value.data.append(options[(current + 1) % len(options)])
    elif widget.element_type == "slider" and element.options:  # a select_slider: by option labels
        options = list(element.options)
        current = [int(i) for i in (element.value if element.set_value else element.default)]
        state.string_array_value.data.extend(options[(i + 1) % len(options)] for i in current)
    elif widget.element_type == "slider":
        values = list(element.value if element.set_value else element.default)
        values[0] = values[0] + element.step if values[0] + element.step <= element.max else values[0] - element.step
        state.double_array_value.data.extend(values)
    elif widget.element_type == "number_input":
        value = element.value if element.HasField("value") else element.default
        fits = not element.has_max or value + element.step <= element.max
        value = value + element.step if fits else value - element.step
        if element.data_type == NumberInput.INT:  # as the frontend does: setIntValue for integers
            state.int_value = int(value)
        else:
            state.double_value = value
    else:
        raise ValueError(f"cannot change a {widget.element_type} widget")
    return state


class StreamlitSession:
    """One browser tab's worth of protocol: connect, open pages, change widgets, close."""

    def __init__(self, base_url: str, timeout_s: float = 600) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.cache = MessageCache()
        self.max_cached_message_age = 2  # replaced by new_session.config
        self.page_hashes: dict[str, str] = {}  # url path -> page_script_hash, from the navigation message
        self.page_hash = ""
        self.query_string = ""
        self.websocket = None

    async def connect(self) -> None:
        """Open the websocket as the browser does: health check for the XSRF cookie, then the stream."""
        cookie = await asyncio.to_thread(self._xsrf_cookie)
        token = cookie.split("=", 1)[1] if cookie else "PLACEHOLDER_AUTH_TOKEN"
        headers = {"Cookie": cookie} if cookie else {}
        stream_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self.websocket = await websockets.connect(stream_url, subprotocols=["streamlit", token],
                                                  origin=self.base_url, additional_headers=headers, max_size=None,
                                                  open_timeout=self.timeout_s, ping_timeout=None)

    def _xsrf_cookie(self) -> str:
        """``_streamlit_xsrf=...`` as set by the health check, or "" when XSRF protection is off."""
        with urllib.request.urlopen(f"{self.base_url}/_stcore/health", timeout=self.timeout_s) as response:
            set_cookie = response.headers.get("set-cookie", "")
        return set_cookie.split(";")[0] if set_cookie.startswith("_streamlit_xsrf=") else ""

    async def close(self) -> None:
        """Close the websocket; the server then ends the session."""
        if self.websocket is not None:
            await self.websocket.close()

    async def open_page(self, url_path: str) -> RunResult:
        """Go to a page: by its hash once the navigation is known (a sidebar click), else by URL."""
        self.query_string = ""
        page_hash = self.page_hashes.get(url_path)
        return await self.rerun(page_script_hash=page_hash or "", page_name="" if page_hash else url_path)

    async def change_widget(self, widget: Widget) -> RunResult:
        """Move ``widget`` one step on the current page and wait for the rerun it triggers."""
        return await self.rerun(page_script_hash=self.page_hash, widget_states=[changed_state(widget)])

    async def rerun(self, page_script_hash: str = "", page_name: str = "",
                    widget_states: list[WidgetState] = (), fragment_id: str = "") -> RunResult:
        """Send one rerun_script and read until the run finishes (or times out, or the socket closes).
        With ``fragment_id``, rerun only that fragment, as a browser's ``run_every`` poll does."""
        back = BackMsg()
        client_state = back.rerun_script
        client_state.query_string = self.query_string
        client_state.page_script_hash = page_script_hash
        client_state.page_name = page_name
        client_state.widget_states.widgets.extend(widget_states)
        if fragment_id:
            client_state.fragment_id = fragment_id
            client_state.is_auto_rerun = True
        client_state.cached_message_hashes.extend(self.cache.hashes())
        result = RunResult()
        started = time.perf_counter()
        try:
            await self.websocket.send(back.SerializeToString())
            await asyncio.wait_for(self._read_run(result), self.timeout_s)
        except asyncio.TimeoutError:
            result.status = "timeout"
            result.errors.append(f"no script_finished within {self.timeout_s:.0f} s")
        except websockets.ConnectionClosed as closed:
            result.status = "disconnected"
            result.errors.append(f"websocket closed: {closed}")
        result.seconds = time.perf_counter() - started
        return result

    async def _read_run(self, result: RunResult) -> None:
        while True:
            raw = await self.websocket.recv()
            result.bytes_received += len(raw)
            message = ForwardMsg()
            message.ParseFromString(raw)
            is_reference = message.WhichOneof("type") == "ref_hash"
            message = self.cache.resolve(message, raw)
            if message is None:
                result.status = "cache_miss"
                result.errors.append("ref_hash for a message this client never cached")
                return
            result.cache_hits += is_reference
            if self._handle(message, result):
                return

    def _handle(self, message: ForwardMsg, result: RunResult) -> bool:
        """Take one message into the session and the result; True when the run is over."""
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = message.new_session.page_script_hash
            self.max_cached_message_age = message.new_session.config.max_cached_message_age or 2
        elif kind == "navigation":
            self.page_hashes = {page.url_pathname: page.page_script_hash for page in message.navigation.app_pages}
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "page_not_found":
            result.status = "page_not_found"
            result.errors.append(f"page not found: {message.page_not_found.page_name!r}")
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self._note_element(message.delta.new_element, result)
        elif kind == "script_finished":
            status = message.script_finished
            if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
                return False  # the script called st.rerun(): the next run follows on its own
            self.cache.finish_run(self.max_cached_message_age)
            if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                result.status = "compile_error"
                result.errors.append("script finished with a compile error")
            return True
        return False

    @staticmethod
    def _note_element(element, result: RunResult) -> None:
        """Record an exception, an st.error box or a changeable widget from one new element."""
        element_type = element.WhichOneof("type")
        if element_type == "exception":
            result.status = "exception" if result.status == "ok" else result.status
            result.errors.append(f"{element.exception.type}: {element.exception.message}"[:300])
        elif element_type == "alert" and element.alert.format == Alert.ERROR:
            result.error_alerts.append(element.alert.body[:200])
        elif element_type in CHANGEABLE_TYPES:
            widget_element = getattr(element, element_type)
            # Ids read "$$ID-<hash>-<user key>"; a widget without a key ends in "-None".
            key = widget_element.id.split("-", 2)[-1]
            key = widget_element.id if key == "None" else key
            result.widgets[key] = Widget(key, element_type, widget_element)
