"""A protocol-level student who also uploads files, picks options and follows a fragment's polls.

``class_client.ClassSession`` presses buttons and reads texts; this adds what a browser does for
``st.file_uploader`` and for ``st.fragment(run_every=...)`` (Streamlit 1.67):

- **Upload.** The browser asks for upload URLs over the websocket (``BackMsg.file_urls_request``),
  gets ``file_urls_response`` with a file id and ``/_stcore/upload_file/<session>/<file id>``, PUTs the
  file there as ``multipart/form-data`` (with the XSRF cookie and its ``X-Xsrftoken`` header), then
  reruns with the uploader's ``file_uploader_state_value`` naming the file. The page then reads
  exactly the bytes a browser would have sent, through the same code path.
- **Polls.** A fragment with ``run_every`` makes the server send ``auto_rerun`` (interval, fragment
  id); the browser then reruns that fragment alone (``rerun_script`` with ``fragment_id`` and
  ``is_auto_rerun``) every interval until ``stop_auto_rerun`` or a full rerun.

    session = StudentSession(url)
    await session.connect()
    await session.open("xception")
    await session.choose("xception_source", "Upload a photo")
    result = await session.upload("xception_upload", "photo.jpg", jpeg_bytes, "image/jpeg")
"""

from __future__ import annotations

import asyncio
import itertools
import time
import urllib.request
import uuid

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from class_client import ClassSession  # noqa: E402 (benchmarks/ is on sys.path for every script here)
from streamlit_client import CHANGEABLE_TYPES, RunResult, Widget

_REQUEST_IDS = itertools.count(1)


