"""docker-compose.yml, the Dockerfile and .env.example agree with the code: no Docker engine
runs here, so their shape is checked from the files (every command is a real `mall`
command that parses, every MALL_* variable a real setting, the pay keys mounted read-only)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from mall.cli import build_parser
from mall.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
MALL_SERVICES = {
    name: svc for name, svc in SERVICES.items() if (svc.get("command") or [""])[0] == "mall"
}
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
SETTINGS = {f"MALL_{name.upper()}" for name in Settings.model_fields}
# Variables compose itself reads (interpolation), not settings of the application.
COMPOSE_VARIABLES = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE_TEXT))
_DEFAULTED = re.compile(r"\$\{[A-Z_][A-Z0-9_]*:-([^}]*)\}")


def _interpolate(value: str) -> str:
    """What compose makes of ${VAR:-default} with VAR unset."""
    return _DEFAULTED.sub(lambda m: m.group(1), value)


def test_the_services_a_deploy_needs_are_there() -> None:
    assert {"postgres", "redis", "migrate", "api", "worker", "scheduler", "create-admin"} <= set(
        SERVICES
    )
    # One leads by a lease in Redis, the other takes over (mall/jobs/leader.py).
    assert SERVICES["scheduler"]["deploy"]["replicas"] == 2


@pytest.mark.parametrize("service", sorted(MALL_SERVICES))
def test_every_service_command_is_a_mall_command_that_parses(service: str) -> None:
    argv = [_interpolate(part) for part in MALL_SERVICES[service]["command"][1:]]

    args = build_parser().parse_args(argv)

    assert callable(args.handler)


@pytest.mark.parametrize("service", sorted(MALL_SERVICES))
def test_every_mall_variable_a_service_sets_is_a_setting(service: str) -> None:
    environment = MALL_SERVICES[service].get("environment") or {}
    unknown = sorted(k for k in environment if k.startswith("MALL_") and k not in SETTINGS)
    assert unknown == []


def test_env_example_names_only_real_settings_and_compose_variables() -> None:
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, flags=re.MULTILINE))
    unknown = sorted(named - SETTINGS - COMPOSE_VARIABLES)
    assert unknown == []
    # and everything compose reads from it is there (set or shown commented)
    assert sorted(COMPOSE_VARIABLES - named) == []


def test_env_example_has_what_compose_requires_and_a_deployer_must_set() -> None:
    required = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", COMPOSE_TEXT))
    must_set = required | {
        "MALL_PUBLIC_BASE_URL",
        "MALL_WECHAT_APPID",
        "MALL_WECHAT_SECRET",
        "MALL_WECHAT_PUSH_TOKEN",
        "MALL_WECHAT_PUSH_AES_KEY",
        "MALL_WECHAT_MCHID",
        "MALL_WECHAT_PAY_CERT_SERIAL_NO",
        "MALL_WECHAT_PAY_APIV3_KEY",
        "MALL_WECHAT_PAY_PUBLIC_KEY_ID",
        "POSTGRES_PASSWORD",
    }
    uncommented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, flags=re.MULTILINE))
    assert sorted(must_set - uncommented) == []
    assert "MALL_JWT_SECRET" in required


@pytest.mark.parametrize("service", ["api", "worker"])
def test_pay_key_files_are_mounted_read_only_where_payments_happen(service: str) -> None:
    svc = MALL_SERVICES[service]
    mounts = [m for m in svc["volumes"] if isinstance(m, dict)]
    read_only = [m["target"] for m in mounts if m.get("read_only")]
    for variable in ("MALL_WECHAT_PAY_PRIVATE_KEY_PATH", "MALL_WECHAT_PAY_PUBLIC_KEY_PATH"):
        path = svc["environment"][variable]
        assert any(path.startswith(target.rstrip("/") + "/") for target in read_only), path


def test_pay_keys_are_not_mounted_where_nothing_pays() -> None:
    for name in ("migrate", "scheduler", "create-admin"):
        volumes = MALL_SERVICES[name].get("volumes") or []
        assert not any(isinstance(v, dict) and "secrets" in v["target"] for v in volumes), name


def test_the_first_admin_is_a_one_shot_service_after_the_migration() -> None:
    svc = SERVICES["create-admin"]
    assert svc["command"][:2] == ["mall", "create-admin"]
    assert svc["restart"] == "no"
    assert svc["profiles"] == ["setup"]  # not started by `docker compose up`
    assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_dockerfile_runs_a_real_command_from_files_that_exist() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, flags=re.MULTILINE)
    assert cmd is not None
    argv = yaml.safe_load(cmd.group(1))
    assert argv[0] == "mall"
    build_parser().parse_args(argv[1:])
    for line in re.findall(r"^COPY (.+)$", dockerfile, flags=re.MULTILINE):
        *sources, _ = shlex.split(line)
        for source in sources:
            assert (ROOT / source).exists(), source


def test_secrets_and_env_stay_out_of_git_and_the_image() -> None:
    for ignore in (".gitignore", ".dockerignore"):
        lines = (ROOT / ignore).read_text().splitlines()
        assert ".env" in lines, ignore
        assert any(line.rstrip("/") == "secrets" for line in lines), ignore


def test_the_scale_profile_adds_pgbouncer_and_a_replica_and_migrations_stay_direct() -> None:
    assert SERVICES["pgbouncer"]["profiles"] == ["scale"]
    assert SERVICES["postgres-replica"]["profiles"] == ["scale"]
    ini = (ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini").read_text()
    assert re.search(r"^pool_mode = transaction$", ini, flags=re.MULTILINE)
    assert "host=postgres port=5432" in ini
    replica = " ".join(SERVICES["postgres-replica"]["command"])
    assert "pg_basebackup -h postgres" in replica and " -R " in replica
    # Every mall process gets the direct URL for `mall migrate`, whatever MALL_DATABASE_URL is.
    migrate_url = _interpolate(MALL_SERVICES["migrate"]["environment"]["MALL_MIGRATE_DATABASE_URL"])
    assert migrate_url == "postgres://mall:mall@postgres:5432/mall"
    mounts = SERVICES["postgres"]["volumes"]
    assert any("docker-entrypoint-initdb.d" in m for m in mounts if isinstance(m, str))
