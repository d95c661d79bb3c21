"""Operator statistics from the stored records: activity, the funnel, questions asked and missed."""
from __future__ import annotations

import time
from dataclasses import dataclass

from ..core.flow import Flow
from ..storage import Storage

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
    missed_questions: list[tuple[str, int]]   # found no sure card: what to add to the knowledge next
    off_topic: list[tuple[str, int]]          # (topic of luar-topik.yaml, questions answered with it)
    feedback: list[tuple[str, int, int]]      # (tactic, 👍, 👎), most rated first
    checkins: list[tuple[str, dict[str, int]]]  # (tactic, {status: owners}), latest answer per owner
    checkins_sent: int

    def as_json(self) -> dict:
        return {"pemilik": self.owners, "aktif_hari": {str(d): n for d, n in self.active.items()},
                "corong": dict(self.funnel), "rencana_dibuat": self.plans_made,
                "pemilik_dengan_rencana": self.owners_with_plan,
                "pertanyaan_teratas": dict(self.top_questions), "pertanyaan_tanpa_jawaban": dict(self.missed_questions),
                "di_luar_topik": dict(self.off_topic),
                "masukan": {t: {"membantu": up, "kurang": down} for t, up, down in self.feedback},
                "hasil_cek": dict(self.checkins), "cek_terkirim": self.checkins_sent}


def compute(storage: Storage, flow: Flow, now: float | None = None) -> Stats:
    db = storage.db
    now = time.time() if now is None else now
    owners = db.execute("SELECT COUNT(*) FROM owners").fetchone()[0]
    active = {days: db.execute("SELECT COUNT(*) FROM owners WHERE updated_at >= ?",
                               [now - days * DAY]).fetchone()[0] for days in (1, 7, 30)}
    # An owner reached a numbered step if they answered one of its questions, stands in it now, or
    # has a plan. One pass over the answers (a query per step read the events table six times).
    step_of = {step.id: step.group for step in flow.steps.values() if step.group}
    reached: dict[str, set[int]] = {step: set() for step in dict.fromkeys(step_of.values())}
    rows = db.execute("SELECT DISTINCT json_extract(detail, '$.step'), owner_id FROM events WHERE kind = 'answer' "
                      "UNION ALL SELECT step, id FROM owners")
    for question, owner in rows:
        if question in step_of:
            reached[step_of[question]].add(owner)
    planners = {r[0] for r in db.execute("SELECT DISTINCT owner_id FROM plans")}
    funnel = [(step, len(who | planners)) for step, who in reached.items()]
    with_plan = len(planners)
    funnel.append(("rencana", with_plan))
    plans_made = db.execute("SELECT COUNT(*) FROM events WHERE kind = 'plan'").fetchone()[0]

    def questions(where: str) -> list[tuple[str, int]]:
        rows = db.execute(f"SELECT lower(trim(query)) AS q, COUNT(*) AS n FROM lookups WHERE {where} "
                          f"GROUP BY q ORDER BY n DESC, q LIMIT {TOP}")
        return [(q, n) for q, n in rows.fetchall()]

    # Each owner's latest vote per card (a double tap or a change of mind counts once); SQLite takes
    # the bare columns from the row holding MAX(id).
    feedback = db.execute(
        "SELECT t, SUM(useful = 1), SUM(useful = 0) FROM (SELECT json_extract(detail, '$.tactic') AS t, "
        "json_extract(detail, '$.useful') AS useful, MAX(id) FROM events WHERE kind = 'feedback' "
        "GROUP BY owner_id, t) GROUP BY t ORDER BY COUNT(*) DESC, t").fetchall()
    outcomes: dict[str, dict[str, int]] = {}
    for tactic, status, count in db.execute("SELECT tactic_id, status, COUNT(*) FROM plans "
                                            "WHERE status != 'direncanakan' GROUP BY tactic_id, status"):
        outcomes.setdefault(tactic, {})[status] = count
    sent = db.execute("SELECT COUNT(*) FROM events WHERE kind = 'checkin_sent'").fetchone()[0]
    return Stats(owners, active, funnel, plans_made, with_plan,
                 questions("best_id IS NOT NULL"), questions("best_id IS NULL AND topic IS NULL"),
                 db.execute("SELECT topic, COUNT(*) AS n FROM lookups WHERE topic IS NOT NULL "
                            "GROUP BY topic ORDER BY n DESC, topic").fetchall(),
                 [(t, up, down) for t, up, down in feedback],
                 sorted(outcomes.items(), key=lambda item: (-sum(item[1].values()), item[0])), sent)
