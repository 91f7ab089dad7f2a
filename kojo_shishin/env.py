"""Strict readers for settings that come from the environment.

A typo in a deployment variable must stop the process with a message that
names the variable, never silently fall back to a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"環境変数 {name} の値 {raw!r} は真偽値として解釈できません。"
        f" true/false, 1/0, yes/no, on/off のいずれかを指定してください。"
    )


def env_str(name: str, default: str | None = None) -> str | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip()


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(
            f"環境変数 {name} の値 {raw!r} に空の項目があります。カンマ区切りで指定してください。"
        )
    return items


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"環境変数 {name} の値 {raw!r} は整数ではありません。") from None


def require(name: str, value, reason: str):
    if not value:
        raise ImproperlyConfigured(f"環境変数 {name} が設定されていません。{reason}")
    return value
