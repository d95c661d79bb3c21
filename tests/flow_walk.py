"""Walks the declared flow as an owner would, so main-path tests take their route from flow.yaml, not a list."""
from __future__ import annotations

from bot.core.model import Press, Start, Text

TYPED = {"nama": "Toko Kue Melati", "produk": "kue ulang tahun", "nilai": "ibu-ibu pengajian, wajib halal"}


def walk(coach, until: str | None = None, answers: dict | None = None):
    """From /start to `until` (or the finished plan): typed text at text steps, the offered button of
    `answers[step]` (else the first option that is stored) at choices, the first tactic then "make the plan".
    Returns the session, each step met with its question, and the actions taken."""
    answers = answers or {}
    actions = [Start()]
    outcome = coach.handle(None, actions[0])
    met = []
    while True:
        s, ask = outcome.session, outcome.replies[-1]
        step = coach.flow.steps[s.step]
        met.append((s.step, ask))
        if s.step == until or step.kind == "done":
            return outcome.session, met, actions
        offered = [b.data for row in ask.buttons for b in row]
        if step.kind == "text":
            action = Text(answers.get(s.step) or TYPED.get(s.step, "jawaban contoh"))
        elif step.kind == "choice":
            value = answers.get(s.step) or next(o.value for o in coach.options(s) if not o.goto)
            action = Press(f"a:{s.step}:{value}")
        else:   # multi: the first card, then the button that closes the choice
            action = Press(offered[0] if not s.answers.get("pilihan") else f"a:{s.step}:selesai")
        assert isinstance(action, Text) or action.data in offered, f"{s.step}: {action} is not offered"
        actions.append(action)
        outcome = coach.handle(s, action)
