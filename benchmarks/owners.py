"""Simulated owners for the benchmarks: scripted walks through the real core, as Telegram updates."""
# Each owner's walk is decided by the core itself (bot.core.engine.Coach): the owner presses one of the
# buttons the bot offered or types (aliases, numbers, typos), asks quick questions, uses commands and goes
# back now and then, toggles tactics and makes a plan. bench_bot feeds the walks in process; bench_load
# plays them live over HTTP.
from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Sequence
from itertools import count

from tests.recording_request import BOT as BOT_USER   # the benchmarks put the repository root on sys.path

MAX_ACTIONS = 60                 # per owner; one that needs more is left unfinished and counted so
FIRST_NAMES = ("Sri", "Rina", "Budi", "Agus", "Dewi", "Siti", "Joko", "Wati", "Yanti", "Eko", "Ayu",
               "Rudi", "Nur", "Tini", "Bambang", "Lestari", "Putri", "Hendra", "Fitri", "Dian")
SHOPS = ("Toko Kue", "Warung", "Kedai Kopi", "Dapur", "Laundry", "Konveksi", "Bengkel", "Salon",
         "Katering", "Kios", "Olshop", "Rumah Makan")
PRODUCTS = ("kue ulang tahun dan kue kering", "kopi susu gula aren dan roti bakar",
            "nasi bakar, ayam geprek, es teh", "laundry kiloan dan setrika", "kaos sablon custom",
            "hijab dan gamis, jualan di shopee", "servis motor dan ganti oli", "sembako dan gas elpiji",
            "keripik pedas dan camilan", "les privat matematika untuk anak SD", "frozen food rumahan",
            "jasa desain logo dan undangan", "bakso dan mie ayam", "brownies dan nastar lebaran")
VALUES = ("ibu-ibu pengajian, wajib halal, pesan lewat WA", "anak kos, cari yang murah dan cepat",
          "pekerja kantor yang butuh praktis, bisa antar", "pelanggan suka rasa yang konsisten",
          "harga terjangkau, porsi banyak", "bahan berkualitas dan rapi jahitannya",
          "bisa pesan dadakan, buka sampai malam", "ramah dan bisa ngutang dulu")
QUICK_QUESTIONS = ("gmn biar pelanggan balik lagi?", "cara promosi di instagram gimana?",
                   "gimana cara dapet pelanggan baru?", "tips jualan di tiktok dong",
                   "kak gmn biar orang beli lebih banyak?", "gmn cara minta testimoni pelanggan?",
                   "cara naikin penjualan pas sepi gmn ya?", "bagaimana cara bikin promo diskon?",
                   "gimana biar pelanggan setia?", "apa itu bundling?")
EXTRAS = (("command", "/profil"), ("command", "/rencana"), ("command", "/cari promosi di tiktok"),
          ("command", "/bantuan"), ("button", "c:langkah_bantuan"), ("text", "bingung"))
TYPED_DONE = ("selesai", "udah", "buat rencana", "cukup")




# --------------------------------------------------------------------------- simulated owners

def _typo(rng: random.Random, text: str) -> str:
    """Swap two letters inside one longer word, as a thumb on a phone does."""
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


