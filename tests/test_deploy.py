"""Checks of deploy/: the HAProxy files pass ``haproxy -c``, compose and the Dockerfile say what
deploy/README.md promises, and two loopback replicas behind HAProxy keep a client on one server
through a whole Streamlit websocket session.

The HAProxy tests need Debian's ``haproxy`` (``apt-get install -y haproxy``); without it they skip
and say so, unless ``CNNVIZ_REQUIRE_HAPROXY=1`` (for CI) turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest

from deploy import run_local_replicas as replicas_module

REPO_ROOT = Path(__file__).resolve().parents[1]
DEPLOY = REPO_ROOT / "deploy"
HEALTH_PATH = "/_stcore/health"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy


def haproxy_or_skip() -> str:
    path = replicas_module.haproxy_executable()
    if path is None:
        reason = "haproxy is not installed: `apt-get install -y haproxy` to run the deploy/ HAProxy tests"
        if os.environ.get("CNNVIZ_REQUIRE_HAPROXY") == "1":
            pytest.fail(f"{reason} (CNNVIZ_REQUIRE_HAPROXY=1 requires them to run)")
        pytest.skip(reason)
    return path


def haproxy_check(config_text: str, tmp_path: Path) -> subprocess.CompletedProcess:
    config_path = tmp_path / "haproxy.cfg"
    config_path.write_text(config_text)
    return subprocess.run([haproxy_or_skip(), "-c", "-f", str(config_path)], capture_output=True, text=True,
                          timeout=30)


# --------------------------------------------------------------------------- static checks


def test_compose_haproxy_config_is_valid(tmp_path):
    result = haproxy_check((DEPLOY / "haproxy.cfg").read_text(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_loopback_haproxy_config_is_valid_and_pins_each_server(tmp_path):
    text = replicas_module.render_haproxy_config(8600, [9001, 9002, 9003])
    assert not re.search(r"\{\{[A-Z_]+\}\}", text), "a template field was left unfilled"
    for index, port in enumerate([9001, 9002, 9003], start=1):
        assert f"server app{index} 127.0.0.1:{port} check cookie app{index}" in text
    result = haproxy_check(text, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("config", ["compose", "loopback"])
def test_haproxy_configs_are_sticky_healthchecked_and_keep_websockets_open(config):
    if config == "compose":
        text = (DEPLOY / "haproxy.cfg").read_text()
    else:
        text = replicas_module.render_haproxy_config(8600, [9001, 9002])
    assert re.search(r"^\s*cookie CNNVIZ_REPLICA insert indirect nocache httponly", text, re.M)
    assert "http-check send meth GET uri /_stcore/health" in text
    assert re.search(r"^\s*timeout tunnel 1h", text, re.M), "websockets would be cut after `timeout server`"


def test_compose_haproxy_discovers_replicas_through_docker_dns():
    text = (DEPLOY / "haproxy.cfg").read_text()
    assert "nameserver docker_dns 127.0.0.11:53" in text
    template = re.search(r"^\s*server-template (\S+) (\S+) app:8501 (.*)$", text, re.M)
    assert template, "the backend must fill its servers from the compose service name `app`"
    assert "resolvers docker" in template.group(3) and "check" in template.group(3)
    # server-template has no per-server cookie value: dynamic cookies need their key.
    assert re.search(r"^\s*cookie .* dynamic", text, re.M) and "dynamic-cookie-key" in text


def load_compose() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (not a cnnviz dependency); "
                                              "test_compose_text_... checks the same file without it")
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_text_has_replicas_health_check_proxy_and_volume():
    """The same promises read loosely from the text, for machines without PyYAML."""
    text = (DEPLOY / "compose.yaml").read_text()
    assert re.search(r"^\s+replicas: [2-9]", text, re.M)
    assert "/_stcore/health" in text and re.search(r"^\s+healthcheck:", text, re.M)
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in text
    assert re.search(r"^\s+- keras-home:/var/cache/keras$", text, re.M)
    assert "\t" not in text, "YAML forbids tabs for indentation"


def test_compose_runs_replicas_behind_haproxy_with_a_shared_keras_home():
    compose = load_compose()
    services = compose["services"]
    app, proxy = services["app"], services["proxy"]
    assert app["deploy"]["replicas"] >= 2
    assert app["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert "keras-home:/var/cache/keras" in app["volumes"]
    assert "keras-home" in compose["volumes"]
    assert proxy["image"].startswith("haproxy:")
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in proxy["volumes"]
    assert any(str(port).endswith(":8080") for port in proxy["ports"])
    # The replicas wait for the one-shot cache seeding, so they never download into one file together.
    assert app["depends_on"]["keras-cache"]["condition"] == "service_completed_successfully"
    assert services["keras-cache"]["command"] == ["python", "deploy/seed_keras_home.py"]
    assert any("/_stcore/health" in part for part in app["healthcheck"]["test"])
    limits = app["deploy"]["resources"]["limits"]["memory"]
    assert limits.endswith(("M", "G")) and "CNNVIZ_MAX_TRAINING_RUNS" in app["environment"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` per instruction, continuation lines joined, comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
            for line in joined.splitlines() if line.strip()]


def test_dockerfile_installs_requirements_and_never_trains_or_downloads_at_build():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(arguments for name, arguments in instructions if name == "RUN")
    assert "pip install -r requirements.txt" in runs
    assert not re.search(r"requirements-dev|cnnviz\.(zoo|training|sweep|playground)|seed_keras_home|\.fit\(|"
                         r"Xception|load_data|get_file|python -c", runs), "the build must not train or warm up"
    copies = [arguments.split()[0] for name, arguments in instructions if name == "COPY"]
    for needed in ["requirements.txt", "app.py", "app_pages/", "cnnviz/", "models/", ".streamlit/"]:
        assert needed in copies, f"the image lacks {needed}"


def test_dockerfile_runs_the_server_as_a_non_root_user_with_a_health_check():
    instructions = dict(dockerfile_instructions())  # the last of each kind, as Docker uses it
    assert instructions["USER"] not in ("root", "0")
    assert "/_stcore/health" in instructions["HEALTHCHECK"]
    assert "KERAS_HOME=/var/cache/keras" in instructions["ENV"]
    assert instructions["CMD"] == ('["streamlit", "run", "app.py", "--server.address", "0.0.0.0", '
                                   '"--server.port", "8501"]')
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert ".git" in ignored and not {"models", "models/", "cnnviz", "app.py", ".streamlit"} & set(ignored)


def test_start_replicas_rejects_a_count_below_one():
    with pytest.raises(ValueError, match="at least 1"):
        replicas_module.start_replicas(0)


# --------------------------------------------------------------------------- two live replicas


@pytest.fixture(scope="module")
def two_replicas(tmp_path_factory):
    """Two ``streamlit run app.py`` servers behind HAProxy on loopback, for this module."""
    haproxy_or_skip()
    with replicas_module.start_replicas(2, port=0, log_dir=tmp_path_factory.mktemp("replicas")) as replicas:
        yield replicas


def get(url: str, cookie: str | None = None):
    """GET ``url``; return ``(replica that answered, {cookie name: value} it set)``."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with OPENER.open(request, timeout=10) as response:
        assert response.status == 200
        headers = response.headers.get_all("Set-Cookie") or []
        set_cookies = dict(header.split(";")[0].split("=", 1) for header in headers)
        return response.headers[replicas_module.REPLICA_HEADER], set_cookies


