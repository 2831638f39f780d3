"""Credential status, pure cores: W3C Bitstring Status List v1.0 (``bitstring``, for VCDM 2.0 credentials such as
Open Badges 3.0 / CLR 2.0), IETF Token Status List draft-ietf-oauth-status-list-14 (``token_status_list``, for
SD-JWT VC ``status`` claims) and random, never-repeating index allocation for herd privacy (``allocation``).

No I/O, no clock, no randomness of their own: keys, counters, ``now``, signers and verifiers are passed in.
"""
