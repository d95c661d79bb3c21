"""The WhatsApp channel put together: client, channel, webhook route and its loops (outbox sweeps, check-ins)."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from ...app import logs
from ...app.service import CoachService, DatabaseLost
from ...config import Settings
from ..serve import Part, Stopper
from ..serve import run as serve_parts
from .channel import WhatsAppChannel, owner_of
from .graph import GraphAPI
from .webhook import WebhookHandler

log = logging.getLogger(__name__)
OUTBOX_SWEEP_SECONDS = 5.0   # how often replies held back by network trouble are tried again
CHECKIN_SECONDS = 30.0       # how often due check-ins are looked for


def part(settings: Settings, service: CoachService, stopper: Stopper, transport=None) -> Part:
    """The channel as one part of a running coach; its operators join the service's."""
    wa = settings.whatsapp
    graph = GraphAPI(wa.api_url, wa.api_version, wa.phone_number_id, wa.token, transport)
    channel = WhatsAppChannel(graph, service.coach.flow.template_folders,
                              service.coach.flow.buttons["list_open"], wa.checkin_template, wa.template_language)
    service.admin_ids = service.admin_ids | {owner_of(n) for n in wa.admin_ids}
    route = (wa.webhook_path, WebhookHandler, {"service": service, "channel": channel, "app_secret": wa.app_secret,
                                              "verify_token": wa.verify_token, "stop": stopper})

    @contextlib.asynccontextmanager
    async def running():
        try:
            yield
        finally:
            await graph.close()

    async def loop() -> None:
        """Sweep the outbox often and look for due check-ins now and then, until the database is lost."""
        waited = CHECKIN_SECONDS
        while True:
            try:
                service.check_file()
            except DatabaseLost:
                return
            await service.outbox.sweep(channel)
            if waited >= CHECKIN_SECONDS:
                waited = 0.0
                for owner_id in service.send_due_checkins(channel):
                    await service.deliver(channel, owner_id)
            await asyncio.sleep(OUTBOX_SWEEP_SECONDS)
            waited += OUTBOX_SWEEP_SECONDS

    return Part("WhatsApp webhook", [route], running, [loop])


def run(settings: Settings, service: CoachService) -> int:
    logs.configure(settings.secrets, settings.log_level)
    stopper = Stopper()
    return serve_parts(settings, service, [part(settings, service, stopper)], stopper)