class Owner:
    """One owner's walk through the coach: the core decides what the bot offers next, the owner picks."""

    def __init__(self, coach, owner_id: int, rng: random.Random):
        self.coach, self.id, self.rng = coach, owner_id, rng
        self.name = rng.choice(FIRST_NAMES)
        self.session = None
        self.offered: list[str] = []         # callback data of the last message that had buttons
        self.message_ids = count(1)          # message ids in this private chat (ours and the bot's)
        self.buttons_message = 0             # the id of the bot's message carrying `offered`
        self.actions: list[tuple[str, str, int]] = []   # (kind, text or data, message id)
        self.states: list[dict] = []         # the session after each action, for the stored owners
        self.want_tactics = rng.randint(1, 3)

    def action(self, kind: str, value: str):
        """The core action this kind of update stands for (as the Telegram handlers make it)."""
        from bot.core.model import Command, Press, Start, Text
        if kind == "button":
            return Press(data=value)
        if kind == "command":
            name, _, args = value[1:].partition(" ")
            if name in ("start", "mulai"):
                return Start(user_name=self.name)   # as the Telegram handlers do
            return Command(name=name, args=args)
        return Text(text=value)

    def do(self, kind: str, value: str) -> None:
        message_id = self.buttons_message if kind == "button" else next(self.message_ids)
        outcome = self.coach.handle(self.session, self.action(kind, value))
        self.session = outcome.session
        self.actions.append((kind, value, message_id))
        self.states.append(self.session.to_dict())
        for reply in outcome.replies:
            edited = reply.replace and kind == "button"   # the channel edits the pressed message
            if not edited:
                sent = next(self.message_ids)
            if reply.buttons:
                self.offered = [b.data for row in reply.buttons for b in row]
                self.buttons_message = message_id if edited else sent

    def answers_offered(self, step: str) -> list[str]:
        return [d for d in self.offered if d.startswith(f"a:{step}:")]

    def walk(self) -> None:
        rng = self.rng
        self.do("command", rng.choice(("/start", "/start", "/start", "/mulai")))
        while self.session.step != "selesai" and len(self.actions) < MAX_ACTIONS:
            step = self.session.step
            kind = self.coach.flow.steps[step].kind
            roll = rng.random()
            if kind != "text" and roll < 0.10:
                self.do("text", rng.choice(QUICK_QUESTIONS))
            elif roll < 0.14:
                self.do(*rng.choice(EXTRAS))
            elif roll < 0.16 and self.session.history:
                self.do("command", "/kembali")
            elif step == "nama":
                self.do("text", f"{rng.choice(SHOPS)} {rng.choice(FIRST_NAMES)}")
            elif step == "produk":
                self.do("text", rng.choice(PRODUCTS))
            elif step == "nilai":
                self._value()
            elif step == "taktik":
                self._tactic()
            else:
                self._choice(step)
        if self.session.step == "selesai":       # some owners look around once the plan is made
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                self.do(*rng.choice((("text", rng.choice(QUICK_QUESTIONS)), ("button", "c:rencana"),
                                     ("command", "/rencana"))))

    def _value(self) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.12 and self.answers_offered("nilai"):
            self.do("button", "a:nilai:lewati")
        elif roll < 0.18:
            self.do("text", "lewati")
        else:
            self.do("text", rng.choice(VALUES))

    def _choice(self, step: str) -> None:
        rng = self.rng
        offered = self.answers_offered(step)
        if offered and rng.random() < 0.7:
            if step == "hubungan" and rng.random() < 0.75:
                return self.do("button", "a:hubungan:saran")     # take the coach's suggestion
            if step == "segmen" and rng.random() < 0.8:          # the quiz is for the unsure few
                offered = [d for d in offered if d != "a:segmen:belum-tahu"] or offered
            return self.do("button", rng.choice(offered))
        options = self.coach.flow.options.get(step)
        if step == "hubungan":
            typed = rng.choice(("setuju", "ok", "iya", "sesuai saran"))
        elif (rng.random() < 0.15 or not options) and offered:
            typed = str(rng.randint(1, len(offered)))            # "2": the second choice
        elif not options:
            typed = "?"                                         # a step this script does not know yet
        else:
            option = rng.choice(options)
            typed = rng.choice(option.aliases or (option.value,))
            if rng.random() < 0.15:
                typed = _typo(rng, typed)
        self.do("text", typed)

    def _tactic(self) -> None:
        rng = self.rng
        chosen = self.session.answers.get("pilihan", [])
        cards = [d for d in self.answers_offered("taktik") if d != "a:taktik:selesai"]
        if chosen and rng.random() < 0.06:                      # changed their mind: toggle one off
            return self.do("button", f"a:taktik:{rng.choice(chosen)}")
        if len(chosen) < self.want_tactics and cards:
            fresh = [d for d in cards if d.split(":", 2)[2] not in chosen] or cards
            if rng.random() < 0.85:
                return self.do("button", rng.choice(fresh))
            return self.do("text", str(cards.index(rng.choice(fresh)) + 1))
        if rng.random() < 0.8:
            return self.do("button", "a:taktik:selesai")
        self.do("text", rng.choice(TYPED_DONE))


def _update(update_id: int, owner: Owner, action: tuple[str, str, int], date: int) -> dict:
    kind, value, message_id = action
    user = {"id": owner.id, "is_bot": False, "first_name": owner.name, "language_code": "id"}
    chat = {"id": owner.id, "type": "private", "first_name": owner.name}
    if kind == "button":
        return {"update_id": update_id, "callback_query": {
            "id": str(update_id * 7), "from": user, "chat_instance": str(owner.id * 31), "data": value,
            "message": {"message_id": message_id, "date": date, "chat": chat, "from": BOT_USER,
                        "text": "…"}}}
    message = {"message_id": message_id, "date": date, "chat": chat, "from": user, "text": value}
    if value.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(value.split()[0])}]
    return {"update_id": update_id, "message": message}


def script_owners(coach, owners: int, id_base: int, seed: int) -> list[Owner]:
    walked = []
    for i in range(owners):
        owner = Owner(coach, id_base + i, random.Random(f"{seed}:{id_base + i}"))
        owner.walk()
        walked.append(owner)
    return walked


def interleave(owners: Sequence[Owner], seed: int, first_update_id: int) -> list[dict]:
    """All owners' actions in one stream: each next update comes from a random owner still talking."""
    rng = random.Random(seed)
    queues = {o.id: deque(o.actions) for o in owners}
    by_id = {o.id: o for o in owners}
    talking = [o.id for o in owners]
    update_ids = count(first_update_id)
    date = int(time.time())
    stream = []
    while talking:
        i = rng.randrange(len(talking))
        owner_id = talking[i]
        stream.append(_update(next(update_ids), by_id[owner_id], queues[owner_id].popleft(), date))
        if not queues[owner_id]:
            talking[i] = talking[-1]
            talking.pop()
    return stream
