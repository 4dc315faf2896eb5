"""The deployment files as the tests read them."""

from pathlib import Path

import yaml

REPO_DIR = Path(__file__).resolve().parents[2]


def compose_services() -> dict[str, dict]:
    """docker-compose.yml's services."""
    return yaml.safe_load((REPO_DIR / "docker-compose.yml").read_text())["services"]