def test_the_cookie_pins_a_client_to_one_server(two_replicas):
    landed, cookies = get(two_replicas.url + "/")
    assert cookies[replicas_module.AFFINITY_COOKIE] == landed  # set on the very first response
    with OPENER.open(two_replicas.url + "/") as response:
        set_cookie = [h for h in response.headers.get_all("Set-Cookie") if h.startswith("CNNVIZ_REPLICA=")][0]
    assert "path=/" in set_cookie.lower(), "the websocket upgrade at /_stcore/stream must carry the cookie"
    pinned = f"{replicas_module.AFFINITY_COOKIE}={landed}"
    assert {get(two_replicas.url + HEALTH_PATH, pinned)[0] for _ in range(8)} == {landed}
    # Without the cookie the proxy does spread clients, so the pinning above is the cookie's doing.
    assert {get(two_replicas.url + HEALTH_PATH)[0] for _ in range(8)} == {"app1", "app2"}


def test_a_whole_websocket_session_runs_through_the_proxy_on_the_pinned_server(two_replicas):
    sync_client = pytest.importorskip("websockets.sync.client", reason="websockets comes with streamlit")
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    # As the browser does: health first (it sets the XSRF cookie), then the websocket with both cookies.
    landed, cookies = get(two_replicas.url + HEALTH_PATH)
    xsrf = cookies["_streamlit_xsrf"]
    cookie_header = f"{replicas_module.AFFINITY_COOKIE}={landed}; _streamlit_xsrf={xsrf}"
    other = "app2" if landed == "app1" else "app1"
    before = two_replicas.server_stats()

    stream_url = two_replicas.url.replace("http://", "ws://") + "/_stcore/stream"
    with sync_client.connect(stream_url, subprotocols=["streamlit", xsrf], origin=two_replicas.url, proxy=None,
                             additional_headers={"Cookie": cookie_header}, max_size=None) as websocket:
        assert websocket.subprotocol == "streamlit"
        assert websocket.response.headers[replicas_module.REPLICA_HEADER] == landed
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        websocket.send(rerun.SerializeToString())
        elements = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(websocket.recv(timeout=90))
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                elements.append(message.delta.new_element.WhichOneof("type"))
            if kind == "script_finished":
                break
        during = two_replicas.server_stats()
    assert message.script_finished == ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
    assert "heading" in elements and "exception" not in elements, elements
    # HAProxy's own counters: the open websocket is on the pinned server, nothing reached the other.
    assert int(during[landed]["scur"]) >= 1
    assert int(during[landed]["stot"]) > int(before[landed]["stot"])
    assert during[other]["stot"] == before[other]["stot"]


