"""Webhooks (Standard Webhooks 1.0): the pure pieces of signed, retried event delivery -- signatures
(``signature``), the retry schedule and answer handling (``retry``), and targets: event filters, URL checks and the
admin input (``targets``). No I/O: the outbox lives in ``store.outbox``, delivery in ``services.webhooks``."""
