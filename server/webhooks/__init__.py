"""webhooks domain: the outbox of signed notifications and its delivery loop."""
