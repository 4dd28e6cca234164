"""The hash-chained audit log: every write records an event in its own transaction; the chain's check."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "actions": ["Action"],
    "services": ["Verdict", "append", "new_event", "record", "verify"],
    "checkpoints": ["Checkpoint", "create_key", "key_path", "log_path", "read_log", "write_checkpoint"],
})
