"""docker-compose.yml is valid, has the services and health checks it promises, and refuses
to start without the secrets it needs.

These run the real `docker-compose` client (Debian's `docker-compose` package, 1.29) to
validate and normalise the file; no Docker engine, database or Django set-up is needed.
A missing client fails the tests rather than skipping them.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SERVICES = {"db", "redis", "migrate", "web", "worker", "beat"}
WITH_HEALTHCHECK = {"db", "redis", "web", "worker", "beat"}
# The variables the compose file requires; test values only, never used to run anything.
REQUIRED = {"SECRET_KEY": "test-only-secret-key", "POSTGRES_PASSWORD": "testonlypassword"}


@pytest.fixture(scope="module")
def docker_compose() -> str:
    path = shutil.which("docker-compose")
    if path is None:
        pytest.fail(
            "docker-compose is not on PATH; install it (Debian: apt-get install docker-compose) "
            "to check docker-compose.yml",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="module")
def compose(docker_compose, tmp_path_factory):
    """Run `docker-compose <args> ...` on our file, with exactly the given extra variables.

    An empty --env-file keeps a developer's own `.env` out of the result, and the required
    variables are removed from the inherited environment (`make test` sets SECRET_KEY).
    """
    empty_env_file = tmp_path_factory.mktemp("compose") / "empty.env"
    empty_env_file.write_text("")
    base_env = {k: v for k, v in os.environ.items() if k not in REQUIRED}

    def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                docker_compose,
                "--project-directory",
                str(ROOT),
                "--env-file",
                str(empty_env_file),
                "--file",
                str(COMPOSE_FILE),
                *args,
            ],
            cwd=ROOT,
            env={**base_env, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def service_blocks(config: str) -> dict[str, str]:
    """Split `docker-compose config` output (normalised YAML) into each service's text.

    Its layout is fixed: `services:` at the margin, each service name indented two spaces,
    and the service's keys four or more.
    """
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_services = False
    for line in config.splitlines():
        if not line.startswith(" "):
            in_services = line == "services:"
            current = None
        elif in_services and line.startswith("  ") and not line.startswith("   "):
            current = blocks.setdefault(line.strip().rstrip(":"), [])
        elif in_services and current is not None:
            current.append(line)
    return {name: "\n".join(lines) for name, lines in blocks.items()}


def key_block(block: str, key: str) -> str:
    """The text of a top-level key (indented four spaces) in one service's block."""
    lines = block.splitlines()
    start = f"    {key}:"
    for index, line in enumerate(lines):
        if line == start or line.startswith(start + " "):
            body = [line]
            for following in lines[index + 1 :]:
                if following.startswith("     "):
                    body.append(following)
                else:
                    break
            return "\n".join(body)
    return ""


@pytest.fixture(scope="module")
def config(compose) -> str:
    result = compose("config", env=REQUIRED)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_compose_file_is_valid(compose):
    result = compose("config", "-q", env=REQUIRED)
    assert result.returncode == 0, result.stderr


def test_compose_file_has_the_services(compose):
    result = compose("config", "--services", env=REQUIRED)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == SERVICES


@pytest.mark.parametrize("service", sorted(WITH_HEALTHCHECK))
def test_long_running_services_have_a_healthcheck(config, service):
    healthcheck = key_block(service_blocks(config)[service], "healthcheck")
    assert healthcheck, f"{service} has no healthcheck"
    assert "test:" in healthcheck
    assert "NONE" not in healthcheck, f"{service} disables its healthcheck"


def test_web_starts_only_after_migrations_and_healthy_servers(config):
    depends_on = key_block(service_blocks(config)["web"], "depends_on")
    for server in ("db", "redis"):
        assert f"      {server}:\n        condition: service_healthy" in depends_on
    assert "      migrate:\n        condition: service_completed_successfully" in depends_on


def test_secret_key_comes_from_the_environment(config):
    blocks = service_blocks(config)
    for service in ("migrate", "web", "worker", "beat"):
        assert f"SECRET_KEY: {REQUIRED['SECRET_KEY']}" in blocks[service], service


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_refuses_to_start_without_a_required_secret(compose, missing):
    env = {name: value for name, value in REQUIRED.items() if name != missing}
    for environment in (env, {**env, missing: ""}):
        result = compose("config", "-q", env=environment)
        assert result.returncode != 0, f"docker-compose config passed without {missing}"
        assert missing in result.stderr