class StudentSession(ClassSession):
    """One browser tab: :class:`ClassSession` plus uploads, option choices and fragment polls."""

    def __init__(self, base_url: str, timeout_s: float = 120) -> None:
        super().__init__(base_url, timeout_s)
        self.session_id = ""
        self.xsrf = ""
        self.cookie_header = ""
        self.auto_reruns: dict[str, float] = {}  # fragment id -> seconds between its polls
        self.first_message_s: float | None = None  # time to the run's first drawn element

    async def connect(self) -> None:
        """As :meth:`ClassSession.connect`, keeping the cookies for the upload's HTTP request."""
        self.cookie_header = await asyncio.to_thread(self._xsrf_cookie)
        self.xsrf = next((part.split("=", 1)[1] for part in self.cookie_header.split("; ")
                          if part.startswith("_streamlit_xsrf=")), "")
        stream_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self.websocket = await websockets.connect(
            stream_url, subprotocols=["streamlit", self.xsrf or "PLACEHOLDER_AUTH_TOKEN"], origin=self.base_url,
            additional_headers={"Cookie": self.cookie_header} if self.cookie_header else {}, max_size=None,
            open_timeout=self.timeout_s, ping_timeout=None)

    def widget(self, key: str) -> Widget:
        """The widget ``key`` drawn by the last run (KeyError naming the others when absent)."""
        widget = self.elements.get(key)
        if widget is None:
            raise KeyError(f"no widget {key!r} on the page; it has {sorted(self.elements)}")
        return widget

    async def choose(self, key: str, option: str) -> RunResult:
        """Pick ``option`` (its label) in the radio or select box ``key`` and wait for the rerun."""
        widget = self.widget(key)
        if list(widget.element.options) and option not in widget.element.options:
            raise ValueError(f"{key!r} has no option {option!r}: {list(widget.element.options)}")
        return await self._run(page_script_hash=self.page_hash,
                               widget_states=[WidgetState(id=widget.element.id, string_value=option)])

    async def upload(self, key: str, name: str, data: bytes, mime: str,
                     before_rerun: asyncio.Barrier | None = None) -> RunResult:
        """Upload ``data`` into the file uploader ``key`` as a browser does, and time the rerun it
        triggers (the PUT is not timed: on a class network it is the network's time, not the server's).

        Args:
            before_rerun: when given, wait for it between the PUT and the rerun, so that several
                students' pages start working on their uploads at the same moment.
        """
        widget = self.widget(key)
        request_id = str(next(_REQUEST_IDS))
        back = BackMsg()
        back.file_urls_request.request_id = request_id
        back.file_urls_request.session_id = self.session_id
        back.file_urls_request.file_names.append(name)
        await self.websocket.send(back.SerializeToString())
        urls = await asyncio.wait_for(self._file_urls(request_id), self.timeout_s)
        await asyncio.to_thread(self._put, urls.upload_url, name, data, mime)
        if before_rerun is not None:  # a classmate who never comes (an error) must not stall the others
            try:
                await asyncio.wait_for(before_rerun.wait(), self.timeout_s)
            except (asyncio.TimeoutError, asyncio.BrokenBarrierError):
                pass
        state = WidgetState(id=widget.element.id)
        state.file_uploader_state_value.uploaded_file_info.append(
            UploadedFileInfo(file_id=urls.file_id, name=name, size=len(data),
                             file_urls=FileURLs(file_id=urls.file_id, upload_url=urls.upload_url,
                                                delete_url=urls.delete_url)))
        return await self._run(page_script_hash=self.page_hash, widget_states=[state])

    async def _file_urls(self, request_id: str):
        """Read the websocket until the ``file_urls_response`` to ``request_id`` arrives."""
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.websocket.recv())
            if message.WhichOneof("type") == "file_urls_response" and message.file_urls_response.response_id == request_id:
                response = message.file_urls_response
                if response.error_msg:
                    raise RuntimeError(f"upload refused: {response.error_msg}")
                return response.file_urls[0]

    def _put(self, upload_url: str, name: str, data: bytes, mime: str) -> None:
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                f"Content-Type: {mime}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        url = upload_url if upload_url.startswith("http") else self.base_url + upload_url
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": self.xsrf,
                   "Cookie": self.cookie_header}
        request = urllib.request.Request(url, data=body, method="PUT", headers=headers)
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            if response.status not in (200, 204):
                raise RuntimeError(f"upload answered HTTP {response.status}")

    async def poll_fragments(self, until, deadline_s: float) -> list[RunResult]:
        """Rerun the page's polling fragments at their pace, as a browser does, until ``until(self)``
        is true after a run, no fragment polls any more, or ``deadline_s`` (monotonic) passes."""
        runs = []
        while self.auto_reruns and not until(self) and time.monotonic() < deadline_s:
            fragment_id, interval = next(iter(self.auto_reruns.items()))
            await asyncio.sleep(interval)
            runs.append(await self._run(page_script_hash=self.page_hash, fragment_id=fragment_id))
        return runs

    async def rerun(self, page_script_hash: str = "", page_name: str = "", widget_states=(),
                    fragment_id: str = "") -> RunResult:
        """:meth:`StreamlitSession.rerun`, noting when the first element arrived (what a student sees
        first, e.g. a waiting line); a full run forgets the polling fragments it will register again."""
        self.first_message_s, self._run_started = None, time.perf_counter()
        if not fragment_id:
            self.auto_reruns = {}  # a full run registers its polling fragments afresh
        return await super().rerun(page_script_hash, page_name, widget_states, fragment_id)

    def _handle(self, message: ForwardMsg, result: RunResult) -> bool:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.session_id = message.new_session.initialize.session_id or self.session_id
        elif kind == "auto_rerun":
            self.auto_reruns[message.auto_rerun.fragment_id] = message.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            self.auto_reruns.clear()
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            if self.first_message_s is None:
                self.first_message_s = time.perf_counter() - self._run_started
            element = message.delta.new_element
            element_type = element.WhichOneof("type")
            if element_type in ("file_uploader", *CHANGEABLE_TYPES):
                widget = getattr(element, element_type)
                key = widget.id.split("-", 2)[-1] if widget.id.startswith("$$ID-") else widget.id
                self.elements[key] = Widget(key, element_type, widget)
        return super()._handle(message, result)
