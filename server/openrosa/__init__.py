"""OpenRosa for ODK Collect, Enketo and ODK Web Forms: form list, forms, the business list, submissions into
the same submission path as the phone; device tokens issued by an admin."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "tokens": ["user_of_token"],
})
