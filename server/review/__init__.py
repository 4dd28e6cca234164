"""Review decisions on inspections (one transition table), versions, follow-ups, exports."""

from server.exports import lazy_exports
from server.review import transitions as transitions  # attaches the transition check to ``reviews``

__all__, __getattr__ = lazy_exports(__name__, {
    "services": ["resubmit", "returned_to"],
    "queue": ["filtered"],
})
