"""The house rules that keep the code easy to change: small modules, one Telegram module, channels off storage."""
from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
MAX_LINES = 300


def _modules():
    return sorted(BOT.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Absolute names of every module the file imports (relative imports resolved)."""
    package = ".".join(path.relative_to(BOT.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_is_over_300_lines_and_each_says_what_it_owns():
    for path in _modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) <= MAX_LINES, f"{path.relative_to(BOT.parent)}: {len(lines)} lines"
        assert lines and lines[0].startswith('"""'), f"{path.relative_to(BOT.parent)}: no one-line docstring"


def test_only_the_telegram_channel_imports_telegram():
    telegram = BOT / "channels" / "telegram"
    for path in _modules():
        uses = any(name == "telegram" or name.startswith("telegram.") for name in _imports(path))
        assert not uses or telegram in path.parents, f"{path.relative_to(BOT.parent)} imports telegram"


def test_channels_never_use_the_storage_layer():
    for path in (BOT / "channels").rglob("*.py"):
        assert not any(name.startswith("bot.storage") for name in _imports(path)), path


def test_the_core_does_no_io_and_knows_no_channel():
    for path in (BOT / "core").rglob("*.py"):
        names = _imports(path)
        forbidden = [n for n in names if n.startswith(("bot.storage", "bot.channels", "bot.app", "sqlite",
                                                       "telegram", "httpx", "asyncio"))]
        assert not forbidden, f"{path.name}: {forbidden}"
