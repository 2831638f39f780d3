"""Pure OpenID4VP 1.0 (Final) cores of the Verifier: one module per message or concept.

- ``request``: Authorization Request / Request Object claims, nonce, wallet invocation link, Request URI POST (§5);
- ``client_id``: Client Identifier Prefixes and the Verifier-side rules (§5.9);
- ``dcql``: DCQL query models and validation (§6); ``dcql_match``: does a response satisfy a query (§6.4, §8.6);
- ``claims_path``: claims path pointers (§7); ``w3c_types``: expanded W3C ``type`` values (App. B.1.1);
- ``response``: the Authorization Response at the Response URI (§8.1-§8.5);
- ``verify_jwt_vp``: ``jwt_vc_json`` Presentations (App. B.1.3.1); ``errors``: the two error types.

No I/O, no clock, no randomness of their own: ``now``, random bytes, signers, verifiers, key resolvers and the
response decryption are injected.
"""
