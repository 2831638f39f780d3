"""Credential formats (OpenID4VCI 1.0 Appendix A): jwt_vc_json, ldp_vc, sd_jwt_vc."""
