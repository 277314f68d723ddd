"""docker-compose.yml has the services and health checks it promises, starts them in the
right order, and refuses to start without the secrets it needs.

Read with PyYAML (a dependency of drf-spectacular, so always installed) and compose's own
variable rules (`${VAR:?message}`, `${VAR:-default}`, `$$`), so `make test` needs nothing
the README does not list and no check is skipped for want of the `docker-compose` client
(`docker-compose config` is a manual check for whoever has it).
"""

import re
from pathlib import Path, PurePosixPath

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SERVICES = {"db", "redis", "migrate", "web", "worker", "beat"}
APP_SERVICES = {"migrate", "web", "worker", "beat"}
WITH_HEALTHCHECK = {"db", "redis", "web", "worker", "beat"}
# The variables the compose file requires; test values only, never used to run anything.
REQUIRED = {"SECRET_KEY": "test-only-secret-key", "POSTGRES_PASSWORD": "testonlypassword"}

# $$, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $NAME
VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(Exception):
    """A required variable (`${NAME:?message}`) is unset, or empty where `:?` forbids it."""


def interpolate(value, env: dict[str, str]):
    """The file's values as compose substitutes them from `env` (strings anywhere inside)."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        given = env.get(name)
        unusable = given is None or (given == "" and op and op.startswith(":"))
        if op and op.endswith("?") and unusable:
            raise MissingVariable(f"{name}: {arg}")
        if op and op.endswith("-") and unusable:
            return arg
        return given or ""

    return VARIABLE.sub(substitute, value)


def compose_file(env: dict[str, str]) -> dict:
    return interpolate(yaml.safe_load(COMPOSE_FILE.read_text()), env)


@pytest.fixture(scope="module")
def config() -> dict:
    return compose_file(REQUIRED)


def test_compose_file_has_the_services_each_built_or_pulled(config):
    assert set(config["services"]) == SERVICES
    for name, service in config["services"].items():
        assert "image" in service or "build" in service, name
    # The app's services run the one image built from this repository.
    for name in APP_SERVICES:
        assert config["services"][name]["build"] == ".", name


def test_every_named_volume_is_declared(config):
    declared = set(config.get("volumes") or {})
    for name, service in config["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} mounts undeclared volume {source}"


@pytest.mark.parametrize("service", sorted(WITH_HEALTHCHECK))
def test_long_running_services_have_a_healthcheck(config, service):
    healthcheck = config["services"][service].get("healthcheck")
    assert healthcheck, f"{service} has no healthcheck"
    assert not healthcheck.get("disable"), f"{service} disables its healthcheck"
    test = healthcheck.get("test")
    assert test and test not in ("NONE", ["NONE"]), f"{service} has no health test"
    assert isinstance(test, str) or test[0] in ("CMD", "CMD-SHELL"), test


def test_web_and_worker_start_only_after_migrations_and_healthy_servers(config):
    for service in ("web", "worker"):
        depends_on = config["services"][service]["depends_on"]
        assert depends_on["db"] == {"condition": "service_healthy"}, service
        assert depends_on["redis"] == {"condition": "service_healthy"}, service
        assert depends_on["migrate"] == {"condition": "service_completed_successfully"}
    assert config["services"]["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert config["services"]["beat"]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_dependencies_name_services_that_exist(config):
    for name, service in config["services"].items():
        assert set(service.get("depends_on", {})) <= SERVICES, name


def test_secrets_come_from_the_environment(config):
    for service in sorted(APP_SERVICES):
        environment = config["services"][service]["environment"]
        assert environment["SECRET_KEY"] == REQUIRED["SECRET_KEY"], service
        assert f":{REQUIRED['POSTGRES_PASSWORD']}@db:" in environment["DATABASE_URL"], service
    db = config["services"]["db"]["environment"]
    assert db["POSTGRES_PASSWORD"] == REQUIRED["POSTGRES_PASSWORD"]
    # Nothing secret is written in the file itself.
    assert "test-only" not in COMPOSE_FILE.read_text()


def test_the_public_address_for_email_links_passes_through(config):
    for service in ("web", "worker", "beat"):
        environment = config["services"][service]["environment"]
        # No value: compose passes the operator's SITE_URL through (README, Configuration).
        assert "SITE_URL" in environment and environment["SITE_URL"] is None, service


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_refuses_to_start_without_a_required_secret(missing):
    env = {name: value for name, value in REQUIRED.items() if name != missing}
    for environment in (env, {**env, missing: ""}):
        with pytest.raises(MissingVariable, match=missing):
            compose_file(environment)


def test_the_variable_rules_are_compose_s():
    env = {"SET": "x", "EMPTY": ""}
    assert interpolate("a$$b ${SET} $SET ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d}", env) == (
        "a$b x x d d "
    )
    with pytest.raises(MissingVariable, match="EMPTY: say so"):
        interpolate("${EMPTY:?say so}", env)
    assert interpolate("${EMPTY?say so}", env) == ""


def test_the_published_audit_seal_file_is_on_a_volume_where_the_sealer_runs(config):
    """Beat only schedules audit.tasks.seal_audit_log; the worker runs it and appends to the
    published seal file (audit/published.py), on a named volume the read-only container
    can write, in a directory the image makes the app user's."""
    path = PurePosixPath(config["services"]["worker"]["environment"]["AUDIT_SEAL_PUBLISH_PATH"])
    mounts = dict(mount.split(":")[:2] for mount in config["services"]["worker"]["volumes"])
    assert mounts == {"auditseals": str(path.parent)}
    assert "auditseals" in config["volumes"]
    assert config["services"]["worker"]["read_only"] is True
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"chown app:app {path.parent}" in dockerfile
    # Every app service reads the same path, so a command run in any of them names it.
    for service in sorted(APP_SERVICES):
        assert config["services"][service]["environment"]["AUDIT_SEAL_PUBLISH_PATH"] == str(path)
