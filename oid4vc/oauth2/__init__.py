"""Pure OAuth 2.0 pieces shared by the issuer and the verifier (``jar``: RFC 9101 Request Objects)."""
