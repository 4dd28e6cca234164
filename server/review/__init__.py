"""review domain: decisions on inspections, follow-ups, exports."""

from server.review import transitions as transitions  # attaches the transition check to ``reviews``