def fetch(url: str, cookie: str, gzip: bool):
    """GET ``url`` as a browser with the affinity cookie: ``(body as sent, response headers)``."""
    headers = {"Cookie": cookie, **({"Accept-Encoding": "gzip"} if gzip else {})}
    with OPENER.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
        assert response.status == 200
        return response.read(), response.headers


def test_the_proxy_keeps_and_gzips_the_files_every_session_shares(two_replicas):
    """Streamlit's own JS (hashed names) and the explorer's files come from HAProxy's cache, gzipped,
    byte for byte what the replica serves; the page itself and everything per session never do."""
    import gzip
    import streamlit

    landed, _ = get(two_replicas.url + "/")
    cookie = f"{replicas_module.AFFINITY_COOKIE}={landed}"
    bundle = sorted((Path(streamlit.__file__).parent / "static" / "static" / "js").glob("index.*.js"))[0]
    url = f"{two_replicas.url}/static/js/{bundle.name}"
    fetch(url, cookie, gzip=True)  # stored
    body, headers = fetch(url, cookie, gzip=True)
    assert "Age" in headers and headers["Content-Encoding"] == "gzip"  # Age: answered from the cache
    assert gzip.decompress(body) == bundle.read_bytes() and len(body) < bundle.stat().st_size / 2
    assert "immutable" in headers["Cache-Control"]  # browsers still keep it for a year
    plain, plain_headers = fetch(url, cookie, gzip=False)  # a client without gzip gets the file as it is
    assert plain == bundle.read_bytes() and "Content-Encoding" not in plain_headers

    explorer_file = f"{two_replicas.url}/app/static/explorer/engine.js?v=test"
    fetch(explorer_file, cookie, gzip=True)
    body, headers = fetch(explorer_file, cookie, gzip=True)
    assert "Age" in headers and gzip.decompress(body) == (REPO_ROOT / "static/explorer/engine.js").read_bytes()

    for path in ("/", HEALTH_PATH):
        fetch(two_replicas.url + path, cookie, gzip=True)
        assert "Age" not in fetch(two_replicas.url + path, cookie, gzip=True)[1]
