"""Operator statistics from the stored records: activity, the funnel, questions asked and missed."""
from __future__ import annotations

import time
from dataclasses import dataclass

from .conversation import QUESTIONS
from .storage import Storage

DAY = 86400
TOP = 10


@dataclass(frozen=True)
class Stats:
    owners: int
    active: dict[int, int]                 # days -> owners active within them
    funnel: list[tuple[str, int]]          # (numbered step, owners who reached it), then "plan"
    plans_made: int                        # finished plans (a plan may grow over several rounds)
    owners_with_plan: int
    top_questions: list[tuple[str, int]]
    missed_questions: list[tuple[str, int]]   # found nothing: what to add to the knowledge next


def compute(storage: Storage, now: float | None = None) -> Stats:
    db = storage.db
    now = time.time() if now is None else now
    owners = db.execute("SELECT COUNT(*) FROM owners").fetchone()[0]
    active = {days: db.execute("SELECT COUNT(*) FROM owners WHERE updated_at >= ?",
                               [now - days * DAY]).fetchone()[0] for days in (1, 7, 30)}
    # An owner reached a numbered step if they answered one of its questions or stand in it now.
    steps: dict[str, list[str]] = {}
    for question, (step, _) in QUESTIONS.items():
        if step:
            steps.setdefault(step, []).append(question)
    funnel = []
    for step, questions in steps.items():
        marks = ",".join("?" * len(questions))
        count = db.execute(
            f"SELECT COUNT(*) FROM (SELECT owner_id FROM events WHERE kind = 'answer' AND "
            f"json_extract(detail, '$.step') IN ({marks}) UNION SELECT id FROM owners WHERE step IN ({marks}) "
            f"UNION SELECT owner_id FROM plans)", [*questions, *questions]).fetchone()[0]
        funnel.append((step, count))
    with_plan = db.execute("SELECT COUNT(DISTINCT owner_id) FROM plans").fetchone()[0]
    funnel.append(("rencana", with_plan))
    plans_made = db.execute("SELECT COUNT(*) FROM events WHERE kind = 'plan'").fetchone()[0]

    def questions(where: str) -> list[tuple[str, int]]:
        rows = db.execute(f"SELECT lower(trim(query)) AS q, COUNT(*) AS n FROM lookups WHERE {where} "
                          f"GROUP BY q ORDER BY n DESC, q LIMIT {TOP}")
        return [(q, n) for q, n in rows.fetchall()]

    return Stats(owners, active, funnel, plans_made, with_plan,
                 questions("best_id IS NOT NULL"), questions("best_id IS NULL"))
