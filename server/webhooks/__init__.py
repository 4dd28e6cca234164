"""The outbox of signed notifications and its delivery loop."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "services": ["enqueue"],
    "delivery": ["deliver_due", "run_loop"],
    "anchoring": ["anchor"],
})
