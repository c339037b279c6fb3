"""Static checks of the deployment files: docker compose, Dockerfile, env files and CI workflow.

No Docker engine is needed: the files are parsed and checked for the properties the production
deployment relies on (pinned images, health-gated startup, loopback-only ports for the
unauthenticated services, env variable names that match the settings).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tunedd_api.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
GPU_OVERRIDE_FILE = REPO_ROOT / "docker-compose.gpu.override.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
ENV_FILE = REPO_ROOT / ".env"
ENV_EXAMPLE_FILE = REPO_ROOT / ".env.example"
WORKFLOW_FILE = REPO_ROOT / ".github" / "workflows" / "ci.yml"

SERVICES = ("api", "weaviate", "ollama")
BACKING_SERVICES = ("weaviate", "ollama")
RAG_VAR = re.compile(r"\bRAG_[A-Z0-9_]+\b")
SETTINGS_VARS = {f"RAG_{name.upper()}" for name in Settings.model_fields}


def _load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    return data


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's `environment`, in either compose form, as a dict."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: str(value) for key, value in env.items()}


def _image_tag(image: str) -> str:
    name = image.rsplit("/", 1)[-1]
    assert ":" in name, f"image {image!r} has no tag"
    return name.split(":", 1)[1]


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    pairs = []
    for line in logical:
        instruction, _, args = line.partition(" ")
        pairs.append((instruction.upper(), args.strip()))
    return pairs


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load_yaml(COMPOSE_FILE)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return _load_yaml(WORKFLOW_FILE)


# --- docker-compose.yml -------------------------------------------------------------------


def test_compose_has_the_three_services(services: dict[str, Any]) -> None:
    assert set(SERVICES) <= set(services)


def test_api_waits_for_healthy_backing_services(services: dict[str, Any]) -> None:
    depends_on = services["api"]["depends_on"]
    assert isinstance(depends_on, dict), "depends_on needs the long form to carry conditions"
    for name in BACKING_SERVICES:
        assert depends_on[name]["condition"] == "service_healthy"


def test_api_is_built_here_and_checks_readiness(services: dict[str, Any]) -> None:
    api = services["api"]
    build = api["build"]
    dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    assert dockerfile == "Dockerfile"
    assert "ports" not in api, "replicas (--scale api=N) cannot all bind one host port"
    assert "8000" in [str(port) for port in api["expose"]]
    assert api["env_file"] in (".env", [".env"])
    assert "/readyz" in " ".join(map(str, api["healthcheck"]["test"]))
    assert api["restart"] == "unless-stopped"


def test_one_proxy_publishes_the_api_for_every_replica(services: dict[str, Any]) -> None:
    proxy = services["proxy"]
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+-alpine", proxy["image"])
    assert [str(port) for port in proxy["ports"]] == ["8000:8000"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    config = (REPO_ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert "http://api:8000" in config and "resolver 127.0.0.11" in config
    assert "proxy_buffering off;" in config  # Server-Sent Events stream through
    assert "client_max_body_size 0;" in config  # the API applies its own upload limits
    assert "tunedd-uploads:/app/uploads" in services["api"]["volumes"]


def test_api_mounts_data_read_only(services: dict[str, Any]) -> None:
    volumes = [str(volume) for volume in services["api"]["volumes"]]
    assert "./data:/app/data:ro" in volumes


def test_api_environment_selects_production_stack(services: dict[str, Any]) -> None:
    env = _environment(services["api"])
    assert env["RAG_BACKEND"] == "production"
    assert env["RAG_STARTUP_INDEXING"].endswith("background}")
    assert env["RAG_WEAVIATE_URL"] == "http://weaviate:8080"
    assert env["RAG_WEAVIATE_GRPC_PORT"] == "50051"
    assert env["RAG_OLLAMA_URL"] == "http://ollama:11434"


def test_compose_requires_an_admin_key_and_keeps_state_in_postgres(
    services: dict[str, Any],
) -> None:
    env = _environment(services["api"])
    # `${VAR:?message}`: compose refuses to start without it, so the API is never open.
    assert env["RAG_ADMIN_KEY"].startswith("${TUNEDD_ADMIN_KEY:?")
    assert env["RAG_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in env["RAG_DATABASE_URL"]


def test_model_names_come_from_env_with_defaults(services: dict[str, Any]) -> None:
    defaults = {
        "RAG_EMBEDDING_MODEL": Settings.model_fields["embedding_model"].default,
        "RAG_CHAT_MODEL": Settings.model_fields["chat_model"].default,
    }
    for service in ("api", "ollama"):
        env = _environment(services[service])
        for var, default in defaults.items():
            assert env[var] == f"${{{var}:-{default}}}", f"{service}: {var}"


def test_weaviate_image_is_pinned(services: dict[str, Any]) -> None:
    image = services["weaviate"]["image"]
    assert image.startswith("cr.weaviate.io/semitechnologies/weaviate:")
    tag = _image_tag(image)
    assert tag != "latest"
    assert re.fullmatch(r"\d+\.\d+\.\d+", tag), f"weaviate tag {tag!r} is not an explicit version"


def test_ollama_image_is_pinned(services: dict[str, Any]) -> None:
    image = services["ollama"]["image"]
    assert image.startswith("ollama/ollama:")
    assert re.fullmatch(r"\d+\.\d+\.\d+", _image_tag(image))


def test_weaviate_settings(services: dict[str, Any]) -> None:
    env = _environment(services["weaviate"])
    assert env["AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED"] == "true"
    assert env["PERSISTENCE_DATA_PATH"] == "/var/lib/weaviate"
    assert env["DEFAULT_VECTORIZER_MODULE"] == "none"
    assert env["ENABLE_MODULES"] == ""
    assert env["CLUSTER_HOSTNAME"] == "node1"
    test = " ".join(map(str, services["weaviate"]["healthcheck"]["test"]))
    assert "wget" in test and "/v1/.well-known/ready" in test


def test_ollama_pulls_models_and_keeps_serving(services: dict[str, Any]) -> None:
    ollama = services["ollama"]
    script = " ".join(map(str, ollama.get("command") or [])) + " ".join(
        map(str, ollama.get("entrypoint") or [])
    )
    assert "ollama serve" in script
    assert "ollama pull" in script
    # `$$` so that compose leaves the variables to the container's shell.
    assert "$$RAG_EMBEDDING_MODEL" in script and "$$RAG_CHAT_MODEL" in script
    assert re.search(r"\bwait\b", script), "the script must keep serving after the pulls"
    assert "OLLAMA_KEEP_ALIVE" in _environment(ollama)
    assert "ollama list" in " ".join(map(str, ollama["healthcheck"]["test"]))


@pytest.mark.parametrize("name", BACKING_SERVICES)
def test_backing_services_have_healthchecks_and_named_volumes(
    compose: dict[str, Any], name: str
) -> None:
    service = compose["services"][name]
    assert service["healthcheck"]["test"]
    declared = set(compose.get("volumes") or {})
    sources = [str(volume).split(":", 1)[0] for volume in service["volumes"]]
    named = [source for source in sources if not source.startswith((".", "/", "~"))]
    assert named, f"{name} has no named volume"
    assert set(named) <= declared
    assert f"tunedd-{name}-data" in named


def test_named_volumes_declared(compose: dict[str, Any]) -> None:
    assert {"tunedd-weaviate-data", "tunedd-ollama-data"} <= set(compose["volumes"])


def test_all_services_share_the_tunedd_network(compose: dict[str, Any]) -> None:
    assert "tunedd" in compose["networks"]
    assert (compose["networks"]["tunedd"] or {}).get("driver", "bridge") == "bridge"
    for name, service in compose["services"].items():
        assert "tunedd" in service["networks"], f"{name} is not on the tunedd network"


@pytest.mark.parametrize("name", BACKING_SERVICES)
def test_backing_service_ports_bind_to_loopback_only(services: dict[str, Any], name: str) -> None:
    ports = services[name].get("ports") or []
    assert ports, f"{name} publishes no port"
    for port in ports:
        if isinstance(port, dict):
            assert port.get("host_ip") == "127.0.0.1", f"{name}: {port}"
        else:
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port} is reachable publicly"
    published = {str(port).rsplit(":", 1)[-1] for port in ports}
    expected = {"weaviate": {"8080", "50051"}, "ollama": {"11434"}}[name]
    assert published == expected


def test_all_services_restart_unless_stopped(services: dict[str, Any]) -> None:
    for name in SERVICES:
        assert services[name]["restart"] == "unless-stopped"


# --- env variable names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [COMPOSE_FILE, GPU_OVERRIDE_FILE, ENV_FILE, ENV_EXAMPLE_FILE, WORKFLOW_FILE, DOCKERFILE],
    ids=lambda path: path.name,
)
def test_every_rag_variable_is_a_setting(path: Path) -> None:
    named = set(RAG_VAR.findall(path.read_text(encoding="utf-8")))
    unknown = sorted(named - SETTINGS_VARS)
    assert not unknown, f"{path.name} names variables Settings does not have: {unknown}"


def test_env_example_documents_every_setting() -> None:
    documented = set(
        re.findall(r"^#\s*(RAG_[A-Z0-9_]+)=", ENV_EXAMPLE_FILE.read_text("utf-8"), re.M)
    )
    assert documented == SETTINGS_VARS


def test_env_file_sets_only_the_model_names() -> None:
    lines = [
        line
        for line in ENV_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    values = dict(line.split("=", 1) for line in lines)
    assert values == {
        "RAG_EMBEDDING_MODEL": "all-minilm:l6",
        "RAG_CHAT_MODEL": "phi3:3.8b-mini-instruct-4k-q4_K_M",
    }


# --- GPU override -------------------------------------------------------------------------


def test_gpu_override_reserves_an_nvidia_device_for_ollama() -> None:
    override = _load_yaml(GPU_OVERRIDE_FILE)
    ollama = override["services"]["ollama"]
    devices = ollama["deploy"]["resources"]["reservations"]["devices"]
    assert any(
        device.get("driver") == "nvidia"
        and device.get("count") == "all"
        and "gpu" in device.get("capabilities", [])
        for device in devices
    )
    env = _environment(ollama)
    for var in ("OLLAMA_NUM_PARALLEL", "OLLAMA_MAX_LOADED_MODELS", "OLLAMA_FLASH_ATTENTION"):
        assert var in env


def test_gpu_override_touches_only_ollama() -> None:
    override = _load_yaml(GPU_OVERRIDE_FILE)
    assert set(override["services"]) == {"ollama"}


# --- Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_is_multi_stage() -> None:
    froms = [args for instruction, args in _dockerfile_instructions() if instruction == "FROM"]
    assert len(froms) == 2
    assert all(args.split()[0] == "python:3.11-slim" for args in froms)


def test_dockerfile_exports_only_the_main_group() -> None:
    runs = [args for instruction, args in _dockerfile_instructions() if instruction == "RUN"]
    exports = [run for run in runs if "poetry export" in run]
    assert exports, "the Dockerfile must export the locked requirements with Poetry"
    for run in exports:
        assert "--only main" in run
        assert not re.search(r"\s--with\b", run)
    text = " ".join(runs)
    assert "embedded" not in text
    assert not re.search(r"\b(--with|--only)\s+\S*\b(dev|embedded)\b", text)
    assert "poetry install" not in text, "install from the exported requirements, not Poetry"


def test_dockerfile_runs_as_non_root_user() -> None:
    instructions = _dockerfile_instructions()
    users = [args for instruction, args in instructions if instruction == "USER"]
    assert users, "no USER instruction"
    assert users[-1] not in ("root", "0", "0:0")
    assert "10001" in DOCKERFILE.read_text(encoding="utf-8")


def test_dockerfile_has_healthcheck_env_and_command() -> None:
    instructions = _dockerfile_instructions()
    by_name: dict[str, list[str]] = {}
    for instruction, args in instructions:
        by_name.setdefault(instruction, []).append(args)
    assert any("/healthz" in args for args in by_name["HEALTHCHECK"])
    env = " ".join(by_name["ENV"])
    assert "RAG_BACKEND=production" in env
    assert "RAG_DATA_DIR=/app/data" in env
    assert "PYTHONUNBUFFERED=1" in env
    assert by_name["EXPOSE"] == ["8000"]
    assert by_name["WORKDIR"][-1] == "/app"
    cmd = by_name["CMD"][-1]
    for part in ("tunedd", "serve", "0.0.0.0", "8000"):  # serve checks keys before binding
        assert part in cmd


def test_dockerignore_keeps_secrets_and_bulk_out_of_the_context() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for pattern in (".git", ".venv", ".tunedd", ".env", "tests", "data", "benchmarks", "docs"):
        assert pattern in patterns, f".dockerignore does not exclude {pattern}"
    for needed in ("pyproject.toml", "poetry.lock", "README.md", "tunedd_api"):
        assert needed not in patterns


# --- CI workflow --------------------------------------------------------------------------


def _steps_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def test_workflow_runs_on_push_and_pull_request(workflow: dict[str, Any]) -> None:
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
    triggers = workflow.get("on", workflow.get(True))
    assert {"push", "pull_request"} <= set(triggers)


def test_workflow_lints_and_tests(workflow: dict[str, Any]) -> None:
    runs = [_steps_text(job) for job in workflow["jobs"].values()]
    assert any(
        "flake8" in run and "black --check" in run and re.search(r"\bpytest\b", run) for run in runs
    )


def test_workflow_integration_job(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["integration"]
    assert {"weaviate", "ollama"} <= set(job["services"])
    compose_images = {
        name: _load_yaml(COMPOSE_FILE)["services"][name]["image"] for name in BACKING_SERVICES
    }
    for name in BACKING_SERVICES:
        assert job["services"][name]["image"] == compose_images[name]
    assert job["timeout-minutes"] >= 30
    text = _steps_text(job)
    assert "/api/pull" in text
    pytest_steps = [step for step in job["steps"] if "-m integration" in str(step.get("run", ""))]
    assert pytest_steps, "the integration job must run `pytest -m integration`"
    env = {**job.get("env", {}), **pytest_steps[0].get("env", {})}
    assert env["RAG_BACKEND"] == "production"
    assert env["RAG_WEAVIATE_URL"] == "http://localhost:8080"
    assert env["RAG_OLLAMA_URL"] == "http://localhost:11434"
