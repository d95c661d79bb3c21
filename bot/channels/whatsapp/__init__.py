"""The WhatsApp Cloud API channel: the only place that knows WhatsApp's webhooks, markup and limits."""
from .app import part, run
from .channel import WhatsAppChannel, owner_of, wa_id_of

__all__ = ["WhatsAppChannel", "owner_of", "part", "run", "wa_id_of"]
